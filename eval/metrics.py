"""Pure scoring functions: text normalisation, per-string checks and their aggregation.

Every comparison goes through a normalisation, so full/half-width forms, Traditional
characters, punctuation, whitespace and citation markers never decide a score; only the
characters that carry the answer do.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from eval.scoring import QuestionRecord

# [1], [1,2], [1][2], 【1】: the markers the answerer puts after a cited sentence.
_CITATION_MARKER = re.compile(r"[\[【]\s*\d+(?:\s*[,，、]\s*\d+)*\s*[\]】]")

SUMMARY_KEYS: tuple[str, ...] = (
    "hit_at_1",
    "hit_at_3",
    "hit_at_5",
    "mrr",
    "answer_accuracy",
    "char_f1",
    "citation_precision",
    "citation_recall",
    "refusal_precision",
    "refusal_recall",
    "false_refusal_rate",
    "latency_p50_ms",
    "latency_p95_ms",
    "n",
)


@functools.cache
def _t2s() -> Any:
    import opencc  # heavy-ish: loaded on the first comparison, not at import

    return opencc.OpenCC("t2s")


def _drop_punct_and_space(text: str) -> str:
    return "".join(c for c in text if not (c.isspace() or unicodedata.category(c)[0] in ("P", "Z")))


@functools.lru_cache(maxsize=8192)
def answer_key(text: str) -> str:
    """Normalise answer text for comparison: no markers, NFKC, Simplified, no punctuation."""
    text = _CITATION_MARKER.sub("", text)
    text = unicodedata.normalize("NFKC", text)
    text = _t2s().convert(text)
    return _drop_punct_and_space(text.casefold())


@functools.lru_cache(maxsize=8192)
def match_key(text: str) -> str:
    """Normalise evidence or passage text with the corpus's matcher, then drop punctuation."""
    from corpus import normalize_for_match

    # normalize_for_match is what the cleaner promises to agree with; the extra NFKC and
    # punctuation/space removal only make matching more lenient, so cleaning never hides a hit.
    text = unicodedata.normalize("NFKC", normalize_for_match(text))
    return _drop_punct_and_space(text.casefold())


def contains_any(passage: str, evidence: Iterable[str]) -> bool:
    """True when the passage contains at least one evidence string (normalised)."""
    key = match_key(passage)
    return any(match_key(e) in key for e in evidence if match_key(e))


def first_hit_rank(passages: Sequence[str], evidence: Sequence[str]) -> int | None:
    """1-based rank of the first passage containing any evidence string; None if none does."""
    for rank, passage in enumerate(passages, start=1):
        if contains_any(passage, evidence):
            return rank
    return None


def missing_strings(answer_text: str, must_contain: Iterable[str]) -> tuple[str, ...]:
    """The must_contain strings the answer lacks (after normalisation)."""
    key = answer_key(answer_text)
    return tuple(m for m in must_contain if answer_key(m) not in key)


def char_f1(prediction: str, reference: str) -> float:
    """SQuAD-style F1 over characters, ignoring punctuation, spaces and citation markers."""
    pred, ref = answer_key(prediction), answer_key(reference)
    if not pred or not ref:
        return 1.0 if pred == ref else 0.0
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Linear-interpolated percentile (like numpy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * pct / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _mean(flags: Sequence[float]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def summary_metrics(records: Sequence[QuestionRecord]) -> dict[str, Any]:
    """The SUMMARY_KEYS metrics for some records; None where a metric is undefined."""
    answerable = [r for r in records if r.answerable]
    unanswerable = [r for r in records if not r.answerable]
    ranks = [r.hit_rank for r in answerable]
    refused = [r for r in records if r.refused]
    cited = sum(r.citations for r in answerable)
    totals = [r.total_ms for r in records]
    return {
        "hit_at_1": _mean([rank is not None and rank <= 1 for rank in ranks]),
        "hit_at_3": _mean([rank is not None and rank <= 3 for rank in ranks]),
        "hit_at_5": _mean([rank is not None and rank <= 5 for rank in ranks]),
        "mrr": _mean([1 / rank if rank else 0.0 for rank in ranks]),
        "answer_accuracy": _mean([r.correct for r in records]),
        "char_f1": _mean([r.char_f1 or 0.0 for r in answerable]),
        "citation_precision": _ratio(sum(r.supported_citations for r in answerable), cited),
        "citation_recall": _mean([r.supported_citations > 0 for r in answerable]),
        "refusal_precision": _ratio(sum(not r.answerable for r in refused), len(refused)),
        "refusal_recall": _ratio(sum(r.refused for r in unanswerable), len(unanswerable)),
        "false_refusal_rate": _ratio(sum(r.refused for r in answerable), len(answerable)),
        "latency_p50_ms": percentile(totals, 50),
        "latency_p95_ms": percentile(totals, 95),
        "n": len(records),
    }


def summarize(records: Sequence[QuestionRecord]) -> dict[str, Any]:
    """Overall metrics plus ``by_type[type]`` with the same keys, types in gold order."""
    from eval.gold import QUESTION_TYPES

    summary = summary_metrics(records)
    present = {r.type for r in records}
    order = [t for t in QUESTION_TYPES if t in present] + sorted(present - set(QUESTION_TYPES))
    summary["by_type"] = {t: summary_metrics([r for r in records if r.type == t]) for t in order}
    return summary


def latency_metrics(records: Sequence[QuestionRecord]) -> dict[str, float | None]:
    """Retrieval and whole-answer latency percentiles in milliseconds."""
    retrieval = [r.retrieval_ms for r in records if r.retrieval_ms is not None]
    totals = [r.total_ms for r in records]
    return {
        "retrieval_p50_ms": percentile(retrieval, 50),
        "retrieval_p95_ms": percentile(retrieval, 95),
        "total_p50_ms": percentile(totals, 50),
        "total_p95_ms": percentile(totals, 95),
    }
