"""The refusal curve: refusal precision/recall and false refusals as a threshold moves."""

from __future__ import annotations

import dataclasses

import pytest

from eval.refusal import (
    SOURCE_ANSWERER,
    SOURCE_DENSE,
    curve_rows,
    point_at,
    refusal_curve,
)
from eval.scoring import score_question
from qa.model import Passage
from tests.eval._fakes import SQ, WH, answer, gold

ANSWERABLE = gold("a", "三奇公司口罩日产量提高到多少？", "350万只", ["350万只"], ["350万只"])
UNANSWERABLE = gold("u", "三奇公司的口罩出口到哪些国家？", None, qtype="unanswerable")


def _record(answerable: bool, refused: bool, confidence: float | None, dense: float = 0.8):
    given = answer("" if refused else "日产350万只[1]", [SQ, WH], [SQ], refused=refused)
    given = dataclasses.replace(
        given,
        confidence=confidence,
        passages=tuple(
            Passage(p.chunk, p.rank, p.score, dense_score=dense) for p in given.passages
        ),
    )
    return score_question(ANSWERABLE if answerable else UNANSWERABLE, given, 1.0)


@pytest.mark.parametrize(
    ("threshold", "refused", "precision", "recall", "false_refusals"),
    [
        (0.0, 0, None, 0.0, 0.0),  # nothing refused: no precision to speak of
        (0.35, 1, 1.0, 0.5, 0.0),  # the least confident (unanswerable) refused
        (0.65, 3, 2 / 3, 1.0, 0.5),  # both unanswerable, one answerable refused
        (1.0, 4, 0.5, 1.0, 1.0),  # everything refused
    ],
)
def test_point_at_a_threshold(
    threshold: float,
    refused: int,
    precision: float | None,
    recall: float,
    false_refusals: float,
) -> None:
    scores = [0.9, 0.6, 0.4, 0.3]
    answerable = [True, True, False, False]
    point = point_at(threshold, scores, answerable)
    assert point.refused == refused
    assert point.refusal_precision == (None if precision is None else pytest.approx(precision))
    assert (point.refusal_recall, point.false_refusal_rate) == (recall, false_refusals)


def test_a_question_without_a_score_counts_as_refused() -> None:
    point = point_at(0.0, [None, 0.9], [False, True])
    assert (point.refused, point.refusal_recall) == (1, 1.0)


def test_the_answerers_confidence_feeds_the_curve_and_marks_its_refusal_rate() -> None:
    records = [
        _record(True, False, 0.9),
        _record(True, False, 0.7),
        _record(False, True, 0.2),
        _record(False, False, 0.6),  # an unanswerable question answered: a miss
    ]
    curve = refusal_curve(records)
    assert curve.source == SOURCE_ANSWERER
    assert curve.in_use is not None and curve.in_use.refused == 1
    assert 0.2 < curve.in_use.threshold < 0.6 and curve.agreement == 1.0
    assert (curve.decided.refusal_recall, curve.decided.false_refusal_rate) == (0.5, 0.0)
    # Moving the threshold up trades refusal recall for false refusals.
    recalls = [p.refusal_recall for p in curve.points]
    assert recalls == sorted(recalls) and recalls[-1] == 1.0


def test_without_answerer_confidence_the_dense_score_stands_in() -> None:
    records = [_record(True, False, None, dense=0.88), _record(False, True, None, dense=0.79)]
    curve = refusal_curve(records)
    assert curve.source == SOURCE_DENSE
    assert [p.refused for p in curve.points] == [0, 1, 2]
    rows = curve_rows(curve)
    assert rows[0][:2] == ["threshold", "refused"]
    assert any(r[0].endswith("← in use") for r in rows)
    assert rows[-1][:2] == ["answerer's decisions", "1"]
