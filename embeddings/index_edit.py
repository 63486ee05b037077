"""Editing a ``ChunkIndex`` in memory (upsert, delete) and saving it in its own format.

The product builds its index in one pass (``embeddings.build``); these edits serve the
LangChain ``ChunkVectorStore``, which adds and deletes documents one call at a time, so that
both go through one faiss wrapper and one directory format (vectors, chunk store, manifest).
Row ``i`` of ``index.chunks`` stays faiss id ``i`` after every edit.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from corpus.model import Chunk
from embeddings._atomic import swap_in_dir
from embeddings.index import FORMAT_VERSION, ChunkIndex, write_index_files, write_manifest


def new_index(path: Path, model_id: str) -> ChunkIndex:
    """An empty, editable index; its dimension is set by the first vectors added."""
    manifest = {
        "format_version": FORMAT_VERSION,
        # LangChain Embeddings carry no fingerprint: the name of the model is all there is.
        "model": {"id": model_id, "fingerprint": None, "dimension": None},
        "chunker": {},
        "index": {"type": "flat", "requested_type": "flat", "metric": "inner_product"},
        "articles": {},
        "files": {},
    }
    return ChunkIndex(path, manifest, [], None)


def upsert(
    index: ChunkIndex,
    chunks: Sequence[Chunk],
    vectors: np.ndarray,
    metadata: Sequence[dict[str, Any] | None] | None = None,
) -> None:
    """Add ``chunks`` (row ``i`` of ``vectors`` each); a stored id is replaced."""
    import faiss

    vectors = unit_rows(vectors)
    if len(vectors) != len(chunks):
        raise ValueError(f"{len(vectors)} vectors for {len(chunks)} chunks")
    if not chunks:
        return
    dimension = int(vectors.shape[1])
    if index._index is None:
        index._index = faiss.IndexFlatIP(dimension)
        index.manifest["model"]["dimension"] = dimension
    elif index._index.d != dimension:
        raise ValueError(f"vectors have {dimension} dimensions, the index {index._index.d}")
    # Within one call the last chunk given for an id wins, as with repeated calls.
    last = {c.id: pos for pos, c in enumerate(chunks)}
    keep = sorted(last.values())
    delete(index, last)
    index._index.add(np.ascontiguousarray(vectors[keep]))
    for pos in keep:
        given = metadata[pos] if metadata is not None else None
        if given is not None:
            index.metadata[chunks[pos].id] = dict(given)
    index._set_chunks([*index.chunks, *(chunks[pos] for pos in keep)])


def delete(index: ChunkIndex, chunk_ids: Iterable[str]) -> None:
    """Remove these chunks and their vectors; unknown ids are ignored."""
    import faiss

    from embeddings._ann import build_faiss_index

    doomed = {i for i in chunk_ids if i in index._row_by_id}
    if not doomed or index._index is None:
        return
    rows = np.asarray(sorted(index._row_by_id[i] for i in doomed), dtype=np.int64)
    kept = [c for c in index.chunks if c.id not in doomed]
    if isinstance(index._index, faiss.IndexFlat):
        # A flat index closes the gap: row i stays faiss id i.
        index._index.remove_ids(faiss.IDSelectorBatch(rows))
    else:
        # hnsw cannot remove and ivf would keep the old ids: rebuild from the stored vectors.
        vectors = index.vectors(c.id for c in kept)
        index._index = build_faiss_index(vectors, index.index_type).index
    for chunk_id in doomed:
        index.metadata.pop(chunk_id, None)
    index._set_chunks(kept)


def save(index: ChunkIndex, folder: Path) -> None:
    """Write ``index`` to ``folder`` (replaced atomically); its metadata must be JSON-ready."""

    for chunk_id, meta in index.metadata.items():
        try:
            json.dumps(meta)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"metadata of document {chunk_id!r} cannot be saved as JSON: {exc}"
            ) from exc
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.parent / f".{folder.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        manifest = {
            **index.manifest,
            "articles": _articles(index),
            "counts": {"articles": len({c.article_id for c in index.chunks}), "chunks": len(index)},
            "files": write_index_files(tmp, index._index, index.chunks, index.metadata),
        }
        write_manifest(tmp, manifest)
        swap_in_dir(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    index.manifest, index.path = manifest, folder


def _articles(index: ChunkIndex) -> dict[str, Any]:
    """The manifest's article entries, listing the chunks each now has (the load checks)."""
    old = index.manifest.get("articles", {})
    entries: dict[str, Any] = {}
    for c in index.chunks:
        if c.article_id not in entries:
            previous = old.get(c.article_id)
            entries[c.article_id] = {**(previous if isinstance(previous, dict) else {})}
            entries[c.article_id]["chunk_ids"] = []
        entries[c.article_id]["chunk_ids"].append(c.id)
    return entries


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), float32, C-contiguous."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim != 2:
        raise ValueError(f"expected a 2-D array of vectors, got shape {vectors.shape}")
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.ascontiguousarray(vectors / np.where(norms > 0, norms, 1.0))
