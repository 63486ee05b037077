"""``profile-qa index`` into PostgreSQL: incremental, one transaction per batch of articles.

Each committed batch leaves the chunk table and the manifest agreeing with each other and bumps
the index version, so a crash or kill at any moment leaves the last committed state readable
and every server polling the version picks the change up. A first build (or ``--rebuild``)
embeds everything first, then replaces the table in one transaction (bulk COPY, then the
HNSW and GIN indexes: much faster than inserting into an indexed table).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from corpus.model import Article, Chunk, SkippedFile
from embeddings.base import Embedder
from embeddings.index import check_manifest, expected_identity
from embeddings.pgschema import (
    CHUNKS,
    build_lock,
    connect,
    create_chunk_indexes,
    create_chunk_table,
    describe,
    migrate,
    read_meta,
    reporting,
)
from embeddings.pgstore import INDEX_TYPE
from embeddings.pgwrite import copy_chunks, write_manifest
from profile_qa.errors import EmptyCorpusError
from profile_qa.settings import Settings

if TYPE_CHECKING:
    import psycopg

    from embeddings.build import IndexBuildReport

Chunker = Callable[[Sequence[Article]], list[Chunk]]
BATCH_ARTICLES = 16  # changed articles per transaction: small enough to keep a crash cheap


def update_pg_index(
    settings: Settings,
    embedder: Embedder,
    articles: Sequence[Article],
    chunker: Chunker,
    *,
    rebuild: bool = False,
    progress: bool = True,
    skipped: Sequence[SkippedFile] = (),
) -> IndexBuildReport:
    """Bring the database's index up to date with ``articles`` (see module docstring)."""
    from embeddings.build import IndexBuildReport, _unique

    started = time.perf_counter()
    if not articles:
        raise EmptyCorpusError(f"no article to index in {settings.articles_dir}")
    url = settings.database_url
    notes: list[str] = []
    articles = _unique(articles, notes)
    conn = connect(url)
    try:
        with reporting(url), build_lock(conn, url):
            migrate(conn, url)
            meta = read_meta(conn)
            manifest = None if rebuild or meta is None else meta[2]
            if manifest is not None:
                # Another model or chunker: the message says `profile-qa index --rebuild`.
                check_manifest(manifest, settings, embedder, describe(url))  # type: ignore[arg-type]
            old = manifest["articles"] if manifest else {}
            ids = {a.id for a in articles}
            unchanged = [
                a.id for a in articles if old.get(a.id, {}).get("content_hash") == a.content_hash
            ]
            changed = [a.id for a in articles if a.id in old and a.id not in unchanged]
            added = [a.id for a in articles if a.id not in old]
            removed = sorted(set(old) - ids)
            order = [a.id for a in articles]
            writer = _Writer(conn, settings, embedder, progress, notes)
            if manifest is None:
                embedded = writer.full(articles, chunker)
            elif added or changed or removed or manifest.get("article_order") != order:
                embedded = writer.incremental(manifest, articles, chunker, removed)
            else:
                embedded = -1
            final = read_meta(conn)
    finally:
        conn.close()
    assert final is not None and final[2] is not None
    embed_seconds = writer.embed_seconds
    return IndexBuildReport(
        index_dir=settings.index_dir,
        index_type=INDEX_TYPE,
        added=tuple(added),
        changed=tuple(changed),
        removed=tuple(removed),
        unchanged=tuple(unchanged),
        chunks=int(final[2]["counts"]["chunks"]),
        embedded_chunks=max(0, embedded),
        seconds=time.perf_counter() - started,
        embed_seconds=embed_seconds,
        written=embedded >= 0,
        skipped=tuple(skipped),
        notes=(*notes, "the index is already up to date") if embedded < 0 else tuple(notes),
        where=f"postgresql {describe(url)} (index version {final[1]})",
    )


