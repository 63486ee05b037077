"""Hybrid retrieval over the seed chunks (fake embedder; the real model in slow tests)."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings.fake import HashingEmbedder
from profile_qa.settings import Settings
from qa.knowledge import KnowledgeBase
from qa.retrieval import Retriever, rrf
from tests.qa.conftest import DenseSearcher


def _retriever(
    kb: KnowledgeBase, index: DenseSearcher, emb: HashingEmbedder, s: Settings, **changes: object
) -> Retriever:
    return Retriever(kb, index, emb, s.replace(**changes) if changes else s)


def test_rrf_rewards_agreement() -> None:
    fused = rrf([[1, 2, 3], [2, 1, 4]], k=60)
    assert fused[1] == pytest.approx(fused[2])
    assert fused[2] > fused[3]
    assert fused[3] == pytest.approx(fused[4])
    assert rrf([[7]], k=1)[7] == 0.5


RETRIEVAL_CASES = [
    ("武汉市经信局协调捐赠了多少辆MPV？", "MPV50辆"),
    ("三奇口罩日产量提高到多少？", "350万只"),
    ("天隆科技牵头制订了什么标准？", "YY/T1717-2020"),
    ("中国通服在什么时候前完成了平台施工？", "2020年3月10日前"),
    ("机要督办处日均流转多少件次文电？", "690件次"),
    ("湖北省通管局组织召开了多少次视频调度会？", "18次"),
    ("依文集团成立于哪一年？", "1994年"),
    ("夏昆山有多少年党龄？", "37年党龄"),
]
PARAPHRASE = ("哪家服装企业帮一万多名绣娘靠手艺脱贫致富？", "13000名绣娘")


# Character-bigram hashing cannot bridge a paraphrase on its own (the slow tests use the real
# model); hybrid and BM25 must still find it.
@pytest.mark.parametrize(
    ("question", "evidence", "mode"),
    [(q, e, m) for q, e in RETRIEVAL_CASES for m in ("hybrid", "bm25", "dense")]
    + [(*PARAPHRASE, "hybrid"), (*PARAPHRASE, "bm25")],
)
def test_the_answering_passage_is_in_the_top_k(
    kb: KnowledgeBase,
    dense_index: DenseSearcher,
    fake_embedder: HashingEmbedder,
    seed_settings: Settings,
    question: str,
    evidence: str,
    mode: str,
) -> None:
    r = _retriever(kb, dense_index, fake_embedder, seed_settings, retrieval_mode=mode)
    passages = r.retrieve(question).passages
    # BM25 alone only returns chunks that share a word with the question.
    assert len(passages) == seed_settings.top_k or (mode == "bm25" and passages)
    assert any(evidence in p.chunk.text for p in passages), [p.chunk.text[:30] for p in passages]


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("三奇做了什么？", "日照三奇医疗卫生用品有限公司"),
        ("通服的工作有哪些？", "中国通信服务股份有限公司"),
        ("夏局长的事迹", "夏昆山"),
        ("天隆获得了什么荣誉？", "西安天隆科技有限公司"),
    ],
)
def test_a_named_profile_ranks_its_chunks_first(
    kb: KnowledgeBase,
    dense_index: DenseSearcher,
    fake_embedder: HashingEmbedder,
    seed_settings: Settings,
    question: str,
    subject: str,
) -> None:
    r = _retriever(kb, dense_index, fake_embedder, seed_settings)
    retrieval = r.retrieve(question)
    own = [p for p in retrieval.passages if p.chunk.subject == subject]
    assert retrieval.passages[0].chunk.subject == subject
    assert own == list(retrieval.passages[: len(own)])
    assert [p.rank for p in retrieval.passages] == list(range(1, len(retrieval.passages) + 1))


def test_passages_carry_both_scores_in_hybrid_mode(
    kb: KnowledgeBase,
    dense_index: DenseSearcher,
    fake_embedder: HashingEmbedder,
    seed_settings: Settings,
) -> None:
    top = (
        _retriever(kb, dense_index, fake_embedder, seed_settings)
        .retrieve("武汉市经信局协调捐赠了多少辆MPV？")
        .passages[0]
    )
    assert top.dense_score is not None and top.lexical_score is not None
    assert top.score > 0


def test_the_relevance_floor_leaves_nothing_for_an_unrelated_question(
    kb: KnowledgeBase,
    dense_index: DenseSearcher,
    fake_embedder: HashingEmbedder,
    seed_settings: Settings,
) -> None:
    r = _retriever(kb, dense_index, fake_embedder, seed_settings, relevance_floor=0.3)
    assert r.retrieve("量子计算机的原理是什么？").passages == ()
    assert r.retrieve("武汉市经信局协调捐赠了多少辆MPV？").passages


def test_without_vectors_retrieval_is_lexical(kb: KnowledgeBase, seed_settings: Settings) -> None:
    r = Retriever(kb, None, None, seed_settings)
    assert r.mode == "bm25"
    top = r.retrieve("三奇口罩日产量提高到多少？").passages
    assert "350万只" in top[0].chunk.text
    assert top[0].dense_score is None


class _CountingEmbedder(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__(256)
        self.queries: list[str] = []

    def embed_query(self, text: str) -> np.ndarray:
        self.queries.append(text)
        return super().embed_query(text)


def test_an_english_question_is_embedded_once_for_retrieval_and_answer(
    kb: KnowledgeBase, seed_settings: Settings
) -> None:
    from qa.chain import Answerer

    emb = _CountingEmbedder()
    answerer = Answerer(seed_settings, kb, DenseSearcher(kb.chunks, emb), emb)
    question = "What did Rizhao Sanqi produce?"
    answer = answerer.answer(question)
    assert answer.citations  # the extractive answer ranked sentences with the vector
    assert emb.queries == [question]


def test_the_question_vector_cache_stays_bounded(
    kb: KnowledgeBase,
    dense_index: DenseSearcher,
    fake_embedder: HashingEmbedder,
    seed_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import qa.retrieval

    monkeypatch.setattr(qa.retrieval, "_VECTOR_CACHE", 2)
    r = _retriever(kb, dense_index, fake_embedder, seed_settings)
    for question in ("夏昆山是谁？", "三奇口罩日产量提高到多少？", "MPV"):
        r.query_vector(question)
    assert list(r._vectors) == ["三奇口罩日产量提高到多少？", "MPV"]


def test_a_named_profiles_chunks_are_searched_even_when_look_alikes_fill_the_pool(
    seed_chunks: list, fake_embedder: HashingEmbedder, seed_settings: Settings
) -> None:
    # Hundreds of news chunks that echo the question crowd the dense pool of a big corpus;
    # the named profile's own chunk with the fact must still be a candidate.
    from dataclasses import replace

    question = "依文集团是哪一年成立的？"
    template = next(c for c in seed_chunks if "1994年" in c.text)
    look_alikes = [
        replace(
            template,
            id=f"news-{i}",
            article_id=f"news-{i}",
            text=f"{question}第{i}条新闻没有答案。",
            header=f"新闻{i}",
            subject=f"新闻{i}",
        )
        for i in range(600)
    ]
    chunks = seed_chunks + look_alikes
    kb = KnowledgeBase(chunks)
    r = Retriever(
        kb,
        DenseSearcher(chunks, fake_embedder),
        fake_embedder,
        seed_settings.replace(retrieval_mode="dense"),
    )
    passages = r.retrieve(question).passages
    assert passages[0].chunk.subject == template.subject
    assert any("1994年" in p.chunk.text for p in passages), [p.chunk.text[:20] for p in passages]


class _ApproximateSearcher(DenseSearcher):
    """An approximate index whose unfiltered pool misses the seed articles (as an IVF pool
    of 100 among 60,000 news chunks can); filtered searches stay exact."""

    def search(self, query_vector, k, article_id=None, subject=None, only=None):  # type: ignore[no-untyped-def]
        if article_id is None and subject is None and only is None:
            hits = super().search(query_vector, len(self.chunks))
            return [(c, s) for c, s in hits if c.article_id.startswith("news-")][:k]
        return super().search(query_vector, k, article_id, subject, only)


def test_a_chunk_found_by_words_but_missed_by_the_vector_pool_is_kept(
    seed_chunks: list, fake_embedder: HashingEmbedder, seed_settings: Settings
) -> None:
    from dataclasses import replace

    template = next(c for c in seed_chunks if "人传人" in c.text)
    news = [
        replace(template, id=f"news-{i}", article_id=f"news-{i}", subject="", header="",
                text=f"第{i}条新闻说的是别的事情。")
        for i in range(600)
    ]  # fmt: skip
    chunks = seed_chunks + news
    r = Retriever(
        KnowledgeBase(chunks), _ApproximateSearcher(chunks, fake_embedder), fake_embedder,
        seed_settings,
    )  # fmt: skip
    passages = r.retrieve("哪天有人在央视说会人传人？").passages
    assert any(p.chunk.id == template.id for p in passages)
    assert all(p.dense_score is not None for p in passages)
