"""ChunkVectorStore beyond the standard suite: filters, save/load, the chunk index bridge."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.documents import Document

from embeddings import ChunkVectorStore, LangChainEmbeddings, build_index, open_index
from embeddings.fake import HashingEmbedder
from embeddings.vectorstore import chunk_from_document
from profile_qa.errors import IndexCorruptError, IndexMismatchError, IndexNotBuiltError
from profile_qa.settings import Settings

PROFILES = [
    (
        "协调发供电企业高效完成91个防疫用户配套电力工程，五天五夜为雷神山医院通电。",
        {"article_id": "000", "subject": "武汉市经济和信息化局"},
    ),
    (
        "迅速建立紧缺物资战时保障机制，协调捐赠负压救护车329辆。",
        {"article_id": "000", "subject": "武汉市经济和信息化局"},
    ),
    ("口罩生产线连夜改造，日产能提升到一百万只。", {"article_id": "004", "subject": "某口罩企业"}),
    ("通信企业36小时完成雷神山医院4G/5G网络覆盖。", {"article_id": "004", "subject": "某通信企业"}),
]


@pytest.fixture
def lc_embeddings() -> LangChainEmbeddings:
    return LangChainEmbeddings(HashingEmbedder())


@pytest.fixture
def store(lc_embeddings: LangChainEmbeddings) -> ChunkVectorStore:
    texts = [t for t, _ in PROFILES]
    metadatas = [m for _, m in PROFILES]
    return ChunkVectorStore.from_texts(texts, lc_embeddings, metadatas, ids=["a", "b", "c", "d"])


def test_search_ranks_by_cosine_similarity(store: ChunkVectorStore) -> None:
    hits = store.similarity_search_with_score("为雷神山医院通电的配套电力工程", k=4)
    assert hits[0][0].id == "a"
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(-1.0 <= s <= 1.0 + 1e-6 for s in scores)
    exact = store.similarity_search_with_score(PROFILES[2][0], k=1)
    assert exact[0][0].id == "c" and exact[0][1] == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        ({"article_id": "004"}, {"c", "d"}),
        ({"article_id": "000", "subject": "武汉市经济和信息化局"}, {"a", "b"}),
        ({"subject": "某通信企业"}, {"d"}),
        ({"subject": "不存在的单位"}, set()),
        ({"no_such_key": "x"}, set()),
    ],
)
def test_metadata_filter_is_dict_equality(
    store: ChunkVectorStore, filter: dict[str, str], expected: set[str]
) -> None:
    docs = store.similarity_search("雷神山医院", k=10, filter=filter)
    assert {d.id for d in docs} == expected


def test_a_callable_filter_and_mmr_work(store: ChunkVectorStore) -> None:
    docs = store.similarity_search("医院", k=10, filter=lambda d: "口罩" in d.page_content)
    assert [d.id for d in docs] == ["c"]
    mmr = store.max_marginal_relevance_search("为雷神山医院通电的配套电力工程", k=2, fetch_k=4)
    assert len(mmr) == 2 and mmr[0].id == "a"


def test_relevance_scores_are_between_zero_and_one(store: ChunkVectorStore) -> None:
    for _, score in store.similarity_search_with_relevance_scores("雷神山医院", k=4):
        assert 0.0 <= score <= 1.0


def test_upsert_in_one_call_keeps_the_last_text(lc_embeddings: LangChainEmbeddings) -> None:
    store = ChunkVectorStore(lc_embeddings)
    store.add_texts(["旧的文本", "新的文本"], ids=["x", "x"])
    assert len(store) == 1
    assert store.get_by_ids(["x"])[0].page_content == "新的文本"


def test_save_and_load_round_trip(
    store: ChunkVectorStore, lc_embeddings: LangChainEmbeddings, tmp_path: Path
) -> None:
    store.delete(["b"])
    store.save(tmp_path / "vs")
    loaded = ChunkVectorStore.load(tmp_path / "vs", lc_embeddings)
    assert len(loaded) == 3
    assert loaded.get_by_ids(["a", "c", "d"]) == store.get_by_ids(["a", "c", "d"])
    query = "雷神山医院网络覆盖"
    assert loaded.similarity_search_with_score(query, k=3) == store.similarity_search_with_score(
        query, k=3
    )
    new_ids = loaded.add_texts(["新增一条"], metadatas=[{"article_id": "009"}])
    assert loaded.similarity_search("新增一条", k=1)[0].id == new_ids[0]
    assert [p.name for p in tmp_path.iterdir()] == ["vs"]


def test_an_empty_store_saves_and_loads(lc_embeddings: LangChainEmbeddings, tmp_path: Path) -> None:
    ChunkVectorStore(lc_embeddings).save(tmp_path / "vs")
    loaded = ChunkVectorStore.load(tmp_path / "vs", lc_embeddings)
    assert loaded.similarity_search("口罩", k=1) == []


def test_loading_a_damaged_or_missing_store_names_the_problem(
    store: ChunkVectorStore, lc_embeddings: LangChainEmbeddings, tmp_path: Path
) -> None:
    with pytest.raises(IndexNotBuiltError):
        ChunkVectorStore.load(tmp_path / "nothing", lc_embeddings)
    store.save(tmp_path / "vs")
    vectors = tmp_path / "vs" / "vectors.faiss"
    vectors.write_bytes(vectors.read_bytes()[:100])
    with pytest.raises(IndexCorruptError, match=r"vectors\.faiss"):
        ChunkVectorStore.load(tmp_path / "vs", lc_embeddings)


def test_metadata_that_is_not_json_is_refused_at_save(
    lc_embeddings: LangChainEmbeddings, tmp_path: Path
) -> None:
    store = ChunkVectorStore(lc_embeddings)
    store.add_documents([Document(page_content="口罩", metadata={"when": object()})], ids=["m"])
    with pytest.raises(ValueError, match="'m'"):
        store.save(tmp_path / "vs")
    assert not (tmp_path / "vs").exists()


def test_a_built_chunk_index_becomes_a_retriever_without_re_embedding(
    settings: Settings,
) -> None:
    embedder = HashingEmbedder()
    build_index(settings, embedder, progress=False)
    index = open_index(settings, embedder)
    store = ChunkVectorStore.from_chunk_index(index, LangChainEmbeddings(embedder))
    assert len(store) == len(index.chunks)

    question = "雷神山医院通电用了几天"
    expected = index.search(embedder.embed_query(question), k=4)
    retriever = store.as_retriever(search_kwargs={"k": 4})
    docs = retriever.invoke(question)
    assert [chunk_from_document(d) for d in docs] == [c for c, _ in expected]

    article_id = "004_cc9c6a30d5e618a3"
    docs = store.similarity_search(question, k=3, filter={"article_id": article_id})
    assert len(docs) == 3 and {chunk_from_document(d).article_id for d in docs} == {article_id}


def test_a_chunk_index_refuses_embeddings_of_another_model(settings: Settings) -> None:
    embedder = HashingEmbedder()
    build_index(settings, embedder, progress=False)
    index = open_index(settings, embedder)
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        ChunkVectorStore.from_chunk_index(index, LangChainEmbeddings(HashingEmbedder(128)))


def test_the_store_and_the_product_index_share_one_format(
    settings: Settings, tmp_path: Path
) -> None:
    # The folder `profile-qa index` writes opens as a store; a saved store opens as an index.
    embedder = HashingEmbedder()
    build_index(settings, embedder, progress=False)
    lc = LangChainEmbeddings(embedder)
    store = ChunkVectorStore.load(settings.index_dir, lc)
    index = open_index(settings, embedder)
    question = "雷神山医院通电用了几天"
    expected = [c.id for c, _ in index.search(embedder.embed_query(question), k=4)]
    assert [d.id for d in store.similarity_search(question, k=4)] == expected

    store.delete([expected[0]])
    store.save(tmp_path / "edited" / "index")
    again = open_index(settings.replace(data_dir=tmp_path / "edited"), embedder)
    assert expected[0] not in again and len(again) == len(index) - 1
    assert [c.id for c, _ in again.search(embedder.embed_query(question), k=3)] == expected[1:]
