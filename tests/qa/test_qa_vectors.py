"""The sentence vector cache: computed once, kept on disk, read back whole."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from embeddings.fake import HashingEmbedder
from qa.vectors import SentenceVectors


class _Counting(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__(64)
        self.embedded = 0

    def embed_passages(self, texts):  # type: ignore[no-untyped-def]
        self.embedded += len(texts)
        return super().embed_passages(texts)


def test_vectors_are_embedded_once_and_survive_a_restart(tmp_path: Path) -> None:
    texts = [f"第{i}句：公司捐赠口罩{i}万只。" for i in range(300)]
    first = _Counting()
    cache = SentenceVectors(first, tmp_path)
    vectors = cache.vectors(texts)
    cache.vectors(texts[:10])
    cache.save()
    assert first.embedded == 300 and vectors.shape == (300, 64)
    again = _Counting()
    reloaded = SentenceVectors(again, tmp_path).vectors(texts)
    assert again.embedded == 0  # every key read back (hashes ending in a zero byte included)
    assert np.allclose(reloaded, vectors)
