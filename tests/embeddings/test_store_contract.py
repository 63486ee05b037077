"""One contract for both stores: the embedded faiss files and PostgreSQL + pgvector.

Every test here runs against each store (the PostgreSQL ones against a real server, see
tests/pg.py): adding articles, searching, deleting, reopening, incremental updates and
mismatch errors must behave the same, and both stores must give the same results.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from embeddings import build_index, open_index
from embeddings.fake import HashingEmbedder
from profile_qa.errors import IndexMismatchError, IndexNotBuiltError
from profile_qa.settings import Settings

FIRST, SECOND = "000_55cfba9dcf3082ae", "004_cc9c6a30d5e618a3"


class CountingEmbedder(HashingEmbedder):
    """The fake embedder, remembering every passage it was asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded: list[str] = []

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded.extend(texts)
        return super().embed_passages(texts)


@pytest.fixture
def articles(tmp_path: Path, seed_articles_dir: Path) -> Path:
    folder = tmp_path / "articles"
    shutil.copytree(seed_articles_dir, folder)
    return folder


@pytest.fixture(params=["faiss", pytest.param("pgvector", marks=pytest.mark.slow)])
def store(request: pytest.FixtureRequest, settings: Settings, articles: Path) -> Settings:
    """Settings for one store over a private copy of the seed articles."""
    local = settings.replace(articles_dir=articles)
    if request.param == "pgvector":
        url = request.getfixturevalue("pg_url")
        return local.replace(store="pgvector", database_url=url)
    return local


def test_nothing_indexed_yet_says_run_index(store: Settings) -> None:
    with pytest.raises(IndexNotBuiltError, match="profile-qa index"):
        open_index(store, HashingEmbedder())


def test_added_articles_are_found_by_their_own_words(store: Settings) -> None:
    embedder = CountingEmbedder()
    report = build_index(store, embedder, progress=False)
    index = open_index(store, embedder)
    assert report.added == (FIRST, SECOND) and report.written
    assert report.chunks == len(index) == len(embedder.embedded)
    for chunk in index.chunks[::7]:
        (best, score), *_ = index.search(embedder.embed_query(chunk.indexed_text), k=3)
        assert best.id == chunk.id and score == pytest.approx(1.0, abs=1e-4)


def test_search_filters_by_article_and_subject(store: Settings) -> None:
    embedder = HashingEmbedder()
    build_index(store, embedder, progress=False)
    index = open_index(store, embedder)
    query = embedder.embed_query("雷神山医院网络覆盖")
    only_second = index.search(query, k=5, article_id=SECOND)
    assert only_second and {c.article_id for c, _ in only_second} == {SECOND}
    subject = index.chunks[-1].subject
    assert {c.subject for c, _ in index.search(query, k=50, subject=subject)} == {subject}
    scores = [s for _, s in index.search(query, k=10)]
    assert scores == sorted(scores, reverse=True)


def test_search_scores_exactly_the_chunks_asked_for(store: Settings) -> None:
    # Retrieval asks for the dense scores of the chunks BM25 found outside the vector pool.
    embedder = HashingEmbedder()
    build_index(store, embedder, progress=False)
    index = open_index(store, embedder)
    query = embedder.embed_query("雷神山医院网络覆盖")
    everything = {c.id: s for c, s in index.search(query, k=len(index.chunks))}
    wanted = [c.id for c in index.chunks[::9]]
    hits = index.search(query, k=len(wanted), only=wanted)
    assert sorted(c.id for c, _ in hits) == sorted(wanted)
    for chunk, score in hits:
        assert score == pytest.approx(everything[chunk.id], abs=1e-4)


