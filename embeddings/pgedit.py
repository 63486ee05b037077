"""LangChain collections in PostgreSQL: the product's chunk tables, edited one call at a time.

A collection is a schema of its own beside the one ``database_url`` points at
(``<schema>_<collection>``, e.g. ``public_default``) holding the same ``pqa_meta`` and
``pqa_chunks`` tables as the product's index, written with the same COPY (``pgwrite``) and
searched by the same ``PgChunkIndex``; so ``PgVectorStore`` is a thin adapter and the
langchain-tests standard suite exercises the product's PostgreSQL store.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from corpus.model import Chunk
from embeddings.index import FORMAT_VERSION
from embeddings.index_edit import unit_rows
from embeddings.pgschema import (
    CHUNKS,
    META,
    connect,
    create_chunk_indexes,
    create_chunk_table,
    migrate,
    read_meta,
    reporting,
)
from embeddings.pgstore import _POOL_TIMEOUT, PgChunkIndex, open_pg_index
from embeddings.pgwrite import copy_chunks, write_manifest
from profile_qa.errors import IndexNotBuiltError
from profile_qa.settings import Settings

if TYPE_CHECKING:
    import psycopg

_NAME = re.compile(r"[a-z0-9_]{1,40}")


def open_collection(database_url: str, collection: str) -> PgChunkIndex:
    """The collection's index (created empty if new), not checked against any model."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    if not _NAME.fullmatch(collection):
        raise ValueError(f"collection {collection!r}: use 1-40 lowercase letters, digits or _")
    conn = connect(database_url)
    try:
        with reporting(database_url):
            # The vector type goes where the product's tables would find it, not in the
            # collection's schema.
            conn.execute("create extension if not exists vector")
            row = conn.execute("select current_schema()").fetchone()
            schema = f"{row[0] if row and row[0] else 'public'}_{collection}"
            conn.execute(f'create schema if not exists "{schema}"')
    finally:
        conn.close()
    options = conninfo_to_dict(database_url).get("options") or ""
    url = make_conninfo(database_url, options=f"{options} -c search_path={schema},public".strip())
    conn = connect(url)
    try:
        with reporting(url):
            migrate(conn, url)
            meta = read_meta(conn)
            if meta is None or meta[2] is None:
                write_manifest(conn, _empty_manifest(collection))
    finally:
        conn.close()
    return open_pg_index(Settings(store="pgvector", database_url=url), None)


def _empty_manifest(collection: str) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "model": {"id": f"langchain collection {collection}", "fingerprint": None},
        "chunker": {},
        "index": {"type": "pgvector-hnsw", "metric": "cosine"},
        "articles": {},
        "article_order": [],
        "counts": {"articles": 0, "chunks": 0},
        "files": {},
    }


def upsert(
    index: PgChunkIndex,
    chunks: Sequence[Chunk],
    vectors: np.ndarray,
    metadata: Sequence[dict[str, Any] | None] | None = None,
) -> None:
    """Write ``chunks`` (row ``i`` of ``vectors`` each) in one transaction; a stored id is
    replaced and, within one call, the last chunk given for an id wins."""
    vectors = unit_rows(vectors)
    if len(vectors) != len(chunks):
        raise ValueError(f"{len(vectors)} vectors for {len(chunks)} chunks")
    if not chunks:
        return
    last = {c.id: pos for pos, c in enumerate(chunks)}
    keep = sorted(last.values())
    fresh = [chunks[pos] for pos in keep]
    documents = {
        chunks[pos].id: dict(given)
        for pos in keep
        if metadata is not None and (given := metadata[pos]) is not None
    }
    dimension = int(vectors.shape[1])
    with _writing(index) as (conn, manifest):
        known = manifest["model"].get("dimension")
        if known is not None and known != dimension:
            raise ValueError(f"vectors have {dimension} dimensions, the index {known}")
        if known is None:  # the first vectors: now the table's dimension is known
            create_chunk_table(conn, dimension)
            create_chunk_indexes(conn)
        conn.execute(f"delete from {CHUNKS} where id = any(%s)", (list(last),))
        copy_chunks(conn, fresh, vectors[keep], documents)
        write_manifest(conn, _edited(manifest, set(last), fresh, dimension))
    refresh(index)


def delete(index: PgChunkIndex, chunk_ids: Iterable[str]) -> None:
    """Remove these chunks in one transaction; unknown ids are ignored."""
    doomed = set(chunk_ids)
    if not doomed:
        return
    with _writing(index) as (conn, manifest):
        if manifest["model"].get("dimension") is None:
            return  # nothing was ever written
        conn.execute(f"delete from {CHUNKS} where id = any(%s)", (sorted(doomed),))
        write_manifest(conn, _edited(manifest, doomed, (), manifest["model"]["dimension"]))
    refresh(index)


@contextlib.contextmanager
def _writing(index: PgChunkIndex) -> Iterator[tuple[psycopg.Connection[Any], dict[str, Any]]]:
    """A transaction holding the collection's meta row, with the manifest as committed: two
    writers take turns and each edits what the other wrote, never a stale snapshot."""
    with (
        reporting(index.url),
        index._pool.connection(timeout=_POOL_TIMEOUT) as conn,
        conn.transaction(),
    ):
        row = conn.execute(f"select manifest from {META} where id = 1 for update").fetchone()
        if row is None or row[0] is None:
            raise IndexNotBuiltError(f"the collection at {index.path} has no manifest")
        yield conn, row[0]


def refresh(index: PgChunkIndex) -> None:
    """Bring the snapshot up to what the database holds (after any writer's commit)."""
    if index.current_version() == index.version:
        return
    fresh = index.reload(None)
    index.manifest, index.metadata, index.version = fresh.manifest, fresh.metadata, fresh.version
    index._set_chunks(fresh.chunks)


def _edited(
    manifest: dict[str, Any], remove: set[str], add: Sequence[Chunk], dimension: int | None
) -> dict[str, Any]:
    """``manifest`` without the chunks in ``remove`` and with ``add`` appended to theirs."""
    articles: dict[str, Any] = {}
    for aid in manifest.get("article_order") or sorted(manifest["articles"]):
        kept = [i for i in manifest["articles"][aid]["chunk_ids"] if i not in remove]
        if kept:
            articles[aid] = {"chunk_ids": kept}
    for c in add:
        articles.setdefault(c.article_id, {"chunk_ids": []})["chunk_ids"].append(c.id)
    return {
        **manifest,
        "model": {**manifest["model"], "dimension": dimension},
        "articles": articles,
        "article_order": list(articles),
        "counts": {
            "articles": len(articles),
            "chunks": sum(len(e["chunk_ids"]) for e in articles.values()),
        },
    }
