"""The loaded question-answering service shared by the chat, the API and the widget.

The model and index are loaded once, at start; every request reuses them.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncGenerator, Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar, cast

from profile_qa import __version__
from profile_qa.errors import ConfigError, StoreUnavailableError
from profile_qa.settings import Settings
from profile_qa.web.examples import example_questions, load_examples
from profile_qa.web.feedback import FeedbackStore
from profile_qa.web.ratelimit import RateLimiter
from qa.model import Answer

if TYPE_CHECKING:
    from corpus.model import Chunk
    from embeddings.base import Embedder
    from profile_qa.web.refresh import IndexRefresher

T = TypeVar("T")

log = logging.getLogger("profile_qa.web")

History = Sequence[tuple[str, str]]
MAX_TOP_K = 20
ANSWER_SLOTS = 4  # answerer calls running at once; more only queue for the same 2-4 cores
_END = object()


class AnswererLike(Protocol):
    """What the web layer needs from ``qa.Answerer``."""

    def answer(self, question: str, history: History = ()) -> Answer: ...

    def stream(self, question: str, history: History = ()) -> Iterator[str | Answer]: ...


class ConfigurableAnswerer(AnswererLike, Protocol):
    """An answerer that makes variants with other options over the same articles."""

    def with_settings(self, settings: Settings) -> AnswererLike: ...


@dataclass(frozen=True)
class ServiceInfo:
    """What /api/health and the chat's status line report."""

    version: str
    generator: str
    model_id: str
    article_count: int
    chunk_count: int
    index_loaded: bool
    load_seconds: float


class ChatService:
    """One answerer (plus variants for per-request options), a rate limiter and feedback."""

    def __init__(
        self,
        settings: Settings,
        answerer: AnswererLike,
        *,
        chunks: Sequence[Chunk] = (),
        model_id: str = "",
        variant_factory: Callable[[Settings], AnswererLike] | None = None,
        load_seconds: float = 0.0,
    ) -> None:
        self.settings = settings
        self.answerer = answerer
        self.limiter = RateLimiter(settings.rate_limit_per_minute)
        self.feedback = FeedbackStore(settings.feedback_db)
        self.examples = example_questions(chunks, load_examples(settings.articles_dir))
        self.info = ServiceInfo(
            version=__version__,
            generator=settings.generator,
            model_id=model_id or settings.embedding_model,
            article_count=len({c.article_id for c in chunks}),
            chunk_count=len(chunks),
            index_loaded=bool(chunks),
            load_seconds=round(load_seconds, 2),
        )
        self._variant_factory = variant_factory
        self._variants: dict[tuple[str, int], AnswererLike] = {}
        self._variants_lock = threading.Lock()
        # Concurrent calls into one Answerer were checked to give the same answers as
        # sequential ones (tests/app, benchmarks/bench_app.py); the slots only bound how many
        # retrievals compete for the CPU at once. A strict lock measured ~1.5x slower.
        self._slots = threading.BoundedSemaphore(ANSWER_SLOTS)
        # The async path's slots: CPU steps queue here without holding any thread, and
        # model calls never enter it (they are awaited on the event loop).
        self._cpu = ThreadPoolExecutor(ANSWER_SLOTS, thread_name_prefix="answer")
        # Set while a shared store (pgvector) is unreachable: requests get 503 with it.
        self.store_error: str | None = None
        self.refresher: IndexRefresher | None = None

    def swap(
        self,
        answerer: AnswererLike,
        chunks: Sequence[Chunk],
        variant_factory: Callable[[Settings], AnswererLike] | None,
    ) -> None:
        """Serve from a new answerer (a reloaded shared index); requests in flight finish."""
        from dataclasses import replace

        with self._variants_lock:
            self.answerer = answerer
            self._variant_factory = variant_factory
            self._variants = {}
            self.examples = example_questions(chunks)
            self.info = replace(
                self.info,
                article_count=len({c.article_id for c in chunks}),
                chunk_count=len(chunks),
                index_loaded=bool(chunks),
            )

    def _answerer_for(self, generator: str | None, top_k: int | None) -> AnswererLike:
        generator = generator or self.settings.generator
        top_k = top_k or self.settings.top_k
        if (generator, top_k) == (self.settings.generator, self.settings.top_k):
            return self.answerer
        if not 1 <= top_k <= MAX_TOP_K:
            raise ConfigError(f"top_k must be between 1 and {MAX_TOP_K}")
        if self._variant_factory is None:
            raise ConfigError("this server does not accept generator or top_k options")
        key = (generator, top_k)
        with self._variants_lock:
            if key not in self._variants:
                # Settings validation names what is missing, e.g. an LLM endpoint.
                variant_settings = self.settings.replace(generator=generator, top_k=top_k)
                self._variants[key] = self._variant_factory(variant_settings)
            return self._variants[key]

    def trim_history(self, history: History) -> list[tuple[str, str]]:
        """The last ``max_history_turns`` turns (older ones do not help follow-ups)."""
        turns = [(str(u), str(a)) for u, a in history]
        limit = self.settings.max_history_turns
        return turns[-limit:] if limit > 0 else []

    def answer(
        self,
        question: str,
        history: History = (),
        generator: str | None = None,
        top_k: int | None = None,
    ) -> Answer:
        """Answer one question (blocking; call from a worker thread)."""
        final: Answer | None = None
        for item in self.stream(question, history, generator, top_k):
            if isinstance(item, Answer):
                final = item
        if final is None:
            raise RuntimeError("the answerer's stream ended without an Answer")
        return final

    def stream(
        self,
        question: str,
        history: History = (),
        generator: str | None = None,
        top_k: int | None = None,
    ) -> Iterator[str | Answer]:
        """Text deltas, then the final Answer."""
        if self.store_error:
            raise StoreUnavailableError(self.store_error)
        answerer = self._answerer_for(generator, top_k)
        items = iter(answerer.stream(question, self.trim_history(history)))
        # Retrieval and the extractive answer run before the first item; an LLM's deltas
        # after it are network-bound. The slot is never held across a yield, so a client
        # that goes away mid-stream cannot keep it.
        with self._slots:
            try:
                first = next(items, None)
            except StoreUnavailableError as exc:
                # Health reports it too, until the refresher's next poll reaches the database.
                self.store_error = str(exc)
                raise
        if first is not None:
            yield first
            yield from items

    async def _run_cpu(self, step: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._cpu, step)

    async def astream(
        self,
        question: str,
        history: History = (),
        generator: str | None = None,
        top_k: int | None = None,
    ) -> AsyncGenerator[str | Answer, None]:
        """:meth:`stream` for the server: retrieval and extractive answers take one of
        ``ANSWER_SLOTS`` threads per step; waiting on a model takes none, so any number of
        hanging LLM requests cannot slow other answers or /api/health. Cancelling the
        iteration (a client that left) cancels the model request in flight."""
        if self.store_error:
            raise StoreUnavailableError(self.store_error)
        try:
            async for item in self._astream(question, history, generator, top_k):
                yield item
        except StoreUnavailableError as exc:
            # Health reports it too, until the refresher's next poll reaches the database.
            self.store_error = str(exc)
            raise

    async def _astream(
        self, question: str, history: History, generator: str | None, top_k: int | None
    ) -> AsyncGenerator[str | Answer, None]:
        from qa.llm_calls import drive_async

        # Building a variant (first use of an option) imports and loads: not on the loop.
        answerer = await self._run_cpu(lambda: self._answerer_for(generator, top_k))
        turns = self.trim_history(history)
        steps = getattr(answerer, "steps", None)
        if steps is not None:
            async for item in drive_async(steps(question, turns), self._run_cpu):
                yield item
            return
        items = iter(answerer.stream(question, turns))  # answerers without steps (tests)
        while (item := await self._run_cpu(lambda: next(items, _END))) is not _END:
            yield item

    async def aanswer(
        self,
        question: str,
        history: History = (),
        generator: str | None = None,
        top_k: int | None = None,
    ) -> Answer:
        """:meth:`answer` for the server (see :meth:`astream`)."""
        final: Answer | None = None
        async for item in self.astream(question, history, generator, top_k):
            if isinstance(item, Answer):
                final = item
        if final is None:
            raise RuntimeError("the answerer's stream ended without an Answer")
        return final


