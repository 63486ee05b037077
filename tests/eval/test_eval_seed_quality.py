"""CI quality gate: the seed gold set through the real model, the real index and real qa.

Thresholds sit a little below the measured figures; raise them as quality improves, never
lower them to make a regression pass. ``profile-qa eval`` gives the same figures and a report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from eval import load_gold, run_eval
from eval.cli import check_gates
from profile_qa.settings import Settings

SEED_GOLD = Path(__file__).resolve().parents[2] / "eval" / "gold" / "seed.jsonl"

# Measured on the 96 seed questions with the embedded model, hybrid retrieval and the trained
# answer scorer (issue 10): hit@1 0.966, hit@3 0.989, MRR 0.980, accuracy 0.875, char F1 0.163,
# citation precision 0.937 / recall 0.966, refusal precision 0.833 / recall 0.556, false
# refusals 0.011. Retrieval bars went up (reranking); the answer, char-F1 and refusal bars
# went down from the rule-based answerer's (0.99 accuracy on the questions its rules were
# written beside, 0.675 on held-out ones): the trained scorer is measured honestly on unseen
# sets in the README. Each bar leaves room for two or three questions.
# No latency bar: timings depend on the machine (latency is reported, never asserted).
THRESHOLDS: dict[str, float] = {
    "min_hit_at_1": 0.92,
    "min_hit_at_3": 0.95,
    "min_mrr": 0.94,
    "min_answer_accuracy": 0.84,
    "min_char_f1": 0.14,
    "min_citation_precision": 0.90,
    "min_citation_recall": 0.93,
    "min_refusal_precision": 0.70,
    "min_refusal_recall": 0.44,
    "max_false_refusal_rate": 0.05,
}

pytestmark = pytest.mark.slow


def test_seed_gold_set_meets_the_quality_bar(real_embedder: Any, settings: Settings) -> None:
    from embeddings import build_index, open_index
    from qa import load_answerer

    build_index(settings, real_embedder, progress=False)
    index = open_index(settings, real_embedder)
    answerer = load_answerer(settings, embedder=real_embedder, index=index)
    result = run_eval(answerer, load_gold(SEED_GOLD), progress=False, label="hybrid")
    failures = "\n".join(f"{r.id}: {r.question} -> {r.answer_text[:80]!r}" for r in result.failures)
    assert check_gates([result], THRESHOLDS) == [], f"{result.summary}\nfailures:\n{failures}"
