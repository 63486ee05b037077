"""Fixtures for the qa tests: the real seed chunks, their knowledge base, a tiny dense index."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from corpus.model import Chunk
from embeddings.fake import HashingEmbedder
from profile_qa.settings import Settings, load_settings
from qa.knowledge import KnowledgeBase
from tests.conftest import SEED_ARTICLES


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
    ) -> list[tuple[Chunk, float]]:
        scores = self._matrix @ query_vector
        rows = [
            i
            for i in np.argsort(-scores, kind="stable")
            if (article_id is None or self.chunks[i].article_id == article_id)
            and (subject is None or self.chunks[i].subject == subject)
        ]
        return [(self.chunks[i], float(scores[i])) for i in rows[:k]]


@pytest.fixture(scope="session")
def seed_settings() -> Settings:
    return load_settings(env={}, articles_dir=SEED_ARTICLES, embedding_model="fake:hashing-256")


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
