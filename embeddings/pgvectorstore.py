"""A LangChain ``VectorStore`` in PostgreSQL + pgvector: the shared-store twin of
``ChunkVectorStore`` (cosine similarity, upsert by id, dict metadata filters).

Documents live in ``pqa_documents``, one ``collection`` per store, so several stores share one
table. Search is exact (``order by embedding <=> query``): collections hold documents of any
dimension, which an HNSW index cannot; the chunk index (``embeddings.pgstore``) is the one
with HNSW. langchain-postgres was not used: it pulls asyncpg and async SQLAlchemy, pins the
pgvector client below 0.4, and its hybrid search finds nothing in Chinese.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import VectorStore

from embeddings.pgschema import connect, migrate, reporting

TABLE = "pqa_documents"


class PgVectorStore(VectorStore):
    """A collection of documents in PostgreSQL; scores are cosine similarities."""

    def __init__(self, embedding: Embeddings, database_url: str, collection: str = "default"):
        self._embedding = embedding
        self.url = database_url
        self.collection = collection
        self._conn = connect(database_url)
        with reporting(database_url):
            migrate(self._conn, database_url)
            self._conn.execute(
                f"create table if not exists {TABLE} (collection text not null, id text not null, "
                "text text not null, metadata jsonb not null, embedding vector not null, "
                "primary key (collection, id))"
            )

    @property
    def embeddings(self) -> Embeddings:
        """The LangChain Embeddings this store embeds queries and texts with."""
        return self._embedding

    def close(self) -> None:
        """Close the store's connection."""
        self._conn.close()

    def add_texts(
        self,
        texts: Iterable[str],
        metadatas: list[dict[str, Any]] | None = None,
        *,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> list[str]:
        """Embed and add texts; an id already present is replaced (upsert)."""
        from psycopg.types.json import Jsonb

        texts = list(texts)
        if metadatas is not None and len(metadatas) != len(texts):
            raise ValueError(f"{len(metadatas)} metadatas for {len(texts)} texts")
        if ids is not None and len(ids) != len(texts):
            raise ValueError(f"{len(ids)} ids for {len(texts)} texts")
        if not texts:
            return []
        final = [i or uuid.uuid4().hex for i in ids] if ids else [uuid.uuid4().hex for _ in texts]
        vectors = np.asarray(self._embedding.embed_documents(texts), dtype=np.float32)
        metas = metadatas or [{} for _ in texts]
        # Within one call the last text given for an id wins, as with repeated calls.
        last = {doc_id: pos for pos, doc_id in enumerate(final)}
        rows = [
            (self.collection, final[p], texts[p], Jsonb(dict(metas[p])), vectors[p])
            for p in sorted(last.values())
        ]
        with reporting(self.url), self._conn.transaction(), self._conn.cursor() as cur:
            cur.executemany(
                f"insert into {TABLE} (collection, id, text, metadata, embedding) "
                "values (%s, %s, %s, %s, %s) on conflict (collection, id) do update set "
                "text = excluded.text, metadata = excluded.metadata, "
                "embedding = excluded.embedding",
                rows,
            )
        return final

    def delete(self, ids: list[str] | None = None, **kwargs: Any) -> bool:
        """Delete these ids (unknown ids are ignored), or the whole collection when None."""
        with reporting(self.url):
            if ids is None:
                self._conn.execute(f"delete from {TABLE} where collection = %s", (self.collection,))
            else:
                self._conn.execute(
                    f"delete from {TABLE} where collection = %s and id = any(%s)",
                    (self.collection, list(ids)),
                )
        return True

    def get_by_ids(self, ids: Sequence[str], /) -> list[Document]:
        """The stored documents with these ids, in the order asked; unknown ids are skipped."""
        wanted = list(dict.fromkeys(ids))
        with reporting(self.url):
            rows = self._conn.execute(
                f"select id, text, metadata from {TABLE} where collection = %s and id = any(%s)",
                (self.collection, wanted),
            ).fetchall()
        found = {r[0]: Document(id=r[0], page_content=r[1], metadata=r[2]) for r in rows}
        return [found[i] for i in wanted if i in found]

    def similarity_search(
        self, query: str, k: int = 4, filter: dict[str, Any] | None = None, **kwargs: Any
    ) -> list[Document]:
        """The ``k`` documents closest to the query, optionally only those matching ``filter``."""
        return [doc for doc, _ in self.similarity_search_with_score(query, k, filter=filter)]

    def similarity_search_with_score(
        self, query: str, k: int = 4, filter: dict[str, Any] | None = None, **kwargs: Any
    ) -> list[tuple[Document, float]]:
        """Like ``similarity_search`` with the cosine similarity of each document."""
        vector = self._embedding.embed_query(query)
        return self.similarity_search_with_score_by_vector(vector, k, filter=filter)

    def similarity_search_by_vector(
        self, embedding: list[float], k: int = 4, filter: dict[str, Any] | None = None, **kw: Any
    ) -> list[Document]:
        """The ``k`` documents closest to a query vector."""
        hits = self.similarity_search_with_score_by_vector(embedding, k, filter=filter)
        return [doc for doc, _ in hits]

    def similarity_search_with_score_by_vector(
        self,
        embedding: Sequence[float] | np.ndarray,
        k: int = 4,
        filter: dict[str, Any] | None = None,
    ) -> list[tuple[Document, float]]:
        """(document, cosine similarity) pairs closest to a query vector, best first."""
        from psycopg.types.json import Jsonb

        if k <= 0:
            return []
        vector = np.asarray(embedding, dtype=np.float32)
        # jsonb containment on a one-level dict is exactly "every key equals its value".
        with reporting(self.url):
            rows = self._conn.execute(
                f"select id, text, metadata, 1 - (embedding <=> %(v)s) from {TABLE} "
                "where collection = %(c)s and metadata @> %(f)s "
                "order by embedding <=> %(v)s limit %(k)s",
                {"v": vector, "c": self.collection, "f": Jsonb(filter or {}), "k": k},
            ).fetchall()
        return [(Document(id=r[0], page_content=r[1], metadata=r[2]), float(r[3])) for r in rows]

    def _select_relevance_score_fn(self) -> Callable[[float], float]:
        # Cosine similarity in [-1, 1] -> relevance in [0, 1].
        return lambda score: (score + 1.0) / 2.0

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
