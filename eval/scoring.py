"""Turn one answer to one gold question into a scored, JSON-ready record (pure)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from eval.gold import GoldQuestion
from eval.metrics import char_f1, contains_any, first_hit_rank, missing_strings

if TYPE_CHECKING:
    from qa.model import Answer


@dataclass(frozen=True)
class PassageRecord:
    """A retrieved passage as the report shows it."""

    rank: int
    chunk_id: str
    header: str
    text: str
    score: float
    has_evidence: bool


@dataclass(frozen=True)
class QuestionRecord:
    """Everything measured for one gold question."""

    id: str
    type: str
    profile: str
    question: str
    history: tuple[str, ...]
    expected: str | None
    must_contain: tuple[str, ...]
    evidence: tuple[str, ...]
    answer_text: str
    refused: bool
    correct: bool
    missing: tuple[str, ...]  # must_contain strings not found in the answer
    char_f1: float | None  # None for unanswerable questions
    hit_rank: int | None  # first passage containing evidence; None: no hit or unanswerable
    citations: int
    supported_citations: int  # cited passages that contain evidence
    passages: tuple[PassageRecord, ...]
    retrieval_ms: float | None
    total_ms: float
    error: str = ""
    confidence: float | None = None  # Answer.confidence: the answerer's own, when it gives one
    top_dense_score: float | None = None  # best cosine of the retrieved passages (a proxy)

    @property
    def answerable(self) -> bool:
        """True when the gold set says the articles answer this question."""
        return self.expected is not None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for report.json."""
        data = asdict(self)
        data["answerable"] = self.answerable
        return data


def score_question(gold: GoldQuestion, answer: Answer, wall_ms: float) -> QuestionRecord:
    """Score a ``qa.model.Answer`` against its gold question."""
    passages = tuple(answer.passages)
    texts = [p.chunk.text for p in passages]
    evidence = gold.evidence
    records = tuple(
        PassageRecord(
            rank=rank,
            chunk_id=p.chunk.id,
            header=p.chunk.header,
            text=p.chunk.text,
            score=float(p.score),
            has_evidence=bool(evidence) and contains_any(p.chunk.text, evidence),
        )
        for rank, p in enumerate(passages, start=1)
    )
    # One citation per marker number: a marker repeated in the text is still one claim.
    cited = {c.number: c.chunk for c in answer.citations}
    supported = (
        sum(contains_any(chunk.text, evidence) for chunk in cited.values()) if evidence else 0
    )
    dense = [float(d) for p in passages if (d := getattr(p, "dense_score", None)) is not None]
    refused = bool(answer.refused)
    if gold.answer is None:
        missing: tuple[str, ...] = ()
        correct, f1 = refused, None
    else:
        missing = missing_strings(answer.text, gold.must_contain)
        correct = not refused and not missing
        f1 = 0.0 if refused else char_f1(answer.text, gold.answer)
    timings = dict(getattr(answer, "timings_ms", None) or {})
    return QuestionRecord(
        **_from_gold(gold),
        evidence=evidence,
        answer_text=answer.text,
        refused=refused,
        correct=correct,
        missing=missing,
        char_f1=f1,
        hit_rank=first_hit_rank(texts, evidence) if gold.answer is not None else None,
        citations=len(cited),
        supported_citations=supported,
        passages=records,
        retrieval_ms=timings.get("retrieval"),
        total_ms=float(timings.get("total", wall_ms)),
        confidence=_optional_float(getattr(answer, "confidence", None)),
        top_dense_score=max(dense, default=None),
    )


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _from_gold(gold: GoldQuestion) -> dict[str, Any]:
    """The fields every record copies from its gold question."""
    return {
        "id": gold.id,
        "type": gold.type,
        "profile": gold.profile,
        "question": gold.question,
        "history": gold.history,
        "expected": gold.answer,
        "must_contain": gold.must_contain,
    }


def error_record(gold: GoldQuestion, message: str, wall_ms: float) -> QuestionRecord:
    """A record for a question the answerer rejected with an error: scored as wrong."""
    return QuestionRecord(
        **_from_gold(gold),
        evidence=gold.evidence,
        answer_text="",
        refused=False,
        correct=False,
        missing=gold.must_contain,
        char_f1=None if gold.answer is None else 0.0,
        hit_rank=None,
        citations=0,
        supported_citations=0,
        passages=(),
        retrieval_ms=None,
        total_ms=wall_ms,
        error=message,
    )
