"""A small stand-in for qa.Answerer: real seed chunks, naive overlap retrieval.

It produces real ``qa.model.Answer`` records, so the web layer is tested against the shared
contract without the embedding model. The real answerer is used by the slow tests.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from corpus import chunk_articles, load_articles, split_sentences
from corpus.model import Chunk
from profile_qa.errors import InvalidQuestionError
from profile_qa.settings import Settings
from qa.model import Answer, Citation, Passage

REFUSAL = "文章中没有找到这个问题的答案。"


def _bigrams(text: str) -> set[str]:
    chars = [c for c in text if not c.isspace()]
    return {a + b for a, b in itertools.pairwise(chars)}


@dataclass
class FakeIndex:
    chunks: list[Chunk]


@dataclass
class FakeEmbedder:
    model_id: str = "fake:overlap"


class FakeAnswerer:
    """Answers with the seed sentence sharing the most character bigrams with the question."""

    def __init__(self, settings: Settings, fail_with: Exception | None = None) -> None:
        report = load_articles(settings.articles_dir)
        self.settings = settings
        self.index = FakeIndex(chunk_articles(report.articles, settings))
        self.embedder = FakeEmbedder()
        self.fail_with = fail_with
        self.calls: list[tuple[str, list[tuple[str, str]]]] = []
        self._calls_lock = threading.Lock()

    def answer(self, question: str, history: Sequence[tuple[str, str]] = ()) -> Answer:
        with self._calls_lock:
            self.calls.append((question, list(history)))
        if self.fail_with is not None:
            raise self.fail_with
        question = question.strip()
        if not question:
            raise InvalidQuestionError("the question is empty")
        if len(question) > self.settings.max_question_chars:
            raise InvalidQuestionError(
                f"the question is longer than {self.settings.max_question_chars} characters"
            )
        wanted = _bigrams(question)
        scored = sorted(
            ((len(wanted & _bigrams(c.text)), c) for c in self.index.chunks),
            key=lambda sc: -sc[0],
        )
        passages = tuple(
            Passage(chunk=c, rank=i + 1, score=float(s))
            for i, (s, c) in enumerate(scored[: self.settings.top_k])
        )
        best_score, best = scored[0]
        if best_score < 3:
            return Answer(question, question, REFUSAL, (), passages, "extractive", True)
        spans = split_sentences(best.text)
        start, end = max(spans, key=lambda se: len(wanted & _bigrams(best.text[se[0] : se[1]])))
        citation = Citation(1, best, best.start + start, best.start + end)
        text = best.text[start:end] + "[1]"
        timings = {"retrieval": 1.0, "generation": 0.5, "total": 1.5}
        return Answer(
            question, question, text, (citation,), passages, "extractive", False, timings_ms=timings
        )

    def stream(
        self, question: str, history: Sequence[tuple[str, str]] = ()
    ) -> Iterator[str | Answer]:
        answer = self.answer(question, history)
        step = max(1, len(answer.text) // 3)
        for i in range(0, len(answer.text), step):
            yield answer.text[i : i + step]
        yield answer
