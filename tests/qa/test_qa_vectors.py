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


def test_an_answerer_keeps_the_sentences_it_embedded_for_the_next_process(
    tmp_path: Path,
) -> None:
    """A batch run (an evaluation) ends between two periodic saves: ``save()`` keeps its work."""
    import qa
    from profile_qa.settings import Settings
    from tests.conftest import SEED_ARTICLES

    settings = Settings(articles_dir=SEED_ARTICLES, data_dir=tmp_path / "data")
    question = "武汉市经信局协调捐赠了多少辆MPV？"
    first = _Counting()
    answerer = qa.load_answerer(settings, embedder=first, warm=False)
    first.embedded = 0  # the index's chunks are not what is measured
    answerer.answer(question)
    answerer.save()
    assert first.embedded > 0
    again = _Counting()
    qa.load_answerer(settings, embedder=again, warm=False).answer(question)
    assert again.embedded == 0