def load_service(settings: Settings, embedder: Embedder | None = None) -> ChatService:
    """Load the embedder and the index (building it if missing or stale), then the answerer."""
    import embeddings
    import qa

    started = time.perf_counter()
    if embedder is None:
        log.info("loading embedding model %s", settings.embedding_model)
        embedder = embeddings.load_embedder(settings)
    # A server starting up rebuilds a stale index too: nobody is there to run --rebuild.
    index = embeddings.ensure_index(settings, embedder, rebuild_stale=True, progress=True)
    answerer = qa.load_answerer(settings, embedder=embedder, index=index)

    chunks = list(index.chunks)
    elapsed = time.perf_counter() - started
    log.info(
        "ready: %d chunks from %d articles in %.1f s",
        len(chunks),
        len({c.article_id for c in chunks}),
        elapsed,
    )
    service = ChatService(
        settings,
        answerer,
        chunks=chunks,
        model_id=embedder.model_id,
        variant_factory=answerer.with_settings,
        load_seconds=elapsed,
    )
    if hasattr(index, "current_version"):  # a shared store: follow what other servers index
        from profile_qa.web.refresh import IndexRefresher, SharedIndex

        def make(s: Settings, fresh: SharedIndex) -> ConfigurableAnswerer:
            # Swap in at once and embed the new articles' sentences behind it: warming first
            # would keep every replica on the old articles for as long as that takes.
            answerer = qa.load_answerer(s, embedder=embedder, index=fresh, warm=False)
            threading.Thread(target=answerer.warm_up, name="warm-up", daemon=True).start()
            return answerer

        # ensure_index is typed ChunkIndex; with store = "pgvector" it returns the shared
        # store's snapshot, which the check above tells apart.
        shared = cast("SharedIndex", index)
        service.refresher = IndexRefresher(
            service, shared, embedder, make, settings.store_poll_seconds
        ).start()
    return service


def describe_answerer(settings: Settings, answerer: AnswererLike) -> ChatService:
    """A service around an answerer built elsewhere (tests, embedding in other apps)."""
    index = getattr(answerer, "index", None)
    embedder = getattr(answerer, "embedder", None)
    chunks = list(getattr(index, "chunks", ()) or ())
    return ChatService(
        settings,
        answerer,
        chunks=chunks,
        model_id=getattr(embedder, "model_id", "") or settings.embedding_model,
    )
