"""Run every gold question through an answerer and collect scored records."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from eval.gold import GoldQuestion
from eval.metrics import latency_metrics, summarize
from eval.scoring import QuestionRecord, error_record, score_question
from profile_qa.errors import ProfileQAError
from profile_qa.settings import Settings

if TYPE_CHECKING:
    from qa.model import Answer


class AnswererLike(Protocol):
    """What the runner needs from ``qa.Answerer``."""

    def answer(self, question: str, history: Sequence[tuple[str, str]] = ()) -> Answer: ...


@dataclass(frozen=True)
class EvalResult:
    """One run of a gold set through one answerer configuration."""

    label: str  # e.g. the retrieval mode, so --compare runs can be told apart
    records: tuple[QuestionRecord, ...]
    summary: dict[str, Any]  # summarize(records): SUMMARY_KEYS plus by_type
    latency: dict[str, float | None]
    config: dict[str, Any] = field(default_factory=dict)  # settings worth printing
    started_at: str = ""
    duration_s: float = 0.0

    @property
    def failures(self) -> tuple[QuestionRecord, ...]:
        """Questions answered wrongly (or refused wrongly, or not refused when they should)."""
        return tuple(r for r in self.records if not r.correct)


def run_eval(
    answerer: AnswererLike,
    gold: Sequence[GoldQuestion],
    progress: bool = True,
    label: str = "",
    config: dict[str, Any] | None = None,
) -> EvalResult:
    """Ask every gold question (follow-ups after their history) and score the answers."""
    from tqdm import tqdm

    started = datetime.now(UTC)
    clock = time.perf_counter()
    # History turns repeat across follow-ups (and the same opener is often asked twice):
    # answer each prefix once so the assistant turns are the answerer's own, consistently.
    turns: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}
    records: list[QuestionRecord] = []
    bar = tqdm(gold, desc=f"eval {label}".strip(), unit="q", file=sys.stderr, disable=not progress)
    for question in bar:
        # Which question it is on, so a slow or stuck one can be named.
        bar.set_postfix_str(f"{question.id} {question.question[:20]}", refresh=False)
        start = time.perf_counter()
        try:
            history = _history(answerer, question.history, turns)
            start = time.perf_counter()
            answer = answerer.answer(question.question, history=history)
        except ProfileQAError as exc:
            wall_ms = (time.perf_counter() - start) * 1000
            records.append(error_record(question, f"{type(exc).__name__}: {exc}", wall_ms))
            continue
        wall_ms = (time.perf_counter() - start) * 1000
        records.append(score_question(question, answer, wall_ms))
    return EvalResult(
        label=label,
        records=tuple(records),
        summary=summarize(records),
        latency=latency_metrics(records),
        config=dict(config or {}),
        started_at=started.isoformat(timespec="seconds"),
        duration_s=time.perf_counter() - clock,
    )


def run_modes(
    settings: Settings,
    gold: Sequence[GoldQuestion],
    modes: Sequence[str],
    gold_path: Path,
    progress: bool = True,
    articles_dir: Path | None = None,
    notify: Callable[[str], None] | None = None,
) -> list[EvalResult]:
    """One run per retrieval mode, loading the embedder and the index once.

    With ``articles_dir`` the questions run over that folder's own eval index
    (``eval.indexes``), never the product's.
    """
    import qa
    from embeddings import ensure_index, load_embedder
    from eval.indexes import ensure_eval_index

    embedder = load_embedder(settings)
    if articles_dir is None:
        index = ensure_index(settings, embedder, progress=progress, notify=notify)
    else:
        settings, index = ensure_eval_index(
            settings, embedder, articles_dir, progress=progress, notify=notify
        )
    runs = []
    for mode in modes:
        mode_settings = settings.replace(retrieval_mode=mode)
        answerer = qa.load_answerer(mode_settings, embedder=embedder, index=index)
        config = {
            "gold": str(gold_path),
            "articles": str(mode_settings.articles_dir),
            "questions": len(gold),
            "retrieval_mode": mode,
            "generator": mode_settings.generator,
            "embedding_model": mode_settings.embedding_model,
            "top_k": mode_settings.top_k,
        }
        runs.append(run_eval(answerer, gold, progress=progress, label=mode, config=config))
        answerer.save()
    return runs


def _history(
    answerer: AnswererLike,
    user_turns: Sequence[str],
    cache: dict[tuple[tuple[str, str], ...], dict[str, str]],
) -> tuple[tuple[str, str], ...]:
    history: tuple[tuple[str, str], ...] = ()
    for turn in user_turns:
        replies = cache.setdefault(history, {})
        if turn not in replies:
            replies[turn] = answerer.answer(turn, history=history).text
        history = (*history, (turn, replies[turn]))
    return history
