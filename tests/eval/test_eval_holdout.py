"""The held-out gold set: well-formed, grounded in the articles, and covering every type.

The held-out set is never used to tune qa/, so its figures are the honest ones; these checks
keep it measuring what it claims (a lost question or a stale evidence string would skew it).
"""

from __future__ import annotations

from pathlib import Path

from eval import QUESTION_TYPES, evidence_problems, load_gold

GOLD_DIR = Path(__file__).resolve().parents[2] / "eval" / "gold"
HOLDOUT = GOLD_DIR / "holdout.jsonl"


def test_holdout_has_forty_questions_with_sequential_ids() -> None:
    gold = load_gold(HOLDOUT)
    assert [q.id for q in gold] == [f"ho-{n:02d}" for n in range(1, 41)]


def test_holdout_evidence_is_found_in_the_articles(seed_articles_dir: Path) -> None:
    assert evidence_problems(load_gold(HOLDOUT), seed_articles_dir) == []


def test_holdout_covers_every_question_type() -> None:
    present = {q.type for q in load_gold(HOLDOUT)}
    assert set(QUESTION_TYPES) - present == set()


def test_holdout_has_at_least_six_unanswerable_questions() -> None:
    assert sum(not q.answerable for q in load_gold(HOLDOUT)) >= 6


def test_holdout_reuses_no_seed_question() -> None:
    seed = {q.question for q in load_gold(GOLD_DIR / "seed.jsonl")}
    assert seed & {q.question for q in load_gold(HOLDOUT)} == set()
