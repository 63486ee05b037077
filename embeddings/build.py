"""Building and updating the chunk index: incremental by content hash, swapped in atomically.

A build writes a complete new index into a sibling temp directory and swaps it in (see
``embeddings._atomic``), so a crash or kill at any moment leaves the previous index readable.
Unchanged articles keep their stored vectors: only new and changed ones are embedded.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import platform
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from corpus.model import Article, Chunk, SkippedFile
from embeddings._atomic import (
    IndexBusyError,
    build_lock,
    fsync_dir,
    recover_index_dir,
    swap_in_dir,
)
from embeddings.base import Embedder
from embeddings.index import (
    ChunkIndex,
    expected_identity,
    open_index,
    write_index_files,
    write_manifest,
)
from profile_qa.errors import EmptyCorpusError, IndexNotBuiltError, ProfileQAError
from profile_qa.settings import Settings

__all__ = ["IndexBuildReport", "IndexBusyError", "build_index", "update_index"]

Chunker = Callable[[Sequence[Article]], list[Chunk]]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexBuildReport:
    """What a build did: article ids by outcome, chunk counts, time and notes."""

    index_dir: Path
    index_type: str
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: tuple[str, ...]
    chunks: int  # chunks in the index now
    embedded_chunks: int  # chunks embedded by this build
    seconds: float
    embed_seconds: float
    written: bool  # False when the index was already up to date
    skipped: tuple[SkippedFile, ...] = ()
    notes: tuple[str, ...] = ()
    where: str = ""  # where the index lives when not in index_dir (store = "pgvector")

    @property
    def chunks_per_second(self) -> float:
        """Embedding throughput of this build (0 when nothing was embedded)."""
        if not self.embedded_chunks or self.embed_seconds <= 0:
            return 0.0
        return self.embedded_chunks / self.embed_seconds


def build_index(
    settings: Settings,
    embedder: Embedder,
    rebuild: bool = False,
    progress: bool = True,
    warn: Callable[[str], None] | None = None,
) -> IndexBuildReport:
    """Build or update the index of ``settings.articles_dir`` at ``settings.index_dir``.

    ``warn`` receives the warning about a large run (see ``settings.index_warn_chunks``).
    """
    import corpus

    loaded = corpus.load_articles(settings.articles_dir, settings.max_article_bytes)
    if not loaded.articles:
        reasons = "; ".join(f"{s.path}: {s.reason}" for s in loaded.skipped)
        raise EmptyCorpusError(
            f"no article could be loaded from {settings.articles_dir}"
            + (f" (skipped: {reasons})" if reasons else "")
        )

    def chunker(articles: Sequence[Article]) -> list[Chunk]:
        return corpus.chunk_articles(articles, settings)

    return update_index(
        settings,
        embedder,
        loaded.articles,
        chunker,
        rebuild=rebuild,
        progress=progress,
        skipped=loaded.skipped,
        warn=warn,
    )


def update_index(
    settings: Settings,
    embedder: Embedder,
    articles: Sequence[Article],
    chunker: Chunker,
    *,
    rebuild: bool = False,
    progress: bool = True,
    skipped: Sequence[SkippedFile] = (),
    warn: Callable[[str], None] | None = None,
) -> IndexBuildReport:
    """Bring the index up to date with ``articles``, chunking new/changed ones with ``chunker``."""
    if settings.store == "pgvector":
        from embeddings.pgbuild import update_pg_index

        return update_pg_index(
            settings,
            embedder,
            articles,
            chunker,
            rebuild=rebuild,
            progress=progress,
            skipped=skipped,
        )
    started = time.perf_counter()
    if not articles:
        raise EmptyCorpusError(f"no article to index in {settings.articles_dir}")
    index_dir = settings.index_dir
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    with build_lock(index_dir):
        recover_index_dir(index_dir)
        previous = None if rebuild else _open_previous(settings, embedder)
        old = previous.manifest["articles"] if previous else {}
        notes: list[str] = []
        articles = _unique(articles, notes)
        ids = {a.id for a in articles}
        unchanged = [
            a.id for a in articles if old.get(a.id, {}).get("content_hash") == a.content_hash
        ]
        changed = [a.id for a in articles if a.id in old and a.id not in unchanged]
        added = [a.id for a in articles if a.id not in old]
        removed = sorted(set(old) - ids)
        # What every report of this run says, whether or not it writes anything.
        report = functools.partial(
            IndexBuildReport,
            index_dir=index_dir,
            added=tuple(added),
            changed=tuple(changed),
            removed=tuple(removed),
            unchanged=tuple(unchanged),
            skipped=tuple(skipped),
        )
        if (
            previous is not None
            and not (added or changed or removed)
            and previous.manifest["index"].get("requested_type") == settings.index_type
        ):
            return report(
                index_type=previous.index_type,
                chunks=len(previous),
                embedded_chunks=0,
                seconds=time.perf_counter() - started,
                embed_seconds=0.0,
                written=False,
                notes=(*notes, "the index is already up to date"),
            )

        tmp = index_dir.parent / f".{index_dir.name}.tmp-{os.getpid()}"
        tmp.mkdir()
        try:
            fresh = [a for a in articles if a.id not in unchanged]
            chunks, reused = _assemble(articles, fresh, chunker, previous, notes)
            if not chunks:
                raise EmptyCorpusError(f"the articles in {settings.articles_dir} hold no text")
            embed_started = time.perf_counter()
            vectors = _vectors(embedder, chunks, reused, previous, settings, progress, warn)
            embed_seconds = time.perf_counter() - embed_started
            manifest, built_type = _write(tmp, settings, embedder, articles, chunks, vectors, notes)
            manifest["build_seconds"] = round(time.perf_counter() - started, 3)
            write_manifest(tmp, manifest)
            fsync_dir(tmp)
            swap_in_dir(tmp, index_dir)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return report(
        index_type=built_type,
        chunks=len(chunks),
        embedded_chunks=len(chunks) - len(reused),
        seconds=time.perf_counter() - started,
        embed_seconds=embed_seconds,
        written=True,
        notes=tuple(notes),
    )


def _unique(articles: Sequence[Article], notes: list[str]) -> list[Article]:
    seen: dict[str, Article] = {}
    for a in articles:
        if a.id in seen:
            notes.append(f"{a.source_file} has the same id as {seen[a.id].source_file}; skipped")
        else:
            seen[a.id] = a
    return list(seen.values())


def _open_previous(settings: Settings, embedder: Embedder) -> ChunkIndex | None:
    # A mismatched or corrupt index raises here: its message tells the user to --rebuild.
    try:
        return open_index(settings, embedder)
    except IndexNotBuiltError:
        return None


def _assemble(
    articles: Sequence[Article],
    fresh: Sequence[Article],
    chunker: Chunker,
    previous: ChunkIndex | None,
    notes: list[str],
) -> tuple[list[Chunk], set[str]]:
    """All chunks in article order, and the ids of those whose stored vector is reused."""
    by_article: dict[str, list[Chunk]] = {}
    for chunk in chunker(fresh) if fresh else []:
        by_article.setdefault(chunk.article_id, []).append(chunk)
    fresh_ids = {a.id for a in fresh}
    chunks: list[Chunk] = []
    reused: set[str] = set()
    seen: set[str] = set()
    for a in articles:
        if a.id in fresh_ids:
            own = by_article.get(a.id, [])
        else:
            assert previous is not None
            own = previous.article_chunks(a.id)
            reused.update(c.id for c in own)
        for c in own:
            if c.id in seen:
                notes.append(f"duplicate chunk {c.id} in {a.source_file} indexed once")
                continue
            seen.add(c.id)
            chunks.append(c)
    return chunks, reused


def _vectors(
    embedder: Embedder,
    chunks: Sequence[Chunk],
    reused: set[str],
    previous: ChunkIndex | None,
    settings: Settings,
    progress: bool,
    warn: Callable[[str], None] | None = None,
) -> np.ndarray:
    from tqdm import tqdm

    dim = int(embedder.dimension)
    vectors = np.zeros((len(chunks), dim), dtype=np.float32)
    old_rows = [i for i, c in enumerate(chunks) if c.id in reused]
    if old_rows:
        assert previous is not None
        vectors[old_rows] = previous.vectors(chunks[i].id for i in old_rows)
    new_rows = [i for i, c in enumerate(chunks) if c.id not in reused]
    # Longest first, so each batch holds passages of about one length and little padding is
    # computed (the embedder pads a batch to its longest passage).
    new_rows.sort(key=lambda i: len(chunks[i].indexed_text), reverse=True)
    batch = max(1, settings.embedding_batch_size)
    big = 0 < settings.index_warn_chunks < len(new_rows)
    first_batch = time.perf_counter()
    with tqdm(
        total=len(new_rows),
        unit="chunk",
        desc="Embedding",
        file=sys.stderr,
        disable=not progress,
        dynamic_ncols=True,
    ) as bar:
        for start in range(0, len(new_rows), batch):
            rows = new_rows[start : start + batch]
            out = np.asarray(
                embedder.embed_passages([chunks[i].indexed_text for i in rows]), dtype=np.float32
            )
            if out.shape != (len(rows), dim) or not np.isfinite(out).all():
                raise ProfileQAError(
                    f"embedder {embedder.model_id} returned vectors of shape {out.shape} "
                    f"(expected {(len(rows), dim)}, all finite)"
                )
            vectors[rows] = out
            bar.update(len(rows))
            if big and start == 0:  # after one timed batch: how long the rest will take
                rate = len(rows) / max(1e-6, time.perf_counter() - first_batch)
                (warn or log.warning)(
                    large_run_warning(len(new_rows), settings.index_warn_chunks, rate)
                )
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def large_run_warning(count: int, threshold: int, rate: float) -> str:
    """The warning for a run embedding ``count`` chunks at ``rate`` chunks/s."""
    seconds = count / rate if rate > 0 else float("nan")
    return (
        f"warning: this run embeds {count} chunks (more than index_warn_chunks={threshold}); "
        f"at the {rate:.0f} chunks/s measured so far that takes about "
        f"{_duration(seconds)}. An unexpectedly large article file? Check the skipped/"
        "article list; Ctrl-C stops without changing the index."
    )


def _duration(seconds: float) -> str:
    if seconds != seconds:  # nan
        return "an unknown time"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _write(
    tmp: Path,
    settings: Settings,
    embedder: Embedder,
    articles: Sequence[Article],
    chunks: Sequence[Chunk],
    vectors: np.ndarray,
    notes: list[str],
) -> tuple[dict[str, Any], str]:

    from embeddings._ann import build_faiss_index

    built = build_faiss_index(vectors, settings.index_type)
    notes.extend(built.notes)
    chunk_ids: dict[str, list[str]] = {}
    for c in chunks:
        chunk_ids.setdefault(c.article_id, []).append(c.id)
    manifest = {
        **expected_identity(settings, embedder),
        "index": {
            "type": built.index_type,
            "requested_type": settings.index_type,
            "metric": "inner_product",
            "params": built.params,
        },
        "articles": {
            a.id: {
                "content_hash": a.content_hash,
                "source_file": a.source_file,
                "chunk_ids": chunk_ids.get(a.id, []),
            }
            for a in articles
        },
        "counts": {"articles": len(articles), "chunks": len(chunks)},
        "articles_dir": str(settings.articles_dir),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": _versions(),
        "files": write_index_files(tmp, built.index, chunks),
    }
    return manifest, built.index_type


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version(), "numpy": np.__version__}
    for dist in ("profile-qa", "faiss-cpu", "sentence-transformers", "torch"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[dist] = metadata.version(dist)
    return versions
