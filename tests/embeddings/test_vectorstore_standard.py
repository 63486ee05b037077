"""langchain-tests' standard suite for vector stores, run against ChunkVectorStore."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from langchain_core.vectorstores import VectorStore
from langchain_tests.integration_tests import VectorStoreIntegrationTests

from embeddings import ChunkVectorStore

# The suite's async tests carry no marker of their own; the mark on its sync tests is harmless.
pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.filterwarnings(
        "ignore:The test <Function .* is marked with '@pytest.mark.asyncio'"
    ),
]


class TestChunkVectorStoreStandard(VectorStoreIntegrationTests):
    @pytest.fixture
    def vectorstore(self) -> Iterator[VectorStore]:
        """An empty store on the suite's deterministic fake embedding."""
        store = ChunkVectorStore(self.get_embeddings())
        try:
            yield store
        finally:
            store.delete()


@pytest.mark.slow
class TestPgVectorStoreStandard(VectorStoreIntegrationTests):
    @pytest.fixture
    def vectorstore(self, pg_url: str) -> Iterator[VectorStore]:
        """An empty collection in a private schema of the test PostgreSQL server."""
        from embeddings.pgvectorstore import PgVectorStore

        store = PgVectorStore(self.get_embeddings(), pg_url, collection="standard")
        try:
            yield store
        finally:
            store.delete()
            store.close()
