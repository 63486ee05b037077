"""``profile-qa index`` end to end: summary, errors, a SIGKILL mid-build, the real model."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from embeddings import open_index
from embeddings.fake import HashingEmbedder
from profile_qa.cli import main
from profile_qa.settings import Settings

FAKE = "fake:hashing-256"


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROFILE_QA_EMBEDDING_MODEL", FAKE)


def _index(*args: str) -> Any:
    return CliRunner().invoke(main, ["index", "--no-progress", *args])


def test_index_prints_a_summary_then_reports_up_to_date(
    fake_model: None, settings: Settings
) -> None:
    first = _index()
    assert first.exit_code == 0, first.output
    assert "2 added, 0 changed, 0 removed, 0 unchanged" in first.output
    assert str(settings.index_dir) in first.output
    assert "chunks/s" in first.output
    again = _index()
    assert again.exit_code == 0 and "Up to date" in again.output
    rebuilt = _index("--rebuild")
    assert rebuilt.exit_code == 0 and "2 added" in rebuilt.output


def test_index_lists_skipped_files_and_uses_articles_option(
    fake_model: None, tmp_path: Path, seed_articles_dir: Path
) -> None:
    folder = tmp_path / "mine"
    shutil.copytree(seed_articles_dir, folder)
    (folder / "scan.jpg").write_bytes(b"\xff\xd8\xff")
    result = _index("--articles", str(folder))
    assert result.exit_code == 0, result.output
    assert "Skipped 1 file(s):" in result.output and "scan.jpg" in result.output


def test_changed_chunk_settings_tell_the_user_to_rebuild(
    fake_model: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _index().exit_code == 0
    monkeypatch.setenv("PROFILE_QA_CHUNK_SIZE", "120")
    refused = _index()
    assert refused.exit_code == 1
    assert "profile-qa index --rebuild" in refused.output
    assert _index("--rebuild").exit_code == 0


def test_an_empty_folder_is_an_error_not_an_empty_index(fake_model: None, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = _index("--articles", str(tmp_path / "empty"))
    assert result.exit_code == 1 and "no article" in result.output


def _big_corpus(folder: Path, seeds: Path, copies: int) -> None:
    folder.mkdir()
    for i in range(copies):
        for seed in sorted(seeds.glob("*.txt")):
            text = seed.read_text(encoding="utf-8")
            (folder / f"{i:04d}_{seed.stem}.txt").write_text(
                text.replace("抗疫", f"抗疫{i}"), encoding="utf-8"
            )


def test_killing_index_mid_build_leaves_the_old_index_whole(
    settings: Settings, tmp_path: Path, seed_articles_dir: Path
) -> None:
    embedder = HashingEmbedder()
    env = {
        **os.environ,
        "PROFILE_QA_EMBEDDING_MODEL": FAKE,
        "PROFILE_QA_DATA_DIR": str(settings.data_dir),
        # Run outside a checkout: the default would be the (empty) user data folder.
        "PROFILE_QA_ARTICLES_DIR": str(seed_articles_dir),
    }
    command = [sys.executable, "-m", "profile_qa", "index", "--no-progress"]
    subprocess.run(command, env=env, cwd=tmp_path, check=True, capture_output=True)
    before = open_index(settings, embedder).chunks

    # A corpus large enough that embedding it with the fake model takes several seconds.
    _big_corpus(tmp_path / "big", seed_articles_dir, copies=200)
    build = subprocess.Popen(
        [*command, "--articles", str(tmp_path / "big")],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    temp = settings.data_dir / f".index.tmp-{build.pid}"
    deadline = time.monotonic() + 60
    while not temp.exists() and build.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)  # into chunking/embedding
    assert build.poll() is None, "the build finished before it could be killed"
    assert temp.exists()
    build.send_signal(signal.SIGKILL)
    build.wait(timeout=30)
    build.stdout.close()  # type: ignore[union-attr]
    build.stderr.close()  # type: ignore[union-attr]

    index = open_index(settings, embedder)
    assert index.chunks == before
    for chunk in before[:5]:
        (best, _), *_ = index.search(embedder.embed_query(chunk.indexed_text), k=1)
        assert best.id == chunk.id

    # The next run cleans up what the killed one left and finds nothing to do.
    result = subprocess.run(
        command, env=env, cwd=tmp_path, check=True, capture_output=True, text=True
    )
    assert "Up to date" in result.stdout
    assert sorted(p.name for p in settings.data_dir.iterdir()) == [".index.lock", "index"]


@pytest.mark.slow
def test_the_real_model_indexes_the_seeds_end_to_end(
    real_embedder: Any,
    model_cache_dir: Path,
    tmp_path: Path,
    settings: Settings,
    seed_articles_dir: Path,
) -> None:
    # The session's model cache, so this test does not convert the model again.
    env = {
        **os.environ,
        "PROFILE_QA_DATA_DIR": str(settings.data_dir),
        "PROFILE_QA_MODEL_CACHE_DIR": str(model_cache_dir),
        # Run outside a checkout: the default would be the (empty) user data folder.
        "PROFILE_QA_ARTICLES_DIR": str(seed_articles_dir),
    }
    result = subprocess.run(
        [sys.executable, "-m", "profile_qa", "index", "--no-progress"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "2 added" in result.stdout

    index = open_index(settings, real_embedder)
    assert index.manifest["model"]["id"] == real_embedder.model_id
    hits = index.search(real_embedder.embed_query("谁为雷神山医院通电？"), k=3)
    assert any("雷神山医院通电" in chunk.text for chunk, _ in hits)
