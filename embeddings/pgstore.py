"""The chunk index in PostgreSQL + pgvector: the same interface as ``ChunkIndex``.

Chunk texts and metadata are read into memory when the index is opened (the answering side
needs every chunk for its sentences, profiles and BM25, exactly as with the embedded store);
dense search runs in the database (HNSW, cosine). ``current_version`` is the cheap poll a
server uses to learn that another process indexed new articles (LISTEN does not work on a
streaming standby, a version row does).
"""

from __future__ import annotations

import weakref
from collections.abc import Collection, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from corpus.model import Chunk
from embeddings.base import Embedder
from embeddings.index import check_manifest
from embeddings.pgschema import (
    CHUNKS,
    DOCUMENT_KEY,
    META,
    check_readable,
    describe,
    read_meta,
    reporting,
)
from embeddings.table import ChunkTable, as_query
from profile_qa.errors import IndexCorruptError, IndexNotBuiltError
from profile_qa.settings import Settings

if TYPE_CHECKING:
    from psycopg_pool import ConnectionPool

INDEX_TYPE = "pgvector-hnsw"
# Up to this many chunks a query scans them all (exact, a few ms); beyond, the HNSW graph.
EXACT_LIMIT = 2000
POOL_SIZE = 4  # the web server runs up to 4 answers at once (service.ANSWER_SLOTS)
_POOL_TIMEOUT = 5.0  # seconds a request waits for a connection before it is refused (503)


