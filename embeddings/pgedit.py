"""LangChain collections in PostgreSQL: the product's chunk tables, edited one call at a time.

A collection is a schema of its own beside the one ``database_url`` points at
(``<schema>_<collection>``, e.g. ``public_default``) holding the same ``pqa_meta`` and
``pqa_chunks`` tables as the product's index, written with the same COPY (``pgwrite``) and
searched by the same ``PgChunkIndex``; so ``PgVectorStore`` is a thin adapter and the
langchain-tests standard suite exercises the product's PostgreSQL store.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from corpus.model import Chunk
from embeddings.index import FORMAT_VERSION
from embeddings.index_edit import unit_rows
from embeddings.pgschema import (
    CHUNKS,
    connect,
    create_chunk_indexes,
    create_chunk_table,
    migrate,
    read_meta,
    reporting,
)
from embeddings.pgstore import _POOL_TIMEOUT, PgChunkIndex, open_pg_index
from embeddings.pgwrite import copy_chunks, write_manifest
from profile_qa.settings import Settings

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
    dimension = int(vectors.shape[1])
    known = index.manifest["model"].get("dimension")
    if known is not None and known != dimension:
        raise ValueError(f"vectors have {dimension} dimensions, the index {known}")
    last = {c.id: pos for pos, c in enumerate(chunks)}
    keep = sorted(last.values())
    fresh = [chunks[pos] for pos in keep]
    documents = {
        chunks[pos].id: dict(given)
        for pos in keep
        if metadata is not None and (given := metadata[pos]) is not None
    }
    result = [*(c for c in index.chunks if c.id not in last), *fresh]
    manifest = _manifest(index.manifest, result, dimension)
    with (
        reporting(index.url),
        index._pool.connection(timeout=_POOL_TIMEOUT) as conn,
        conn.transaction(),
    ):
        if known is None:  # the first vectors: now the table's dimension is known
            create_chunk_table(conn, dimension)
            create_chunk_indexes(conn)
        conn.execute(f"delete from {CHUNKS} where id = any(%s)", (list(last),))
        copy_chunks(conn, fresh, vectors[keep], documents)
        write_manifest(conn, manifest)
    for chunk_id in last:
        index.metadata.pop(chunk_id, None)
    index.metadata.update(documents)
    index.manifest = manifest
    index._set_chunks(result)


def delete(index: PgChunkIndex, chunk_ids: Iterable[str]) -> None:
    """Remove these chunks in one transaction; unknown ids are ignored."""
    doomed = {i for i in chunk_ids if i in index}
    if not doomed:
        return
    result = [c for c in index.chunks if c.id not in doomed]
    manifest = _manifest(index.manifest, result, index.manifest["model"].get("dimension"))
    with (
        reporting(index.url),
        index._pool.connection(timeout=_POOL_TIMEOUT) as conn,
        conn.transaction(),
    ):
        conn.execute(f"delete from {CHUNKS} where id = any(%s)", (sorted(doomed),))
        write_manifest(conn, manifest)
    for chunk_id in doomed:
        index.metadata.pop(chunk_id, None)
    index.manifest = manifest
    index._set_chunks(result)


def _manifest(
    old: dict[str, Any], chunks: Sequence[Chunk], dimension: int | None
) -> dict[str, Any]:
    """``old`` listing ``chunks`` as they now are (the order a snapshot reads them back in)."""
    articles: dict[str, Any] = {}
    for c in chunks:
        articles.setdefault(c.article_id, {"chunk_ids": []})["chunk_ids"].append(c.id)
    return {
        **old,
        "model": {**old["model"], "dimension": dimension},
        "articles": articles,
        "article_order": list(articles),
        "counts": {"articles": len(articles), "chunks": len(chunks)},
    }
