"""Sentence vectors, computed once per text and model and kept on disk beside the index.

The answer scorer compares the question with every sentence of the retrieved passages.
Embedding a sentence costs ~20-50 ms on two cores, so each is embedded once, ever: vectors are
kept in memory and saved to ``<data_dir>/sentences/<fingerprint>.npz`` (atomically).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from embeddings.base import Embedder
from qa.npzcache import array_keys, keys_array, text_key, write_npz

log = logging.getLogger(__name__)
_SAVE_EVERY = 512  # new vectors between two saves


class SentenceVectors:
    """``vectors(texts)`` -> one passage vector per text, cached in memory and on disk."""

    def __init__(self, embedder: Embedder, folder: Path | None) -> None:
        self.embedder = embedder
        name = hashlib.sha1(embedder.fingerprint.encode()).hexdigest()[:16] + ".npz"
        self.path = folder / name if folder is not None else None
        self._rows: dict[bytes, np.ndarray] = {}
        self._unsaved = 0
        self._lock = threading.Lock()
        self._load()

    def _load(self) -> None:
        if self.path is None or not self.path.exists():
            return
        try:
            with np.load(self.path) as data:
                keys, matrix = data["keys"], data["vectors"]
            self._rows = {k: matrix[i] for i, k in enumerate(array_keys(keys))}
        except (OSError, ValueError, KeyError) as exc:  # a damaged cache is rebuilt, not fatal
            log.warning("sentence vector cache %s unreadable, rebuilding: %s", self.path, exc)

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """Shape (len(texts), dimension): the passage vector of each text."""
        keys = [text_key(t) for t in texts]
        with self._lock:
            # Each missing text once, in order of appearance.
            wanted = {k: t for k, t in zip(keys, texts, strict=True) if k not in self._rows}
        if wanted:
            embedded = self.embedder.embed_passages(list(wanted.values()))
            with self._lock:
                for k, v in zip(wanted, embedded, strict=True):
                    self._rows[k] = np.asarray(v, dtype=np.float32)
                self._unsaved += len(wanted)
                due = self._unsaved >= _SAVE_EVERY
            if due:
                self.save()
        if not keys:
            return np.zeros((0, self.embedder.dimension), dtype=np.float32)
        with self._lock:
            return np.stack([self._rows[k] for k in keys])

    def save(self) -> None:
        """Write the cache (atomically); a read-only data folder only costs speed."""
        if self.path is None:
            return
        with self._lock:
            if not self._unsaved and self.path.exists():
                return
            keys = keys_array(self._rows) if self._rows else None
            matrix = np.stack(list(self._rows.values())) if self._rows else None
            self._unsaved = 0
        if keys is None or matrix is None:
            return
        try:
            write_npz(self.path, keys=keys, vectors=matrix)
        except OSError as exc:
            log.warning("cannot save sentence vectors to %s: %s", self.path, exc)
