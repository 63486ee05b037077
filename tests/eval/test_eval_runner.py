"""The runner and aggregation on a scripted answerer whose numbers are checked by hand."""

from __future__ import annotations

import pytest

from eval import SUMMARY_KEYS, run_eval
from profile_qa.errors import InvalidQuestionError
from tests.eval._fakes import (
    OPENER,
    OPENER_ANSWER,
    answer,
    four_answers,
    four_questions,
    gold,
)


def test_run_eval_computes_every_metric_from_hand_made_answers() -> None:
    result = run_eval(four_answers(), four_questions(), progress=False, label="fake")
    s = result.summary
    assert set(s) == {*SUMMARY_KEYS, "by_type"}
    # Answerable g1, g2, g4 hit at ranks 2, 1, 1; g2 lacks "50辆"; g3 is rightly refused.
    assert s["hit_at_1"] == pytest.approx(2 / 3)
    assert s["hit_at_3"] == s["hit_at_5"] == 1.0
    assert s["mrr"] == pytest.approx((1 / 2 + 1 + 1) / 3)
    assert s["answer_accuracy"] == 0.75
    assert s["char_f1"] == pytest.approx((10 / 22 + 5 / 45 + 20 / 33) / 3)
    assert s["citation_precision"] == 0.75  # g2 cites the 三奇 chunk for an MPV question
    assert s["citation_recall"] == 1.0
    assert (s["refusal_precision"], s["refusal_recall"], s["false_refusal_rate"]) == (1, 1, 0)
    assert s["latency_p50_ms"] == 125.0  # totals 100, 200, 50, 150
    assert s["latency_p95_ms"] == pytest.approx(192.5)
    assert s["n"] == 4
    assert result.latency["retrieval_p50_ms"] == 12.5
    assert [r.id for r in result.failures] == ["g2"]
    assert result.failures[0].missing == ("50辆",)


def test_by_type_has_the_same_keys_and_leaves_undefined_metrics_empty() -> None:
    by_type = run_eval(four_answers(), four_questions(), progress=False).summary["by_type"]
    assert list(by_type) == ["numeric", "unanswerable", "followup"]
    assert all(set(m) == set(SUMMARY_KEYS) for m in by_type.values())
    assert by_type["numeric"]["answer_accuracy"] == 0.5
    assert by_type["numeric"]["refusal_precision"] is None  # nothing refused
    assert by_type["unanswerable"]["hit_at_3"] is None  # retrieval: answerable only
    assert by_type["unanswerable"]["answer_accuracy"] == 1.0


def test_follow_up_is_asked_after_its_history_with_the_answerers_own_reply() -> None:
    answerer = four_answers()
    result = run_eval(answerer, four_questions(), progress=False)
    assert ("那防护服呢？", ((OPENER, OPENER_ANSWER),)) in answerer.calls
    assert result.records[3].correct


def test_a_refused_answerable_question_is_a_false_refusal() -> None:
    questions = four_questions()[:1]
    answerer = four_answers()
    answerer.script[OPENER] = lambda h: answer("文章中没有相关信息。", [], refused=True)
    s = run_eval(answerer, questions, progress=False).summary
    assert (s["answer_accuracy"], s["false_refusal_rate"], s["refusal_precision"]) == (0, 1, 0)
    assert s["hit_at_5"] == 0 and s["char_f1"] == 0 and s["citation_recall"] == 0


def test_an_answerer_error_fails_that_question_and_the_run_goes_on() -> None:
    answerer = four_answers()

    def reject(history: object) -> object:
        raise InvalidQuestionError("question too long")

    answerer.script["武汉市经信局协调捐赠了多少辆MPV？"] = reject
    result = run_eval(answerer, four_questions(), progress=False)
    assert len(result.records) == 4
    assert "InvalidQuestionError: question too long" in result.records[1].error
    assert not result.records[1].correct


def test_an_unanswerable_question_answered_anyway_is_wrong() -> None:
    q = gold("u", "三奇公司有多少名员工？", None, qtype="unanswerable")
    answerer = four_answers()
    answerer.script["三奇公司有多少名员工？"] = answerer.script[OPENER]
    s = run_eval(answerer, [q], progress=False).summary
    assert s["answer_accuracy"] == 0 and s["refusal_recall"] == 0
    assert s["refusal_precision"] is None and s["hit_at_1"] is None
