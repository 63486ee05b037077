"""The Answerer: clean -> resolve follow-up -> retrieve -> generate -> cite, as one chain."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embeddings.base import Embedder
from profile_qa.errors import InvalidQuestionError
from profile_qa.settings import Settings
from qa import followup
from qa.answering import ScoredGenerator
from qa.citations import cite
from qa.compose import Draft, refusal_text
from qa.features import QuestionFacts, question_facts
from qa.knowledge import KnowledgeBase
from qa.llm import LLMGenerator, is_refusal, unavailable_note
from qa.llm_calls import LLMOutcome, Steps, drive_sync, run_to_end
from qa.model import Answer, Passage
from qa.normalize import clean_question, strip_control, to_simplified
from qa.retrieval import Retrieval, Retriever, SearchIndex
from qa.scorer import load_model
from qa.vectors import SentenceVectors

log = logging.getLogger(__name__)
History = Sequence[tuple[str, str] | str]
_KB_CACHE: dict[tuple[Any, ...], KnowledgeBase] = {}
_KB_CACHE_SIZE = 4
_WARM_SENTENCES = 3000  # sentences embedded at start-up (~1-2 min once, then cached)


@dataclass(frozen=True)
class _Prepared:
    question: str
    resolved: str
    analysis: QuestionFacts
    retrieval: Retrieval
    timings: dict[str, float]


def _user_turns(history: History, limit: int) -> list[str]:
    turns = [h if isinstance(h, str) else h[0] for h in history]
    cleaned = [" ".join(strip_control(t).split()) for t in turns[-limit:] if isinstance(t, str)]
    return [t for t in cleaned if t]


class Answerer:
    """Answers questions about the indexed articles with cited passages."""

    def __init__(
        self,
        settings: Settings,
        kb: KnowledgeBase,
        index: SearchIndex | None,
        embedder: Embedder | None,
        vectors: SentenceVectors | None = None,
    ) -> None:
        self.settings = settings
        self.kb = kb
        self.retriever = Retriever(kb, index, embedder, settings)
        query_vector = self.retriever.query_vector if embedder is not None else None
        if vectors is None and embedder is not None:
            vectors = SentenceVectors(embedder, settings.data_dir / "sentences")
        threshold = settings.answer_threshold if settings.answer_threshold >= 0 else None
        self.extractive = ScoredGenerator(
            kb, load_model(), embedder, query_vector, vectors, threshold
        )
        self._llm: LLMGenerator | None = None

    def with_settings(self, settings: Settings) -> Answerer:
        """The same articles answered with other options (generator, top_k, retrieval mode):
        knowledge base, index, model and sentence vectors are shared, not loaded again."""
        r = self.retriever
        return Answerer(settings, self.kb, r.index, r.embedder, self.extractive.vectors)

    @property
    def llm(self) -> LLMGenerator | None:
        """The chat-model generator when an endpoint is configured (built on first use)."""
        if self._llm is None and self.settings.llm_base_url and self.settings.llm_model:
            self._llm = LLMGenerator(self.settings)
        return self._llm

    def _resolve(
        self, question: str, history: History, generator: str, deadline: float
    ) -> Generator[Any, LLMOutcome | None, tuple[str, float]]:
        started = time.perf_counter()
        previous = _user_turns(history, self.settings.max_history_turns)
        simplified = to_simplified(question)
        if not previous:
            return simplified, 0.0
        resolved_prev: list[str] = []
        for turn in previous:  # each earlier turn may itself be a follow-up
            resolved_prev.append(followup.resolve(to_simplified(turn), resolved_prev, self.kb))
        resolved = followup.resolve(simplified, resolved_prev, self.kb)
        if generator == "llm" and self.llm is not None:
            # The driver runs the request (on the event loop in the server) and sends it back.
            outcome = yield self.llm.rewrite_call(simplified, resolved_prev[-4:], deadline)
            if outcome is not None and outcome.error is not None:
                log.warning("follow-up rewrite by the LLM failed, rules used: %s", outcome.error)
            elif outcome is not None:
                rewritten = to_simplified(outcome.text)
                if 0 < len(rewritten) <= self.settings.max_question_chars:
                    resolved = rewritten
        return resolved, (time.perf_counter() - started) * 1000

    def _prepare(
        self, question: str, history: History, generator: str, deadline: float = 0.0
    ) -> Generator[Any, LLMOutcome | None, _Prepared]:
        started = time.perf_counter()
        cleaned = clean_question(question, self.settings.max_question_chars)
        resolved, rewrite_ms = yield from self._resolve(cleaned, history, generator, deadline)
        analysis = question_facts(resolved, self.kb)
        pool = max(self.settings.top_k, self.settings.rerank_pool)
        retrieval = self.retriever.retrieve(resolved, analysis.profiles, k=pool)
        timings = {**retrieval.timings_ms, "rewrite": rewrite_ms}
        timings["prepare"] = (time.perf_counter() - started) * 1000
        return _Prepared(cleaned, resolved, analysis, retrieval, timings)

    def retrieve(self, question: str) -> list[Passage]:
        """The passages retrieval finds for ``question`` (no follow-up context), reranked."""
        prepared = run_to_end(self._prepare(question, (), "extractive"))
        return list(self._rerank(prepared))

    def _rerank(self, prepared: _Prepared) -> tuple[Passage, ...]:
        passages = prepared.retrieval.passages
        if not passages:
            return ()
        scored = self.extractive.score(prepared.analysis, passages)
        return self.extractive.rerank(scored, passages, self.settings.top_k)

    def answer(self, question: str, history: History = (), generator: str | None = None) -> Answer:
        """Answer ``question`` (history: earlier (user, assistant) turns, or user questions)."""
        final: Answer | None = None
        for item in self.stream(question, history, generator):
            if isinstance(item, Answer):
                final = item
        assert final is not None
        return final

    def stream(
        self, question: str, history: History = (), generator: str | None = None
    ) -> Iterator[str | Answer]:
        """Text deltas as they come, then the final Answer (whose text is authoritative:
        an LLM failing mid-stream is replaced by the extractive answer)."""
        return drive_sync(self.steps(question, history, generator))

    def steps(self, question: str, history: History = (), generator: str | None = None) -> Steps:
        """:meth:`stream` as steps: deltas, the Answer, and model calls for a driver to run
        (``qa.llm_calls``: in this thread, or on an event loop without holding a thread)."""
        started = time.perf_counter()
        generator = generator or self.settings.generator
        if generator not in ("extractive", "llm"):
            raise InvalidQuestionError(f"unknown generator {generator!r}: use extractive or llm")
        # llm_timeout is one total for everything this answer asks the model.
        deadline = time.monotonic() + self.settings.llm_timeout
        prepared = yield from self._prepare(question, history, generator, deadline)
        t = time.perf_counter()
        # The scorer runs for every generator: it reranks the passages and says how sure it is.
        scored = self.extractive.generate(
            prepared.analysis, prepared.retrieval.passages, self.settings.top_k
        )
        passages = scored.passages if scored.passages is not None else ()
        note = ""
        draft: Draft | None = None
        used = "extractive"
        if generator == "llm":
            if self.llm is None:
                note = (
                    "no LLM endpoint configured (llm_base_url, llm_model); extractive answer shown"
                )
            elif prepared.analysis.unknown or not passages:
                draft, used = Draft(refusal_text(prepared.analysis), (), True), "llm"
            else:
                draft, note = yield from self._llm_draft(prepared, passages, deadline)
                used = "llm" if draft is not None else "extractive"
        if draft is None:
            draft = scored
            yield draft.text
        timings = dict(prepared.timings)
        timings["generation"] = (time.perf_counter() - t) * 1000
        timings["total"] = (time.perf_counter() - started) * 1000
        yield Answer(
            question=prepared.question,
            resolved_question=prepared.resolved,
            text=draft.text,
            citations=draft.citations,
            passages=passages,
            generator=used,
            refused=draft.refused,
            note=note or draft.note,
            timings_ms={k: round(v, 2) for k, v in timings.items()},
            confidence=None if scored.confidence is None else round(scored.confidence, 4),
        )

    def _llm_draft(
        self, prepared: _Prepared, passages: Sequence[Passage], deadline: float
    ) -> Generator[Any, LLMOutcome | None, tuple[Draft | None, str]]:
        assert self.llm is not None
        asked = (
            prepared.question
            if prepared.resolved == to_simplified(prepared.question)
            else (prepared.resolved)
        )
        outcome = yield self.llm.answer_call(asked, passages, deadline)
        if outcome is None or outcome.error is not None:
            # The error text can carry the key or internal host names: log only (masked).
            log.warning("LLM failed, extractive fallback: %s", outcome and outcome.error)
            return None, unavailable_note(prepared.question)
        raw = outcome.text.strip()
        spans = {p.chunk.id: self._spans(p) for p in passages}
        text, citations = cite(raw, passages, spans)
        if is_refusal(raw) and not citations:
            return Draft(text, (), True), ""
        if not citations:
            return None, "LLM answer cited no given passage; extractive answer shown"
        return Draft(text, citations, False), ""

    def _spans(self, passage: Passage) -> list[tuple[int, int]]:
        c = passage.chunk
        pos = self.kb.position.get(c.id)
        if pos is None:
            return []
        return [(s.start - c.start, s.end - c.start) for s in self.kb.sentences[pos]]

    def warm_up(self, limit: int = _WARM_SENTENCES) -> None:
        """Embed every sentence of a small corpus now (once; kept on disk), so that no
        visitor waits for it; a large corpus embeds sentences as questions reach them."""
        vectors = self.extractive.vectors
        if vectors is None:
            return
        texts = list(dict.fromkeys(s.text for ss in self.kb.sentences for s in ss))
        if len(texts) <= limit:
            vectors.vectors(texts)
            self.save()

    def save(self) -> None:
        """Keep on disk what answering has computed so far (sentence vectors): a batch run
        ending between two periodic saves would otherwise embed them again next time."""
        if self.extractive.vectors is not None:
            self.extractive.vectors.save()

    def as_runnable(self) -> Any:
        """This chain as a LangChain Runnable: input {"question": ..., "history": [...]}."""
        from qa.runnable import answer_runnable

        return answer_runnable(self)


def _knowledge(
    chunks: Sequence[Any], aliases: dict[str, tuple[str, ...]], token_cache: Path | None
) -> KnowledgeBase:
    key = (tuple(c.id for c in chunks), tuple(sorted(aliases.items())))
    kb = _KB_CACHE.get(key)
    if kb is None:
        if len(_KB_CACHE) >= _KB_CACHE_SIZE:
            _KB_CACHE.pop(next(iter(_KB_CACHE)), None)
        kb = _KB_CACHE[key] = KnowledgeBase(chunks, aliases, token_cache)
    return kb


def load_answerer(
    settings: Settings,
    embedder: Embedder | None = None,
    index: SearchIndex | None = None,
    *,
    build_if_missing: bool = True,
    notify: Callable[[str], None] | None = None,
    warm: bool = True,
) -> Answerer:
    """An Answerer over the configured index (built first if missing and allowed).

    ``warm=False`` leaves the sentence vectors to ``warm_up()`` or to the first questions.
    """
    import embeddings
    from qa.aliases import default_alias_file, load_aliases

    if index is None:
        embedder = embedder or embeddings.load_embedder(settings)
        if build_if_missing:
            index = embeddings.ensure_index(settings, embedder, notify=notify)
        else:
            index = embeddings.open_index(settings, embedder)
    alias_file = settings.alias_file or default_alias_file(settings.articles_dir)
    kb = _knowledge(index.chunks, load_aliases(alias_file), settings.data_dir / "tokens")
    answerer = Answerer(settings, kb, index, embedder)
    if warm:
        answerer.warm_up()
    return answerer