def test_deleted_and_changed_articles_are_gone_after_an_update(
    store: Settings, articles: Path
) -> None:
    embedder = CountingEmbedder()
    build_index(store, embedder, progress=False)
    old_second = {c.id for c in open_index(store, embedder).article_chunks(SECOND)}
    first = articles / f"{FIRST}.txt"
    first.write_text(
        first.read_text(encoding="utf-8") + "\n补充：专班全体成员获得嘉奖。\n", encoding="utf-8"
    )
    (articles / f"{SECOND}.txt").unlink()
    embedder.embedded.clear()

    report = build_index(store, embedder, progress=False)
    index = open_index(store, embedder)
    assert (report.changed, report.removed, report.added) == ((FIRST,), (SECOND,), ())
    assert sorted(embedder.embedded) == sorted(c.indexed_text for c in index.chunks)
    assert not old_second & {c.id for c in index.chunks}
    assert SECOND not in index.manifest["articles"]
    (best, _), *_ = index.search(embedder.embed_query("专班全体成员获得嘉奖"), k=1)
    assert "嘉奖" in best.text


def test_reopening_gives_the_same_index(store: Settings) -> None:
    embedder = CountingEmbedder()
    build_index(store, embedder, progress=False)
    first = open_index(store, embedder)
    embedder.embedded.clear()
    again = build_index(store, embedder, progress=False)
    second = open_index(store, embedder)
    assert not again.written and embedder.embedded == []
    assert second.chunks == first.chunks
    query = embedder.embed_query("通信保障")
    assert [c.id for c, _ in second.search(query, 5)] == [c.id for c, _ in first.search(query, 5)]
    ids = [c.id for c in first.chunks[:3]]
    np.testing.assert_allclose(second.vectors(ids), first.vectors(ids), atol=1e-6)


def test_another_model_asks_for_a_rebuild(store: Settings) -> None:
    build_index(store, HashingEmbedder(), progress=False)
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        open_index(store, HashingEmbedder(dimension=128))
    report = build_index(store, HashingEmbedder(dimension=128), rebuild=True, progress=False)
    assert report.written and open_index(store, HashingEmbedder(dimension=128)).dimension == 128


@pytest.mark.slow
def test_both_stores_hold_the_same_chunks_in_the_same_order_and_rank_alike(
    settings: Settings, articles: Path, pg_url: str
) -> None:
    embedder = HashingEmbedder()
    embedded = settings.replace(articles_dir=articles)
    shared = embedded.replace(store="pgvector", database_url=pg_url)
    build_index(embedded, embedder, progress=False)
    build_index(shared, embedder, progress=False)
    faiss_index, pg_index = open_index(embedded, embedder), open_index(shared, embedder)
    assert pg_index.chunks == faiss_index.chunks
    for question in ("雷神山医院网络覆盖", "防护服生产线", "专班获得什么荣誉"):
        query = embedder.embed_query(question)
        want = faiss_index.search(query, len(faiss_index))
        got = pg_index.search(query, len(pg_index))
        assert [c.id for c, _ in got] == [c.id for c, _ in want]
        np.testing.assert_allclose([s for _, s in got], [s for _, s in want], atol=1e-5)


# --- the LangChain vector stores: ChunkVectorStore (faiss) and PgVectorStore ---------------

DOCS = [
    ("协调发供电企业高效完成91个防疫用户配套电力工程，五天五夜为雷神山医院通电。", "000", "甲"),
    ("迅速建立紧缺物资战时保障机制，协调捐赠负压救护车329辆。", "000", "甲"),
    ("口罩生产线连夜改造，日产能提升到一百万只。", "004", "乙"),
    ("通信企业36小时完成雷神山医院4G/5G网络覆盖。", "004", "丙"),
]


