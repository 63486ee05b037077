"""Quality gates in pytest: the unseen fixture profiles and the seed set, real model and qa.

The unseen set is four short profiles from other fields (a ventilator maker, a power-repair
crew, a hospital, a volunteer) written for this test in the style of the seed articles, 32
questions nobody tuned on. Thresholds are the `[unseen]`/`[seed]` tables of eval/gates.toml,
the same ones `eval --suite` gates on; qa/ is never changed to pass them, they measure.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from eval import load_gold, run_eval
from eval.gates import check_gates, load_gates
from eval.indexes import ensure_eval_index
from eval.suite import builtin_sets
from profile_qa.settings import Settings

GATES = Path(__file__).resolve().parents[2] / "eval" / "gates.toml"

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", ["unseen", "seed"])
def test_gold_set_meets_its_gate(real_embedder: Any, settings: Settings, name: str) -> None:
    from qa import load_answerer

    (item,) = [s for s in builtin_sets() if s.name == name]
    set_settings, index = ensure_eval_index(settings, real_embedder, item.articles)
    answerer = load_answerer(set_settings, embedder=real_embedder, index=index)
    result = run_eval(answerer, load_gold(item.gold), progress=False, label=name)
    failures = "\n".join(f"{r.id}: {r.question} -> {r.answer_text[:80]!r}" for r in result.failures)
    problems = check_gates([result], load_gates(GATES)[name])
    assert problems == [], f"{result.summary}\nfailures:\n{failures}"
