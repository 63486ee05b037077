"""Fixtures for the qa tests: the real seed chunks, their knowledge base, a tiny dense index."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence

import numpy as np
import pytest

from corpus.model import Chunk
from embeddings.fake import HashingEmbedder
from profile_qa.settings import Settings, load_settings
from qa.chain import Answerer
from qa.knowledge import KnowledgeBase
from tests.conftest import SEED_ARTICLES
from tests.qa.fake_openai import FakeOpenAI


class DenseSearcher:
    """Exact inner-product search over chunk vectors: the ChunkIndex.search contract."""

    def __init__(self, chunks: Sequence[Chunk], embedder: HashingEmbedder) -> None:
        self.chunks = list(chunks)
        self._matrix = embedder.embed_passages([c.indexed_text for c in self.chunks])

    def search(
        self,
        query_vector: np.ndarray,
        k: int,
        article_id: str | None = None,
        subject: str | None = None,
        only: Collection[str] | None = None,
    ) -> list[tuple[Chunk, float]]:
        scores = self._matrix @ query_vector
        rows = [
            i
            for i in np.argsort(-scores, kind="stable")
            if (article_id is None or self.chunks[i].article_id == article_id)
            and (subject is None or self.chunks[i].subject == subject)
            and (only is None or self.chunks[i].id in only)
        ]
        return [(self.chunks[i], float(scores[i])) for i in rows[:k]]


@pytest.fixture(scope="session")
def seed_settings() -> Settings:
    # The trained scorer's refusal threshold assumes the real model's similarities; with the
    # fake embedder the plumbing tests want the best unit always (refusal is tested for real).
    return load_settings(
        env={}, articles_dir=SEED_ARTICLES, embedding_model="fake:hashing-256", answer_threshold=0.0
    )


@pytest.fixture(scope="session")
def seed_chunks(seed_settings: Settings) -> list[Chunk]:
    import corpus

    return corpus.chunk_articles(corpus.load_articles(SEED_ARTICLES).articles, seed_settings)


@pytest.fixture(scope="session")
def kb(seed_chunks: list[Chunk]) -> KnowledgeBase:
    return KnowledgeBase(seed_chunks)


@pytest.fixture(scope="session")
def fake_embedder() -> HashingEmbedder:
    return HashingEmbedder(256)


@pytest.fixture(scope="session")
def dense_index(seed_chunks: list[Chunk], fake_embedder: HashingEmbedder) -> DenseSearcher:
    return DenseSearcher(seed_chunks, fake_embedder)


@pytest.fixture(scope="session")
def answerer(
    seed_settings: Settings,
    kb: KnowledgeBase,
    dense_index: DenseSearcher,
    fake_embedder: HashingEmbedder,
) -> Answerer:
    """An extractive Answerer over the seed chunks with the fake embedder."""
    return Answerer(seed_settings, kb, dense_index, fake_embedder)


@pytest.fixture
def fake_llm() -> Iterator[FakeOpenAI]:
    """A fake OpenAI-compatible server on 127.0.0.1 (see fake_openai.py)."""
    with FakeOpenAI(slow_seconds=3.0) as server:
        yield server


def llm_answerer(base: Answerer, server: FakeOpenAI, model: str, timeout: float = 5.0) -> Answerer:
    """The same corpus and index, answering through the fake server with ``model``."""
    settings = base.settings.replace(
        generator="llm", llm_base_url=server.base_url, llm_model=model, llm_timeout=timeout
    )
    return Answerer(settings, base.kb, base.retriever.index, base.retriever.embedder)