class _Reopenable:
    """A LangChain store plus how to open it again (save/load, or a new connection)."""

    def __init__(self, kind: str, tmp_path: Path, url: str = "") -> None:
        from embeddings import ChunkVectorStore, LangChainEmbeddings

        self.kind, self.tmp_path, self.url = kind, tmp_path, url
        self.embeddings = LangChainEmbeddings(HashingEmbedder())
        if kind == "pgvector":
            from embeddings.pgvectorstore import PgVectorStore

            self.store = PgVectorStore(self.embeddings, url, collection="contract")
        else:
            self.store = ChunkVectorStore(self.embeddings)

    def reopen(self) -> object:
        from embeddings import ChunkVectorStore

        if self.kind == "pgvector":
            from embeddings.pgvectorstore import PgVectorStore

            return PgVectorStore(self.embeddings, self.url, collection="contract")
        self.store.save(self.tmp_path / "vs")
        return ChunkVectorStore.load(self.tmp_path / "vs", self.embeddings)


@pytest.fixture(params=["faiss", pytest.param("pgvector", marks=pytest.mark.slow)])
def lc(request: pytest.FixtureRequest, tmp_path: Path) -> _Reopenable:
    url = request.getfixturevalue("pg_url") if request.param == "pgvector" else ""
    holder = _Reopenable(request.param, tmp_path, url)
    holder.store.add_texts(
        [t for t, _, _ in DOCS],
        [{"article_id": a, "subject": s} for _, a, s in DOCS],
        ids=["a", "b", "c", "d"],
    )
    return holder


def test_langchain_search_ranks_by_cosine_similarity(lc: _Reopenable) -> None:
    hits = lc.store.similarity_search_with_score("为雷神山医院通电的配套电力工程", k=4)
    assert hits[0][0].id == "a"
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True)
    exact = lc.store.similarity_search_with_score(DOCS[2][0], k=1)
    assert exact[0][0].id == "c" and exact[0][1] == pytest.approx(1.0, abs=1e-5)
    for _, score in lc.store.similarity_search_with_relevance_scores("雷神山医院", k=4):
        assert 0.0 <= score <= 1.0


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ({"article_id": "004"}, {"c", "d"}),
        ({"article_id": "000", "subject": "甲"}, {"a", "b"}),
        ({"subject": "不存在的单位"}, set()),
        ({"no_such_key": "x"}, set()),
    ],
)
def test_langchain_metadata_filter_is_dict_equality(
    lc: _Reopenable, where: dict[str, str], expected: set[str]
) -> None:
    assert {d.id for d in lc.store.similarity_search("雷神山医院", k=10, filter=where)} == expected


def test_langchain_upsert_delete_and_reopen(lc: _Reopenable) -> None:
    lc.store.add_texts(["旧的文本", "新的文本"], ids=["x", "x"])
    assert lc.store.get_by_ids(["x"])[0].page_content == "新的文本"
    lc.store.delete(["b", "no-such-id"])
    assert [d.id for d in lc.store.get_by_ids(["a", "b", "c"])] == ["a", "c"]
    again = lc.reopen()
    assert [d.id for d in again.get_by_ids(["a", "b", "c", "d", "x"])] == ["a", "c", "d", "x"]
    query = "通信企业网络覆盖"
    assert [d.id for d in again.similarity_search(query, k=3)] == [
        d.id for d in lc.store.similarity_search(query, k=3)
    ]


@pytest.mark.slow
def test_two_langchain_stores_on_one_collection_see_each_others_writes(pg_url: str) -> None:
    from embeddings import LangChainEmbeddings
    from embeddings.pgvectorstore import PgVectorStore

    embeddings = LangChainEmbeddings(HashingEmbedder())
    one = PgVectorStore(embeddings, pg_url, collection="shared")
    two = PgVectorStore(embeddings, pg_url, collection="shared")
    try:
        one.add_texts([t for t, _, _ in DOCS[:2]], ids=["a", "b"])
        two.add_texts([t for t, _, _ in DOCS[2:]], ids=["c", "d"])  # not over a stale view
        one.delete(["a"])
        for store in (one, two):
            assert [d.id for d in store.get_by_ids(["a", "b", "c", "d"])] == ["b", "c", "d"]
            assert store.similarity_search(DOCS[3][0], k=1)[0].id == "d"
    finally:
        one.close()
        two.close()
