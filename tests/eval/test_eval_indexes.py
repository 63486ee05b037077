"""Each articles folder evaluated gets its own index, keyed by the folder, reused next time."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from embeddings import load_embedder
from eval.indexes import ensure_eval_index, eval_index_settings, index_key
from profile_qa.settings import Settings, load_settings

UNSEEN = Path(__file__).resolve().parents[2] / "eval" / "fixtures" / "unseen" / "articles"


@pytest.mark.parametrize(
    ("folder", "slug"),
    [
        ("benchmarks/cmrc2018/articles", "cmrc2018-articles-"),
        ("benchmarks/drcd/articles", "drcd-articles-"),
        ("我的文章/新闻", "articles-"),  # nothing ASCII left: a plain slug
        ("docs/profiles 2024", "docs-profiles-2024-"),
    ],
)
def test_the_key_is_a_readable_slug_and_a_path_hash(tmp_path: Path, folder: str, slug: str) -> None:
    key = index_key(tmp_path / folder)
    assert key.startswith(slug) and len(key) == len(slug) + 10
    assert key == index_key(tmp_path / folder / ".." / Path(folder).name)  # resolved first


def test_two_folders_with_the_same_name_get_two_indexes(tmp_path: Path) -> None:
    assert index_key(tmp_path / "a" / "articles") != index_key(tmp_path / "b" / "articles")
    for name, text in (("a", "甲"), ("b", "乙乙")):
        (tmp_path / name / "articles").mkdir(parents=True)
        (tmp_path / name / "articles" / "x.txt").write_text(text, encoding="utf-8")
    assert index_key(tmp_path / "a" / "articles") != index_key(tmp_path / "b" / "articles")


def test_a_copy_of_a_folder_reuses_its_index(tmp_path: Path) -> None:
    # CI evaluates a fresh clone next to a copy of the benchmarks: no rebuild for a new path.
    copy = tmp_path / "clone" / "unseen" / "articles"
    shutil.copytree(UNSEEN, copy)
    assert index_key(copy) == index_key(UNSEEN)


def test_only_the_index_moves_under_the_data_directory(settings: Settings, tmp_path: Path) -> None:
    moved = eval_index_settings(settings, tmp_path / "bench" / "articles")
    assert moved.articles_dir == (tmp_path / "bench" / "articles").resolve()
    assert moved.index_dir.parent.parent == settings.data_dir / "eval-indexes"
    assert moved.index_dir != settings.index_dir
    assert (moved.top_k, moved.embedding_model) == (settings.top_k, settings.embedding_model)


def test_the_index_is_built_once_then_updated_incrementally(tmp_path: Path) -> None:
    settings = load_settings(env={}, data_dir=tmp_path / "data", embedding_model="fake:hashing-64")
    embedder = load_embedder(settings)
    folder = tmp_path / "articles"
    shutil.copytree(UNSEEN, folder)
    (folder / "volunteer.txt").unlink()
    messages: list[str] = []

    first_settings, first = ensure_eval_index(settings, embedder, folder, notify=messages.append)
    assert {c.source_file for c in first.chunks} == {
        "hospital.txt",
        "power-crew.txt",
        "ventilator.txt",
    }
    assert len(messages) == 1 and "chunks embedded" in messages[0]

    _, again = ensure_eval_index(settings, embedder, folder, notify=messages.append)
    assert len(messages) == 1  # up to date: nothing embedded, nothing said
    assert len(again) == len(first)

    shutil.copy(UNSEEN / "volunteer.txt", folder)
    _, grown = ensure_eval_index(settings, embedder, folder, notify=messages.append)
    assert "volunteer.txt" in {c.source_file for c in grown.chunks}
    assert first_settings.index_dir.is_dir() and not settings.index_dir.exists()
