"""index_type "auto": exact search for a small corpus, an approximate index for a big one."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings import _ann


def _unit(n: int, dim: int = 16) -> np.ndarray:
    v = np.random.default_rng(0).standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_auto_is_exact_for_a_corpus_of_ordinary_size() -> None:
    built = _ann.build_faiss_index(_unit(500), "auto")
    assert built.index_type == "flat"


def test_auto_switches_to_ivf_above_the_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_ann, "AUTO_FLAT_MAX_VECTORS", 1000)
    vectors = _unit(4000)
    built = _ann.build_faiss_index(vectors, "auto", ivf_min_vectors=0)
    assert built.index_type == "ivf" and built.params["nprobe"] >= 8
    # Row i is faiss id i, and a stored vector finds itself.
    _, rows = built.index.search(vectors[:20], 1)
    assert rows[:, 0].tolist() == list(range(20))
