"""Gate thresholds: proposed at today's figure less one question, checked per set."""

from __future__ import annotations

import tomllib
from pathlib import Path

from eval.gates import check_suite_gates, load_gates, propose_gates
from eval.runner import EvalResult
from eval.scoring import score_question
from eval.suite import benchmark_sets
from tests.eval._fakes import SQ, WH, answer, gold

REPO = Path(__file__).resolve().parents[2]
RIGHT = gold("a", "三奇公司口罩日产量提高到多少？", "350万只", ["350万只"], ["350万只"])
WRONG = gold("b", "三奇公司防护服日产量增至多少？", "20000套", ["20000套"], ["20000套"])
NONE = gold("u", "三奇公司的口罩出口到哪些国家？", None, qtype="unanswerable")


def _run(label: str) -> EvalResult:
    from eval.metrics import latency_metrics, summarize

    records = (
        # 10 answerable: 9 right, 1 refused; 2 unanswerable: 1 refused, 1 answered.
        *(score_question(RIGHT, answer("日产350万只[1]", [SQ, WH], [SQ]), 1.0) for _ in range(9)),
        score_question(WRONG, answer("", [WH, SQ], refused=True), 1.0),
        score_question(NONE, answer("", [WH], refused=True), 1.0),
        score_question(NONE, answer("日产350万只[1]", [SQ], [SQ]), 1.0),
    )
    return EvalResult(label, records, summarize(records), latency_metrics(records))


def test_proposed_thresholds_sit_one_question_below_today() -> None:
    gates = tomllib.loads(propose_gates([_run("holdout")]))["holdout"]
    # accuracy 10/12 = 0.833, less 1/12 -> 0.75; false refusals 1/10 = 0.1, plus 1/10 -> 0.2;
    # refusal recall 1/2, less 1/2 -> 0.0.
    assert gates["min_answer_accuracy"] == 0.75
    assert gates["max_false_refusal_rate"] == 0.2
    assert gates["min_refusal_recall"] == 0.0
    assert check_suite_gates([_run("holdout")], {"holdout": gates}) == ([], [])


def test_a_set_below_its_threshold_is_named_with_value_and_limit() -> None:
    failures, notes = check_suite_gates(
        [_run("drcd")], {"drcd": {"min_answer_accuracy": 0.9}, "rgb_zh": {"min_mrr": 0.5}}
    )
    assert failures == ["drcd: answer_accuracy 0.8333 < 0.9"]
    assert notes == ["gate for 'rgb_zh' skipped: the set was not run here"]


def test_the_repository_gate_covers_more_than_the_seed_set() -> None:
    gates = load_gates(REPO / "eval" / "gates.toml")
    assert {"seed", "holdout", "unseen"} <= set(gates)
    assert all("min_answer_accuracy" in limits for limits in gates.values())


def test_benchmark_sets_are_folders_with_articles_and_dev_questions(tmp_path: Path) -> None:
    for name in ("b_set", "a_set"):
        (tmp_path / name / "articles").mkdir(parents=True)
        (tmp_path / name / "dev.jsonl").write_text("", encoding="utf-8")
    (tmp_path / "distractors").mkdir()
    sets, notes = benchmark_sets(tmp_path)
    assert [s.name for s in sets] == ["a_set", "b_set"] and notes == []
    assert sets[0].articles == tmp_path / "a_set" / "articles"
    assert benchmark_sets(tmp_path / "distractors")[0] == []
