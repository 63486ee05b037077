"""Shared fixtures: isolated settings, the seed corpus and (slow) the real model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from profile_qa.settings import Settings, load_settings

REPO = Path(__file__).resolve().parent.parent
SEED_ARTICLES = REPO / "corpus" / "articles"


@pytest.fixture(scope="session", autouse=True)
def _user_cache(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The user cache (where the model cache defaults to) and the user data folder (an
    installed run's articles and data) are session folders, never the real ones: set for this
    process and every child process the tests start."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("user-cache")))
        mp.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("user-data")))
        yield


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's config or writes outside tmp_path; no hub access."""
    import os

    for key in list(os.environ):
        if key.startswith("PROFILE_QA_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setenv("PROFILE_QA_DATA_DIR", str(tmp_path / "data"))
    # The trained refusal threshold assumes the real model's similarities; fast tests run the
    # fake embedder and want its best sentence (refusal is tested with the real model).
    monkeypatch.setenv("PROFILE_QA_ANSWER_THRESHOLD", "0")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Default settings with data (index, model cache, feedback) under tmp_path."""
    return load_settings(env={}, data_dir=tmp_path / "data", articles_dir=SEED_ARTICLES)


@pytest.fixture(scope="session")
def seed_articles_dir() -> Path:
    return SEED_ARTICLES


@pytest.fixture(scope="session")
def model_cache_dir(_user_cache: Any) -> Path:
    """The session's model cache (the default one, under the session's user cache), so the
    real model is converted once per session."""
    return load_settings(env={}).model_cache_dir


def _load_real(model_cache_dir: Path, **overrides: Any) -> Any:
    from embeddings import load_embedder

    # Session fixtures run before the autouse env fixture; huggingface_hub reads these at import.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("TRANSFORMERS_OFFLINE", "1")
        settings = load_settings(env={}, model_cache_dir=model_cache_dir, **overrides)
        return load_embedder(settings.replace(data_dir=model_cache_dir.parent / "data"))


@pytest.fixture(scope="session")
def real_embedder(model_cache_dir: Path) -> Any:
    """The embedded e5 model as the product runs it, loaded once per session."""
    return _load_real(model_cache_dir)


@pytest.fixture(scope="session")
def torch_embedder(real_embedder: Any, model_cache_dir: Path) -> Any:
    """The embedded e5 model on the torch backend (sentence-transformers), same cache."""
    return _load_real(model_cache_dir, embedding_backend="torch")


@pytest.fixture(scope="session")
def fp32_embedder(real_embedder: Any, model_cache_dir: Path) -> Any:
    """The embedded e5 model on ONNX Runtime in float32 (the reference vectors), same cache."""
    return _load_real(model_cache_dir, embedding_precision="fp32")


@pytest.fixture(scope="session")
def int8_embedder(real_embedder: Any, model_cache_dir: Path) -> Any:
    """The embedded e5 model with int8 matrix multiplies (FFN output float32), same cache."""
    return _load_real(model_cache_dir, embedding_precision="int8-ffn32")


@pytest.fixture
def pg_url() -> Any:
    """A DSN over an empty schema of the test PostgreSQL server (skips when there is none)."""
    from tests.pg import private_schema

    yield from private_schema()
