"""Building and updating the index: incremental by content hash, atomic, with clear errors."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from embeddings import build_index, open_index
from embeddings.build import IndexBusyError
from embeddings.fake import HashingEmbedder
from profile_qa.errors import EmptyCorpusError, IndexMismatchError
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


class FailingEmbedder(HashingEmbedder):
    """Dies after a few batches, like a build killed half way."""

    def __init__(self, batches: int) -> None:
        super().__init__()
        self.left = batches

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.left -= 1
        if self.left < 0:
            raise KeyboardInterrupt
        return super().embed_passages(texts)


@pytest.fixture
def articles(tmp_path: Path, seed_articles_dir: Path) -> Path:
    folder = tmp_path / "articles"
    shutil.copytree(seed_articles_dir, folder)
    return folder


@pytest.fixture
def local(settings: Settings, articles: Path) -> Settings:
    return settings.replace(articles_dir=articles)


def _leftovers(settings: Settings) -> list[str]:
    return sorted(p.name for p in settings.data_dir.iterdir() if p.name != ".index.lock")


def test_first_build_embeds_every_chunk_and_reports_it(local: Settings) -> None:
    embedder = CountingEmbedder()
    report = build_index(local, embedder, progress=False)
    index = open_index(local, embedder)
    assert report.added == (FIRST, SECOND)
    assert (report.changed, report.removed, report.unchanged) == ((), (), ())
    assert report.chunks == report.embedded_chunks == len(index.chunks) == len(embedder.embedded)
    assert report.written and report.index_dir == local.index_dir
    assert _leftovers(local) == ["index"]


def test_update_embeds_only_new_and_changed_articles_and_drops_removed(
    local: Settings, articles: Path
) -> None:
    embedder = CountingEmbedder()
    build_index(local, embedder, progress=False)
    before = open_index(local, embedder)
    old_second = {c.id for c in before.article_chunks(SECOND)}

    first = articles / f"{FIRST}.txt"
    first.write_text(
        first.read_text(encoding="utf-8") + "\n补充：专班全体成员获得嘉奖。\n", encoding="utf-8"
    )
    shutil.copy(articles / f"{SECOND}.txt", articles / "009_copy_of_second.txt")
    (articles / f"{SECOND}.txt").unlink()
    embedder.embedded.clear()

    report = build_index(local, embedder, progress=False)
    after = open_index(local, embedder)

    assert report.changed == (FIRST,)
    assert report.added == ("009_copy_of_second",)
    assert report.removed == (SECOND,)
    fresh = after.article_chunks(FIRST) + after.article_chunks("009_copy_of_second")
    assert sorted(embedder.embedded) == sorted(c.indexed_text for c in fresh)
    assert report.embedded_chunks == len(fresh)
    assert not old_second & {c.id for c in after.chunks}
    assert SECOND not in after.manifest["articles"]
    hits = after.search(embedder.embed_query("专班全体成员获得嘉奖"), k=1)
    assert "嘉奖" in hits[0][0].text


def test_unchanged_articles_keep_their_vectors_without_re_embedding(
    local: Settings, articles: Path
) -> None:
    embedder = CountingEmbedder()
    build_index(local, embedder, progress=False)
    kept = open_index(local, embedder).article_chunks(SECOND)
    (articles / f"{FIRST}.txt").unlink()
    embedder.embedded.clear()

    report = build_index(local, embedder, progress=False)
    index = open_index(local, embedder)
    assert embedder.embedded == []
    assert report.unchanged == (SECOND,) and report.removed == (FIRST,)
    assert index.chunks == kept
    for chunk in kept:
        (best, _), *_ = index.search(embedder.embed_query(chunk.indexed_text), k=1)
        assert best.id == chunk.id


def test_nothing_changed_means_nothing_written(local: Settings) -> None:
    embedder = CountingEmbedder()
    build_index(local, embedder, progress=False)
    stamp = (local.index_dir / "manifest.json").stat().st_mtime_ns
    embedder.embedded.clear()
    report = build_index(local, embedder, progress=False)
    assert not report.written and embedder.embedded == []
    assert report.unchanged == (FIRST, SECOND)
    assert (local.index_dir / "manifest.json").stat().st_mtime_ns == stamp


def test_rebuild_starts_from_scratch(local: Settings) -> None:
    embedder = CountingEmbedder()
    first = build_index(local, embedder, progress=False)
    embedder.embedded.clear()
    report = build_index(local, embedder, rebuild=True, progress=False)
    assert report.added == (FIRST, SECOND)
    assert len(embedder.embedded) == first.chunks


def test_switching_index_type_reuses_the_vectors(local: Settings) -> None:
    embedder = CountingEmbedder()
    build_index(local, embedder, progress=False)
    embedder.embedded.clear()
    hnsw = local.replace(index_type="hnsw")
    report = build_index(hnsw, embedder, progress=False)
    assert report.written and report.index_type == "hnsw" and embedder.embedded == []
    assert open_index(hnsw, embedder).index_type == "hnsw"


def test_ivf_on_a_small_corpus_falls_back_to_exact_search_with_a_note(local: Settings) -> None:
    report = build_index(local.replace(index_type="ivf"), HashingEmbedder(), progress=False)
    assert report.index_type == "flat"
    assert any("ivf" in note for note in report.notes)


def test_changed_chunk_settings_on_update_ask_for_rebuild(local: Settings) -> None:
    embedder = HashingEmbedder()
    first = build_index(local, embedder, progress=False)
    smaller = local.replace(chunk_size=120)
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        build_index(smaller, embedder, progress=False)
    report = build_index(smaller, embedder, rebuild=True, progress=False)
    assert open_index(smaller, embedder).manifest["chunker"]["chunk_size"] == 120
    assert report.chunks > first.chunks


def test_an_empty_folder_is_an_empty_corpus(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(EmptyCorpusError, match="no article"):
        build_index(
            settings.replace(articles_dir=tmp_path / "empty"), HashingEmbedder(), progress=False
        )


def test_skipped_files_are_reported(local: Settings, articles: Path) -> None:
    (articles / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    report = build_index(local, HashingEmbedder(), progress=False)
    assert [Path(s.path).name for s in report.skipped] == ["photo.jpg"]


def test_a_build_that_dies_half_way_leaves_the_old_index(local: Settings, articles: Path) -> None:
    embedder = HashingEmbedder()
    build_index(local, embedder, progress=False)
    before = open_index(local, embedder).chunks
    news = "".join(f"第{i}项新的抗疫事迹。" for i in range(400))
    (articles / f"{FIRST}.txt").write_text(f"新的标题\n\n{news}\n", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        build_index(
            local.replace(embedding_batch_size=2), FailingEmbedder(batches=2), progress=False
        )
    assert open_index(local, embedder).chunks == before
    assert _leftovers(local) == ["index"]


def test_a_crash_between_the_two_renames_is_readable_and_recovered(
    local: Settings, articles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import embeddings._atomic as atomic

    embedder = HashingEmbedder()
    build_index(local, embedder, progress=False)
    before = open_index(local, embedder).chunks
    (articles / f"{SECOND}.txt").unlink()
    real_rename = atomic.os.rename
    calls: list[str] = []

    def rename_then_die(src: Path, dst: Path) -> None:
        calls.append(Path(dst).name)
        if len(calls) == 2:  # old index moved aside, new one not yet in place
            raise KeyboardInterrupt
        real_rename(src, dst)

    monkeypatch.setattr(atomic.os, "rename", rename_then_die)
    with pytest.raises(KeyboardInterrupt):
        build_index(local, embedder, progress=False)
    monkeypatch.setattr(atomic.os, "rename", real_rename)

    assert not local.index_dir.exists()
    assert open_index(local, embedder).chunks == before  # read from the backup
    report = build_index(local, embedder, progress=False)
    assert report.removed == (SECOND,) and report.unchanged == (FIRST,)
    assert _leftovers(local) == ["index"]


def test_two_builds_at_once_are_refused(local: Settings) -> None:
    import fcntl

    local.data_dir.mkdir(parents=True)
    with (local.data_dir / ".index.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        with pytest.raises(IndexBusyError, match="another `profile-qa index`"):
            build_index(local, HashingEmbedder(), progress=False)


def test_an_ivf_index_is_built_searched_and_updated_from_its_stored_vectors(
    local: Settings, articles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import embeddings._ann as ann

    monkeypatch.setattr(ann, "IVF_MIN_VECTORS", 10)  # the seeds are far below the real floor
    ivf = local.replace(index_type="ivf")
    embedder = CountingEmbedder()
    report = build_index(ivf, embedder, progress=False)
    assert report.index_type == "ivf" and not report.notes
    index = open_index(ivf, embedder)
    assert index.manifest["index"]["params"]["nprobe"] >= 1
    for chunk in index.chunks[:10]:
        (best, _), *_ = index.search(embedder.embed_query(chunk.indexed_text), k=1)
        assert best.id == chunk.id

    (articles / f"{FIRST}.txt").unlink()
    embedder.embedded.clear()
    assert build_index(ivf, embedder, progress=False).removed == (FIRST,)
    assert embedder.embedded == []  # the kept article's vectors came out of the IVF file
    kept = open_index(ivf, embedder)
    chunk = kept.chunks[3]
    (best, score), *_ = kept.search(embedder.embed_query(chunk.indexed_text), k=1)
    assert best.id == chunk.id and score == pytest.approx(1.0, abs=1e-5)


def test_a_run_embedding_many_chunks_warns_first_with_the_expected_time(
    settings: Settings,
) -> None:
    warnings: list[str] = []
    few = settings.replace(index_warn_chunks=5, embedding_batch_size=4)
    report = build_index(few, HashingEmbedder(), progress=False, warn=warnings.append)
    assert len(warnings) == 1
    assert f"embeds {report.embedded_chunks} chunks" in warnings[0]
    assert "index_warn_chunks=5" in warnings[0] and "takes about" in warnings[0]
    quiet: list[str] = []
    build_index(settings, HashingEmbedder(), rebuild=True, progress=False, warn=quiet.append)
    assert quiet == []  # the seeds are far below the default threshold
