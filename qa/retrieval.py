"""Hybrid retrieval: dense (faiss) + BM25, reciprocal rank fusion, profile boost, floor."""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from corpus.model import Chunk
from embeddings.base import Embedder
from qa.knowledge import KnowledgeBase
from qa.model import Passage
from qa.profiles import ProfileMatch, match_profiles

# Beyond this many chunks dense search stops scanning everything and fetches a pool.
_FULL_SCAN_LIMIT = 500
_POOL = 100
# A profile rarely has more chunks than this; its own search is exact, so cheap.
_PROFILE_POOL = 200
_VECTOR_CACHE = 1024  # question vectors kept


class SearchIndex(Protocol):
    """What retrieval needs from ``embeddings.ChunkIndex`` (tests pass a tiny stand-in)."""

    chunks: list[Chunk]

    def search(
        self,
        query_vector: np.ndarray,
        k: int,
        article_id: str | None = None,
        subject: str | None = None,
        only: Collection[str] | None = None,
    ) -> list[tuple[Chunk, float]]: ...


@dataclass(frozen=True)
class Retrieval:
    """Passages for one question and why they were chosen."""

    passages: tuple[Passage, ...]
    profiles: tuple[ProfileMatch, ...]
    timings_ms: dict[str, float] = field(default_factory=dict)


def rrf(rankings: Sequence[Sequence[int]], k: int) -> dict[int, float]:
    """Reciprocal rank fusion: each list adds 1 / (k + rank) to every item it ranks."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank)
    return fused


class Retriever:
    """Finds the passages of the index that best match a (normalised, Simplified) question."""

    def __init__(
        self,
        kb: KnowledgeBase,
        index: SearchIndex | None,
        embedder: Embedder | None,
        settings: Any,
    ) -> None:
        self.kb = kb
        self.index = index
        self.embedder = embedder
        self.mode = settings.retrieval_mode
        if self.mode != "bm25" and (index is None or embedder is None):
            self.mode = "bm25"  # no vectors: lexical search still answers
        self.top_k = settings.top_k
        self.floor = settings.relevance_floor
        self.rrf_k = settings.rrf_k
        self._vectors: dict[str, np.ndarray] = {}
        # The web server calls one Retriever from several threads; evicting with
        # next(iter(dict)) while another thread inserts raises "dictionary changed size".
        self._vectors_lock = threading.Lock()

    def query_vector(self, question: str) -> np.ndarray:
        """The embedder's vector for ``question``, computed once per text (bounded cache)."""
        assert self.embedder is not None
        with self._vectors_lock:
            vector = self._vectors.get(question)
        if vector is None:
            # The same text comes back often (a follow-up's history, a retried question).
            vector = self.embedder.embed_query(question)
            with self._vectors_lock:
                if len(self._vectors) >= _VECTOR_CACHE:
                    self._vectors.pop(next(iter(self._vectors)), None)
                self._vectors[question] = vector
        return vector

    def _dense(
        self, question: str, named: Collection[str], best_lexical: Sequence[int]
    ) -> dict[int, float]:
        assert self.index is not None and self.embedder is not None
        vector = self.query_vector(question)
        n = len(self.kb.chunks)
        if n <= _FULL_SCAN_LIMIT:
            hits = self.index.search(vector, n)
        else:
            hits = self.index.search(vector, _POOL)
            # In a big corpus the pool fills with look-alike articles and can miss the one
            # chunk of the named profile that holds the fact; score all of its chunks too.
            for subject in sorted(named):
                hits += self.index.search(vector, _PROFILE_POOL, subject=subject)
            # The best lexical matches need a dense score too, or the floor drops them.
            found = {chunk.id for chunk, _ in hits}
            missing = [c.id for c in (self.kb.chunks[i] for i in best_lexical) if c.id not in found]
            if missing:
                hits += self.index.search(vector, len(missing), only=missing)
        scores: dict[int, float] = {}
        for chunk, score in hits:
            pos = self.kb.position.get(chunk.id)
            if pos is not None:
                scores[pos] = float(score)
        return scores

    def retrieve(
        self,
        question: str,
        profiles: Sequence[ProfileMatch] | None = None,
        k: int | None = None,
    ) -> Retrieval:
        """The ``k`` best passages (default ``settings.top_k``), named profiles' chunks first."""
        started = time.perf_counter()
        k = k or self.top_k
        if profiles is None:
            profiles = match_profiles(question, self.kb.profiles)
        timings: dict[str, float] = {}

        named = {m.profile.subject for m in profiles}
        lexical: dict[int, float] = {}
        coverage = None
        if self.mode in ("bm25", "hybrid"):
            t = time.perf_counter()
            tokens = self.kb.lexicon.cut_for_search(question)
            scores = self.kb.lexical.scores(tokens)
            coverage = self.kb.lexical.coverage(tokens)
            lexical = {i: float(s) for i, s in enumerate(scores) if s > 0}
            timings["lexical"] = (time.perf_counter() - t) * 1000
        lexical_ranking = sorted(lexical, key=lambda i: -lexical[i])
        dense: dict[int, float] = {}
        if self.mode in ("dense", "hybrid"):
            t = time.perf_counter()
            dense = self._dense(question, named, lexical_ranking[:_POOL])
            timings["dense"] = (time.perf_counter() - t) * 1000

        rankings = []
        if dense:
            rankings.append(sorted(dense, key=lambda i: -dense[i]))
        if lexical_ranking:
            rankings.append(lexical_ranking)
        fused = rrf(rankings, self.rrf_k)

        candidates = [i for i in fused if self._above_floor(i, dense, coverage, named)]
        # A question that names a profile is about it: its chunks come first, best first.
        candidates.sort(key=lambda i: (self.kb.chunks[i].subject not in named, -fused[i], i))
        passages = tuple(
            Passage(
                chunk=self.kb.chunks[i],
                rank=rank,
                score=round(fused[i], 6),
                dense_score=dense.get(i),
                lexical_score=lexical.get(i),
            )
            for rank, i in enumerate(candidates[:k], start=1)
        )
        timings["retrieval"] = (time.perf_counter() - started) * 1000
        return Retrieval(passages=passages, profiles=tuple(profiles), timings_ms=timings)

    def _above_floor(
        self, i: int, dense: dict[int, float], coverage: np.ndarray | None, named: set[str]
    ) -> bool:
        if self.kb.chunks[i].subject in named:
            return True
        if self.mode == "bm25":
            return coverage is not None and float(coverage[i]) >= self.floor
        return bool(dense.get(i, -1.0) >= self.floor)