class PgChunkIndex(ChunkTable):
    """A loaded snapshot of the database's index: chunks, manifest and its version."""

    def __init__(
        self,
        settings: Settings,
        pool: _Connections,
        manifest: dict[str, Any],
        chunks: list[Chunk],
        version: int,
        metadata: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(manifest, chunks)
        # What a LangChain document carried beyond the chunk fields (``embeddings.pgedit``).
        self.metadata = metadata or {}
        self.settings = settings
        self.url = settings.database_url
        self.path = describe(self.url)  # where it lives, for messages (like ChunkIndex.path)
        self.version = version
        self._pool = pool.pool
        self._connections = pool  # shared by the snapshots reloaded from this one

    @property
    def index_type(self) -> str:
        """Always ``pgvector-hnsw`` (small indexes are scanned exactly)."""
        return INDEX_TYPE

    def vector(self, chunk_id: str) -> np.ndarray:
        """The stored (unit-length) vector of one chunk."""
        vector: np.ndarray = self.vectors([chunk_id])[0]
        return vector

    def vectors(self, chunk_ids: Iterable[str]) -> np.ndarray:
        """Stored vectors of these chunks, shape (n, dimension), in the order asked."""
        ids = list(chunk_ids)
        if not ids:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with reporting(self.url), self._pool.connection(timeout=_POOL_TIMEOUT) as conn:
            rows = conn.execute(
                f"select id, embedding from {CHUNKS} where id = any(%s)", (ids,)
            ).fetchall()
        # pgvector >= 0.4 loads a Vector object, older versions a numpy array.
        found = {
            cid: np.asarray(getattr(vec, "to_numpy", lambda v=vec: v)(), dtype=np.float32)
            for cid, vec in rows
        }
        missing = [cid for cid in ids if cid not in found]
        if missing:
            raise KeyError(f"no stored vector for chunk {missing[0]!r}")
        return np.stack([found[cid] for cid in ids])

    def search(
        self,
        query_vector: np.ndarray,
        k: int,
        article_id: str | None = None,
        subject: str | None = None,
        only: Collection[str] | None = None,
    ) -> list[tuple[Chunk, float]]:
        """The ``k`` chunks closest to the query (cosine), best first, optionally only those
        of one article and/or one subject and/or with ids in ``only``."""
        if k <= 0 or not self.chunks:
            return []
        query = as_query(query_vector, self.dimension)[0]
        where, params = [], {"v": query, "k": int(k)}
        if only is not None:
            where.append("id = any(%(only)s)")
            params["only"] = list(only)
        if article_id is not None:
            where.append("article_id = %(article)s")
            params["article"] = article_id
        if subject is not None:
            where.append("subject = %(subject)s")
            params["subject"] = subject
        sql = (
            f"select id, 1 - (embedding <=> %(v)s) from {CHUNKS}"
            + (" where " + " and ".join(where) if where else "")
            + " order by embedding <=> %(v)s limit %(k)s"
        )
        with (
            reporting(self.url),
            self._pool.connection(timeout=_POOL_TIMEOUT) as conn,
            conn.transaction(),
        ):
            if len(self.chunks) <= EXACT_LIMIT:
                conn.execute("set local enable_indexscan = off")
            else:
                # The graph returns at most ef_search rows: widen it when more are asked;
                # iterative scans keep filtered searches from coming back short.
                ef = min(1000, max(self.settings.hnsw_ef_search, k))
                conn.execute(f"set local hnsw.ef_search = {ef}")
                if where:
                    conn.execute("set local hnsw.iterative_scan = strict_order")
            rows = conn.execute(sql, params).fetchall()
        hits = []
        for cid, score in rows:
            row = self._row_by_id.get(cid)
            if row is not None:  # indexed after this snapshot: seen after the next reload
                hits.append((self.chunks[row], float(score)))
        return hits

    def upsert(
        self,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        metadata: Sequence[dict[str, Any] | None] | None = None,
    ) -> None:
        """Write chunks with their vectors; a stored id is replaced, the last one given wins."""
        from embeddings.pgedit import upsert

        upsert(self, chunks, vectors, metadata)

    def delete(self, chunk_ids: Iterable[str]) -> None:
        """Remove these chunks from the database (unknown ids are ignored)."""
        from embeddings.pgedit import delete

        delete(self, chunk_ids)

    def current_version(self) -> int:
        """The index version in the database now (StoreUnavailableError if unreachable)."""
        with reporting(self.url), self._pool.connection(timeout=_POOL_TIMEOUT) as conn:
            row = conn.execute(f"select index_version from {META} where id = 1").fetchone()
        return int(row[0]) if row else 0

    def reload(self, embedder: Embedder | None) -> PgChunkIndex:
        """A fresh snapshot of the database's index over the same connection pool
        (``embedder`` None: not checked against a model, as for a LangChain collection)."""
        return _load(self.settings, embedder, self._connections)

    def close(self) -> None:
        """Close the connection pool (the snapshot's chunks stay readable)."""
        self._pool.close()


class _Connections:
    """The pool of a family of snapshots; closed when the last snapshot is dropped.

    Closed from the dropping thread: a pool left to its own ``__del__`` may be collected in
    one of its worker threads, which cannot join itself.
    """

    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool
        weakref.finalize(self, pool.close)


def open_pg_index(settings: Settings, embedder: Embedder | None) -> PgChunkIndex:
    """Open the index in ``settings.database_url``, checked against the settings and model
    (``embedder`` None: a LangChain collection, ``embeddings.pgedit``, is not checked).

    StoreUnavailableError if the database cannot be reached, IndexNotBuiltError if it holds
    no index yet, StoreSchemaError / IndexMismatchError if it holds one this server cannot use.
    """
    from psycopg_pool import ConnectionPool

    from embeddings.pgschema import connect, register_vector

    # One plain connection first: an unreachable database is a clear error at start, not a
    # pool that retries in the background.
    connect(settings.database_url).close()
    pool = ConnectionPool(
        settings.database_url,
        min_size=1,
        max_size=POOL_SIZE,
        kwargs={"autocommit": True, "application_name": "profile-qa", "connect_timeout": 5},
        configure=register_vector,
        check=ConnectionPool.check_connection,  # a restarted database is reconnected to
        timeout=_POOL_TIMEOUT,
        open=True,
        name="profile-qa",
    )
    try:
        return _load(settings, embedder, _Connections(pool))
    except BaseException:
        pool.close()
        raise


def _load(settings: Settings, embedder: Embedder | None, connections: _Connections) -> PgChunkIndex:
    """A snapshot of the index; checked against the settings and model unless ``embedder`` is
    None (a LangChain collection, whose model has no fingerprint)."""
    url = settings.database_url
    pool = connections.pool
    # One snapshot for the manifest and the chunks: an indexer committing meanwhile is seen
    # whole at the next reload, never half.
    with reporting(url), pool.connection(timeout=_POOL_TIMEOUT) as conn, conn.transaction():
        conn.execute("set transaction isolation level repeatable read, read only")
        meta = read_meta(conn)
        schema_version, version, manifest = meta or (0, 0, None)
        if manifest is None:
            raise IndexNotBuiltError(
                f"no index in the database {describe(url)}: run `profile-qa index` to build it"
            )
        check_readable(schema_version, url)
        if embedder is not None:
            check_manifest(manifest, settings, embedder, describe(url))  # type: ignore[arg-type]
        has_table = conn.execute("select to_regclass(%s) is not null", (CHUNKS,)).fetchone()
        rows = (
            conn.execute(f"select id, text, metadata from {CHUNKS}").fetchall()
            if has_table and has_table[0]
            else []
        )
    chunks, metadata = _ordered(rows, manifest)
    return PgChunkIndex(settings, connections, manifest, chunks, version, metadata)


def _ordered(
    rows: list[tuple[Any, ...]], manifest: dict[str, Any]
) -> tuple[list[Chunk], dict[str, dict[str, Any]]]:
    """Chunks in the embedded store's order: articles as listed, each article's in sequence;
    and the document metadata stored beside some of them (``pgwrite.copy_chunks``)."""
    order = {cid: i for i, cid in enumerate(_chunk_order(manifest))}
    documents = {cid: meta.pop(DOCUMENT_KEY) for cid, _, meta in rows if DOCUMENT_KEY in meta}
    try:
        chunks = [Chunk(id=cid, text=text, **meta) for cid, text, meta in rows]
    except TypeError as exc:
        raise IndexCorruptError(f"a stored chunk has unexpected fields ({exc})") from exc
    if len(chunks) != len(order) or any(c.id not in order for c in chunks):
        raise IndexCorruptError(
            f"the chunk table holds {len(chunks)} chunks, the manifest lists {len(order)}; "
            "rebuild it with `profile-qa index --rebuild`"
        )
    return sorted(chunks, key=lambda c: order[c.id]), documents


def _chunk_order(manifest: dict[str, Any]) -> list[str]:
    articles = manifest["articles"]
    # jsonb does not keep key order: the manifest lists the article order explicitly.
    ids = manifest.get("article_order") or sorted(articles)
    return [cid for aid in ids for cid in articles[aid]["chunk_ids"]]
