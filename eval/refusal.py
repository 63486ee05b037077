"""How refusing trades against false refusals as an answer-confidence threshold moves (pure).

At threshold t a question counts as refused when its confidence is below t. Sweeping t gives
refusal precision, refusal recall and the false-refusal rate at every operating point; the
answerer's own refusal rate is marked on the curve (the threshold refusing as many
questions as it did), and its actual decisions are listed beside the curve.

The confidence is ``Answer.confidence`` when the answerer gives one. When it gives none, the
best cosine similarity between the question and a retrieved passage (the e5 dense score)
stands in, so the curve is never empty; ``RefusalCurve.source`` says which score was used.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from eval.scoring import QuestionRecord

SOURCE_ANSWERER = "Answer.confidence (the answerer's own score)"
SOURCE_DENSE = (
    "proxy: best cosine similarity of a retrieved passage (e5 dense score); "
    "the answerer returned no confidence"
)


@dataclass(frozen=True)
class CurvePoint:
    """The refusal metrics when every question under ``threshold`` is refused."""

    threshold: float
    refused: int
    refusal_precision: float | None
    refusal_recall: float | None
    false_refusal_rate: float | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in vars(self).items()}


@dataclass(frozen=True)
class RefusalCurve:
    """Points sorted by threshold, the one matching the answerer's decisions, and its source."""

    source: str
    points: tuple[CurvePoint, ...]
    in_use: CurvePoint | None  # the threshold refusing as many questions as the answerer
    agreement: float | None  # share of questions where that threshold agrees with the answerer
    questions: int
    decided: CurvePoint | None = None  # the answerer's own refusals (threshold not meaningful)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for suite.json."""
        return {
            "source": self.source,
            "questions": self.questions,
            "in_use": self.in_use.to_dict() if self.in_use else None,
            "agreement": None if self.agreement is None else round(self.agreement, 4),
            "answerer": (
                {k: v for k, v in self.decided.to_dict().items() if k != "threshold"}
                if self.decided
                else None
            ),
            "points": [p.to_dict() for p in self.points],
        }


def confidences(records: Sequence[QuestionRecord]) -> tuple[str, list[float | None]]:
    """Each record's confidence and where it came from (answerer first, then the proxy)."""
    if any(r.confidence is not None for r in records):
        return SOURCE_ANSWERER, [r.confidence for r in records]
    return SOURCE_DENSE, [r.top_dense_score for r in records]


def point_at(
    threshold: float, scores: Sequence[float | None], answerable: Sequence[bool]
) -> CurvePoint:
    """Metrics when a question is refused iff its score is below ``threshold``.

    A question without a score (the answerer failed, or nothing was retrieved) counts as
    refused at every threshold: with no confidence there is nothing to answer from.
    """
    refused = [s is None or s < threshold for s in scores]
    n_refused = sum(refused)
    right = sum(r and not a for r, a in zip(refused, answerable, strict=True))
    unanswerable = answerable.count(False)
    answerable_n = len(answerable) - unanswerable
    wrong = sum(r and a for r, a in zip(refused, answerable, strict=True))
    return CurvePoint(
        threshold=threshold,
        refused=n_refused,
        refusal_precision=right / n_refused if n_refused else None,
        refusal_recall=right / unanswerable if unanswerable else None,
        false_refusal_rate=wrong / answerable_n if answerable_n else None,
    )


def refusal_curve(records: Sequence[QuestionRecord], max_points: int = 200) -> RefusalCurve:
    """The curve over every distinct score (thinned to ``max_points``), plus the answerer's."""
    source, scores = confidences(records)
    answerable = [r.answerable for r in records]
    known = sorted({s for s in scores if s is not None})
    if not known:
        return RefusalCurve(source, (), None, None, len(records))
    # Thresholds between neighbouring scores, plus one below all and one above all.
    middles = [(a + b) / 2 for a, b in itertools.pairwise(known)]
    cuts = [known[0] - 1e-6, *middles, known[-1] + 1e-6]
    if len(cuts) > max_points:
        step = (len(cuts) - 1) / (max_points - 1)
        cuts = [cuts[round(i * step)] for i in range(max_points)]
    points = tuple(point_at(t, scores, answerable) for t in cuts)
    actual = [r.refused for r in records]

    def agreement(t: float) -> float:
        simulated = [s is None or s < t for s in scores]
        return sum(a == b for a, b in zip(simulated, actual, strict=True)) / len(records)

    # The point refusing as many questions as the answerer did: for a confidence the answerer
    # thresholds itself, that is its threshold; for the proxy, the same refusal rate.
    refused = sum(actual)
    best = min(points, key=lambda p: (abs(p.refused - refused), -agreement(p.threshold)))
    decided = point_at(0.5, [0.0 if r else 1.0 for r in actual], answerable)
    return RefusalCurve(source, points, best, agreement(best.threshold), len(records), decided)


def curve_rows(curve: RefusalCurve, rows: int = 9) -> list[list[str]]:
    """A small table (header first): evenly spread thresholds and the one in use."""
    from eval.report import format_metric

    header = ["threshold", "refused", "refusal precision", "refusal recall", "false-refusal rate"]
    if not curve.points:
        return [header]
    step = max(1, (len(curve.points) - 1) / max(1, rows - 1))
    picked = {curve.points[min(len(curve.points) - 1, round(i * step))] for i in range(rows)}
    if curve.in_use is not None:
        picked.add(curve.in_use)

    def row(first: str, p: CurvePoint) -> list[str]:
        return [
            first,
            str(p.refused),
            format_metric("refusal_precision", p.refusal_precision),
            format_metric("refusal_recall", p.refusal_recall),
            format_metric("false_refusal_rate", p.false_refusal_rate),
        ]

    table = [header]
    for p in sorted(picked, key=lambda p: p.threshold):
        table.append(row(f"{p.threshold:.3f}" + (" ← in use" if p == curve.in_use else ""), p))
    if curve.decided is not None:
        table.append(row("answerer's decisions", curve.decided))
    return table
