"""The chunk table both stores share: chunks in a stable order, the manifest, row look-ups.

``ChunkIndex`` (faiss files, ``embeddings.index``) and ``PgChunkIndex`` (PostgreSQL,
``embeddings.pgstore``) build on it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from corpus.model import Chunk


class ChunkTable:
    """The chunks of a loaded index in a stable order, with its manifest and row look-ups:
    what the embedded index and the PostgreSQL one (``embeddings.pgstore``) share."""

    def __init__(self, manifest: dict[str, Any], chunks: list[Chunk]) -> None:
        self.manifest = manifest
        self._set_chunks(chunks)

    def _set_chunks(self, chunks: list[Chunk]) -> None:
        self.chunks = chunks
        self._row_by_id = {c.id: row for row, c in enumerate(chunks)}
        self._rows_by_article: dict[str, list[int]] = {}
        for row, c in enumerate(chunks):
            self._rows_by_article.setdefault(c.article_id, []).append(row)

    def __len__(self) -> int:
        return len(self.chunks)

    def __contains__(self, chunk_id: object) -> bool:
        return chunk_id in self._row_by_id

    @property
    def dimension(self) -> int:
        """Length of the stored vectors, as recorded in the manifest."""
        return int(self.manifest["model"]["dimension"])

    def chunk(self, chunk_id: str) -> Chunk:
        """The chunk with this id (KeyError if absent)."""
        return self.chunks[self._row_by_id[chunk_id]]

    def article_chunks(self, article_id: str) -> list[Chunk]:
        """The chunks of one article, in their order in the article."""
        return [self.chunks[row] for row in self._rows_by_article.get(article_id, ())]


def as_query(query_vector: np.ndarray, dimension: int) -> np.ndarray:
    """The query as one float32 unit row; ValueError naming both sizes if they differ."""
    query = np.asarray(query_vector, dtype=np.float32).reshape(1, -1)
    if query.shape[1] != dimension:
        raise ValueError(f"query vector has {query.shape[1]} dimensions, the index {dimension}")
    norm = float(np.linalg.norm(query))
    return np.ascontiguousarray(query / norm if norm > 0 else query)
