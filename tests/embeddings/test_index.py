"""Opening and searching the chunk index built from the seed articles (fake embedder)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from embeddings import ChunkIndex, build_index, open_index
from embeddings.fake import HashingEmbedder
from profile_qa.errors import IndexCorruptError, IndexMismatchError, IndexNotBuiltError
from profile_qa.settings import Settings

WUHAN_TEAM = "武汉市经济和信息化局新冠肺炎疫情防控专班"


class RenamedEmbedder(HashingEmbedder):
    """Same vectors, another fingerprint: what a retrained or re-prompted model looks like."""

    def __init__(self) -> None:
        super().__init__()
        self.fingerprint = "hashing-bigram-v2-256"


@pytest.fixture
def embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture
def built(settings: Settings, embedder: HashingEmbedder) -> ChunkIndex:
    build_index(settings, embedder, progress=False)
    return open_index(settings, embedder)


@pytest.mark.parametrize("index_type", ["flat", "hnsw", "ivf"])
def test_every_chunk_is_its_own_best_match(
    settings: Settings, embedder: HashingEmbedder, index_type: str
) -> None:
    settings = settings.replace(index_type=index_type)
    build_index(settings, embedder, progress=False)
    index = open_index(settings, embedder)
    assert len(index.chunks) > 20
    for chunk in index.chunks:
        (best, score), *_ = index.search(embedder.embed_query(chunk.indexed_text), k=3)
        assert best.id == chunk.id
        assert score == pytest.approx(1.0, abs=1e-5)


def test_a_chinese_question_finds_the_profile_it_is_about(
    built: ChunkIndex, embedder: HashingEmbedder
) -> None:
    hits = built.search(embedder.embed_query("雷神山医院通电用了几天"), k=3)
    assert hits[0][0].subject == WUHAN_TEAM
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True)


def test_reopening_gives_the_same_chunks_vectors_and_manifest(
    built: ChunkIndex, settings: Settings, embedder: HashingEmbedder
) -> None:
    again = open_index(settings, embedder)
    assert again.chunks == built.chunks
    assert again.manifest == built.manifest
    chunk = built.chunks[7]
    np.testing.assert_allclose(
        again.vector(chunk.id), embedder.embed_passages([chunk.indexed_text])[0], atol=1e-6
    )
    manifest = again.manifest
    assert manifest["counts"] == {"articles": 2, "chunks": len(built.chunks)}
    assert set(manifest["articles"]) == {"000_55cfba9dcf3082ae", "004_cc9c6a30d5e618a3"}
    assert sum(len(a["chunk_ids"]) for a in manifest["articles"].values()) == len(built.chunks)
    assert manifest["model"]["fingerprint"] == embedder.fingerprint
    assert {"faiss-cpu", "numpy", "profile-qa"} <= set(manifest["versions"])


@pytest.mark.parametrize("index_type", ["flat", "hnsw"])
def test_filters_keep_only_that_article_or_subject(
    settings: Settings, embedder: HashingEmbedder, index_type: str
) -> None:
    settings = settings.replace(index_type=index_type)
    build_index(settings, embedder, progress=False)
    index = open_index(settings, embedder)
    query = embedder.embed_query("口罩生产线")
    article_id = "004_cc9c6a30d5e618a3"
    hits = index.search(query, k=5, article_id=article_id)
    assert len(hits) == 5
    assert {c.article_id for c, _ in hits} == {article_id}

    team = [c for c in index.chunks if c.subject == WUHAN_TEAM]
    hits = index.search(query, k=50, subject=WUHAN_TEAM)
    assert sorted(c.id for c, _ in hits) == sorted(c.id for c in team)

    assert index.search(query, k=5, article_id=article_id, subject=WUHAN_TEAM) == []
    assert index.search(query, k=5, article_id="no-such-article") == []


def test_missing_index_tells_the_user_to_build_it(
    settings: Settings, embedder: HashingEmbedder
) -> None:
    with pytest.raises(IndexNotBuiltError, match="run `profile-qa index`"):
        open_index(settings, embedder)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"embedder": RenamedEmbedder()}, "fingerprint"),
        ({"embedder": HashingEmbedder(128)}, "dimension"),
        ({"chunk_size": 200}, "chunk_size"),
        ({"chunk_overlap_sentences": 0}, "chunk_overlap_sentences"),
    ],
)
def test_another_model_or_chunker_is_refused_with_the_rebuild_command(
    built: ChunkIndex,
    settings: Settings,
    embedder: HashingEmbedder,
    change: dict[str, object],
    message: str,
) -> None:
    other = change.pop("embedder", embedder)
    with pytest.raises(IndexMismatchError, match=message) as info:
        open_index(settings.replace(**change), other)  # type: ignore[arg-type]
    assert "profile-qa index --rebuild" in str(info.value)


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("name", ["vectors.faiss", "chunks.sqlite3", "manifest.json"])
def test_a_truncated_file_is_named_with_the_fix(
    built: ChunkIndex, settings: Settings, embedder: HashingEmbedder, name: str
) -> None:
    _truncate(settings.index_dir / name)
    with pytest.raises(IndexCorruptError, match=re.escape(name)) as info:
        open_index(settings, embedder)
    assert "profile-qa index --rebuild" in str(info.value)


def test_a_truncated_vectors_file_is_caught_even_when_the_manifest_agrees(
    built: ChunkIndex, settings: Settings, embedder: HashingEmbedder
) -> None:
    # Someone "repaired" the manifest by hand: faiss itself must still refuse the file.
    from embeddings.index import file_digest

    vectors = settings.index_dir / "vectors.faiss"
    _truncate(vectors)
    manifest_path = settings.index_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["files"]["vectors.faiss"] = file_digest(vectors)
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexCorruptError, match=r"vectors\.faiss"):
        open_index(settings, embedder)


def test_the_index_directory_holds_only_data_formats(built: ChunkIndex, settings: Settings) -> None:
    names = sorted(p.name for p in settings.index_dir.iterdir())
    assert names == ["chunks.sqlite3", "manifest.json", "vectors.faiss"]
    assert (settings.index_dir / "chunks.sqlite3").read_bytes().startswith(b"SQLite format 3")


@pytest.mark.parametrize("index_type", ["flat", "hnsw"])
def test_over_fetching_filters_agree_with_exact_filtering(
    settings: Settings,
    embedder: HashingEmbedder,
    index_type: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import embeddings.index as index_module

    settings = settings.replace(index_type=index_type)
    build_index(settings, embedder, progress=False)
    index = open_index(settings, embedder)
    query = embedder.embed_query("医用防护服产量快速提升")
    exact = index.search(query, k=4, subject=WUHAN_TEAM)
    monkeypatch.setattr(index_module, "_EXACT_FILTER_LIMIT", 0)  # as for a huge corpus
    fetched = index.search(query, k=4, subject=WUHAN_TEAM)
    assert [c.id for c, _ in fetched] == [c.id for c, _ in exact]
    assert all(c.subject == WUHAN_TEAM for c, _ in fetched)


def test_a_manifest_missing_a_chunk_id_is_refused_with_the_fix(
    built: ChunkIndex, settings: Settings, embedder: HashingEmbedder
) -> None:
    manifest_path = settings.index_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    entry = next(iter(manifest["articles"].values()))
    dropped = entry["chunk_ids"].pop()
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexCorruptError, match="disagree") as info:
        open_index(settings, embedder)
    assert dropped in str(info.value) and "profile-qa index --rebuild" in str(info.value)


@pytest.mark.parametrize("index_type", ["flat", "hnsw"])
def test_an_edited_index_saves_in_place_and_opens_as_before(
    settings: Settings, embedder: HashingEmbedder, index_type: str
) -> None:
    # The LangChain store edits the index this way: delete an article, replace one chunk.
    settings = settings.replace(index_type=index_type)
    build_index(settings, embedder, progress=False)
    index = open_index(settings, embedder)
    gone = index.chunks[0].article_id
    kept = [c for c in index.chunks if c.article_id != gone]
    index.delete(c.id for c in index.chunks if c.article_id == gone)
    assert index.chunks == kept and index.article_chunks(gone) == []
    moved = kept[0]
    index.upsert([moved], embedder.embed_passages(["口罩生产线连夜改造"]))
    assert index.chunks[-1] == moved and len(index) == len(kept)
    index.save(settings.index_dir)

    again = open_index(settings, embedder)
    assert [c.id for c in again.chunks] == [c.id for c in index.chunks]
    (best, score), *_ = again.search(embedder.embed_query("口罩生产线连夜改造"), k=1)
    assert best.id == moved.id and score == pytest.approx(1.0, abs=1e-5)
    for chunk in again.chunks[:-1:5]:
        (best, _), *_ = again.search(embedder.embed_query(chunk.indexed_text), k=1)
        assert best.id == chunk.id