class _Writer:
    """Embeds chunks and writes them, one committed transaction at a time."""

    def __init__(
        self,
        conn: psycopg.Connection[Any],
        settings: Settings,
        embedder: Embedder,
        progress: bool,
        notes: list[str],
    ) -> None:
        self.conn, self.settings, self.embedder = conn, settings, embedder
        self.progress, self.notes = progress, notes
        self.embed_seconds = 0.0

    def _chunks(self, articles: Sequence[Article], chunker: Chunker) -> list[Chunk]:
        chunks: list[Chunk] = []
        seen: set[str] = set()
        for c in chunker(articles) if articles else []:
            if c.id in seen:
                self.notes.append(f"duplicate chunk {c.id} in {c.source_file} indexed once")
                continue
            seen.add(c.id)
            chunks.append(c)
        return chunks

    def _vectors(self, chunks: Sequence[Chunk]) -> np.ndarray:
        from embeddings.build import _vectors

        t = time.perf_counter()
        out = _vectors(self.embedder, chunks, set(), None, self.settings, self.progress)
        self.embed_seconds += time.perf_counter() - t
        return out

    def full(self, articles: Sequence[Article], chunker: Chunker) -> int:
        """Replace everything in one transaction; the number of chunks embedded."""
        chunks = self._chunks(articles, chunker)
        if not chunks:
            raise EmptyCorpusError(f"the articles in {self.settings.articles_dir} hold no text")
        reused = self._from_local_index(chunks)
        fresh = [c for c in chunks if c.id not in reused]
        vectors = np.zeros((len(chunks), int(self.embedder.dimension)), dtype=np.float32)
        if fresh:
            rows = [i for i, c in enumerate(chunks) if c.id not in reused]
            vectors[rows] = self._vectors(fresh)
        for i, c in enumerate(chunks):
            if c.id in reused:
                vectors[i] = reused[c.id]
        manifest = new_manifest(self.settings, self.embedder, articles, chunks)
        with self.conn.transaction():
            create_chunk_table(self.conn, int(self.embedder.dimension))
            copy_chunks(self.conn, chunks, vectors)
            create_chunk_indexes(self.conn)
            write_manifest(self.conn, manifest)
        return len(fresh)

    def _from_local_index(self, chunks: Sequence[Chunk]) -> dict[str, np.ndarray]:
        """Vectors of these chunks in this machine's faiss index (same model and chunker),
        so moving a machine's index into the database embeds nothing twice."""
        from embeddings.index import open_index
        from profile_qa.errors import ProfileQAError

        try:
            local = open_index(self.settings.replace(store="faiss"), self.embedder)
        except ProfileQAError:  # none, or built differently: embed everything
            return {}
        known = [c.id for c in chunks if c.id in local._row_by_id]
        if not known:
            return {}
        self.notes.append(f"{len(known)} chunk vectors taken from the local index {local.path}")
        return dict(zip(known, local.vectors(known), strict=True))

    def incremental(
        self,
        manifest: dict[str, Any],
        articles: Sequence[Article],
        chunker: Chunker,
        removed: Sequence[str],
    ) -> int:
        """Removed articles in one transaction, then changed/new ones batch by batch."""
        old = manifest["articles"]
        by_id = {a.id: a for a in articles}
        fresh = [a for a in articles if old.get(a.id, {}).get("content_hash") != a.content_hash]
        final_order = [a.id for a in articles]
        embedded = 0

        def commit(batch: Sequence[Article], drop: Sequence[str]) -> None:
            nonlocal embedded
            chunks = self._chunks(batch, chunker)
            vectors = self._vectors(chunks) if chunks else np.zeros((0, 1), dtype=np.float32)
            with self.conn.transaction():
                gone = [*drop, *(a.id for a in batch)]
                self.conn.execute(f"delete from {CHUNKS} where article_id = any(%s)", (gone,))
                copy_chunks(self.conn, chunks, vectors)
                for aid in drop:
                    old.pop(aid, None)
                old.update(_article_entries(batch, chunks))
                # Articles not yet written keep their place only once they are in the table.
                manifest["article_order"] = [aid for aid in final_order if aid in old]
                manifest["counts"] = {
                    "articles": len(old),
                    "chunks": sum(len(e["chunk_ids"]) for e in old.values()),
                }
                manifest["built_at"] = _now()
                write_manifest(self.conn, manifest)
            embedded += len(chunks)

        if removed or not fresh:  # a new article order alone (files renamed) is a commit too
            commit([], removed)
        for start in range(0, len(fresh), BATCH_ARTICLES):
            commit([by_id[a.id] for a in fresh[start : start + BATCH_ARTICLES]], ())
        return embedded


def new_manifest(
    settings: Settings, embedder: Embedder, articles: Sequence[Article], chunks: Sequence[Chunk]
) -> dict[str, Any]:
    """The manifest of a complete build (same identity keys as the embedded store's)."""
    entries = _article_entries(articles, chunks)
    return {
        **expected_identity(settings, embedder),
        "index": {"type": INDEX_TYPE, "requested_type": INDEX_TYPE, "metric": "cosine"},
        "articles": entries,
        "article_order": [a.id for a in articles],
        "counts": {"articles": len(articles), "chunks": len(chunks)},
        "articles_dir": str(settings.articles_dir),
        "built_at": _now(),
        "files": {},
    }


def _article_entries(articles: Sequence[Article], chunks: Sequence[Chunk]) -> dict[str, Any]:
    chunk_ids: dict[str, list[str]] = {}
    for c in chunks:
        chunk_ids.setdefault(c.article_id, []).append(c.id)
    return {
        a.id: {
            "content_hash": a.content_hash,
            "source_file": a.source_file,
            "chunk_ids": chunk_ids.get(a.id, []),
        }
        for a in articles
    }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
