"""What qa's on-disk caches (sentence vectors, BM25 tokens) share: a text's key, and writing
an ``.npz`` file so that a reader never sees half of it."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

KEY_SIZE = 12  # bytes of a text's hash


def text_key(text: str) -> bytes:
    """A short, stable hash of ``text``: the row key of every cache."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=KEY_SIZE).digest()


def keys_array(keys: Iterable[bytes]) -> np.ndarray:
    """Keys as one (n, KEY_SIZE) uint8 array, as the caches store them."""
    return np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(-1, KEY_SIZE)


def array_keys(array: np.ndarray) -> list[bytes]:
    """The keys back from a stored array (also fixed-size bytes, as older files hold)."""
    if array.dtype.kind == "S":  # numpy strips trailing NULs of fixed-size bytes: pad
        return [bytes(k).ljust(KEY_SIZE, b"\0") for k in array]
    return [k.tobytes() for k in array]


def write_npz(path: Path, **arrays: np.ndarray) -> None:
    """Write ``arrays`` to ``path`` through a temporary file renamed into place; OSError
    when the folder cannot be written (callers only lose speed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)  # type: ignore[arg-type]  # numpy types its kwargs badly
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
