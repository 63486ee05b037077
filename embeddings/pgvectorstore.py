"""A LangChain ``VectorStore`` in PostgreSQL + pgvector: the shared-store twin of
``ChunkVectorStore``, over the product's own PostgreSQL index.

Each ``collection`` is a schema beside the one ``database_url`` points at, holding the same
tables the product's index uses (``embeddings.pgedit``); documents are chunk rows, written
with the product's COPY and searched by ``PgChunkIndex`` (cosine, exact up to a few thousand
rows, HNSW above). The adapter itself (upsert by id, dict or callable metadata filters, MMR)
is the one ``ChunkVectorStore`` uses. langchain-postgres was not used: it pulls asyncpg and
async SQLAlchemy, pins the pgvector client below 0.4, and its hybrid search finds nothing in
Chinese.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

from embeddings.vectorstore import IndexVectorStore

if TYPE_CHECKING:
    from embeddings.pgstore import PgChunkIndex


class PgVectorStore(IndexVectorStore):
    """A collection of documents in PostgreSQL; scores are cosine similarities."""

    index: PgChunkIndex

    def __init__(self, embedding: Embeddings, database_url: str, collection: str = "default"):
        from embeddings.pgedit import open_collection

        self.url = database_url
        self.collection = collection
        super().__init__(embedding, open_collection(database_url, collection))

    def _refresh(self) -> None:
        from embeddings.pgedit import refresh

        refresh(self.index)  # one cheap version poll; a reload only after another's write

    def close(self) -> None:
        """Close the store's connections."""
        self.index.close()

    @classmethod
    def from_texts(
        cls,
        texts: list[str],
        embedding: Embeddings,
        metadatas: list[dict[str, Any]] | None = None,
        *,
        ids: list[str] | None = None,
        database_url: str = "",
        collection: str = "default",
        **kwargs: Any,
    ) -> PgVectorStore:
        """A store (``database_url``, ``collection``) holding these texts."""
        if not database_url:
            raise ValueError("PgVectorStore.from_texts needs database_url=")
        store = cls(embedding, database_url, collection)
        store.add_texts(texts, metadatas, ids=ids)
        return store
