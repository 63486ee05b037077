"""A deterministic, model-free embedder for fast tests.

It hashes character bigrams (and single characters) into a fixed number of buckets, so texts
that share Chinese words score close, like a real model would on easy cases. Never the only
test of a feature: slow tests use the real model.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence

import numpy as np


def _bucket(token: str, dimension: int) -> int:
    # md5, not hash(): Python salts str hashes per process, and tests must be deterministic.
    return int.from_bytes(hashlib.md5(token.encode("utf-8")).digest()[:4], "little") % dimension


class HashingEmbedder:
    """Character-bigram hashing embedder: same text, same vector, on every machine."""

    def __init__(self, dimension: int = 256) -> None:
        self.dimension = dimension
        self.model_id = f"fake:hashing-{dimension}"
        self.fingerprint = f"hashing-bigram-v1-{dimension}"

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dimension, dtype=np.float32)
        chars = [c for c in text.lower() if not c.isspace()]
        for c in chars:
            vec[_bucket(c, self.dimension)] += 0.5
        for a, b in itertools.pairwise(chars):
            vec[_bucket(a + b, self.dimension)] += 1.0
        norm = float(np.linalg.norm(vec))
        if norm == 0.0:
            vec[0] = 1.0
            return vec
        return vec / norm

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Shape (len(texts), dimension), float32, unit rows (a fixed one for blank text)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        """Shape (dimension,), float32: the same hashing as a passage (no prompts)."""
        return self._vector(text)
