"""One frozen settings object, built once at the edge (CLI, app) and passed down.

Precedence, lowest to highest: defaults, a TOML config file, ``PROFILE_QA_*`` environment
variables, explicit overrides (CLI options). No other module reads ``os.environ``.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints

from profile_qa.errors import ConfigError

ENV_PREFIX = "PROFILE_QA_"
DEFAULT_CONFIG_NAME = "profile-qa.toml"
EMBEDDED_MODEL = "embedded:multilingual-e5-small"


def _default_articles_dir() -> Path:
    # Package data, so an installed wheel and an editable checkout both find the seeds.
    return Path(__file__).resolve().parent.parent / "corpus" / "articles"


def _default_model_cache_dir() -> Path:
    # One cache per machine and user (XDG_CACHE_HOME/profile-qa/models on Linux), shared by
    # every data directory, so a second corpus does not convert the model again.
    from platformdirs import user_cache_path

    return user_cache_path("profile-qa", appauthor=False) / "models"


@dataclass(frozen=True)
class Settings:
    """Everything configurable; see README "Configuration" for each field."""

    # corpus
    articles_dir: Path = field(default_factory=_default_articles_dir)
    chunk_size: int = 300  # tokens (tiktoken cl100k)
    chunk_overlap_sentences: int = 1

    # embeddings and index
    data_dir: Path = Path(".profile-qa")
    embedding_model: str = EMBEDDED_MODEL
    model_cache_dir: Path = field(default_factory=_default_model_cache_dir)
    query_prompt: str = "query: "
    passage_prompt: str = "passage: "
    embedding_batch_size: int = 32
    # auto = onnx for the embedded model (no torch import at start-up), torch for the others
    embedding_backend: str = "auto"  # auto | torch | onnx
    # ONNX backend of the embedded model: int8 dynamic quantisation (~2.3x fp32 speed),
    # the same with the FFN output in float32 (~1.8x), or fp32 (the reference vectors)
    embedding_precision: str = "int8"  # int8 | int8-ffn32 | fp32
    embedding_threads: int = 0  # ONNX Runtime threads; 0 = one per physical core
    # auto = exact (flat) search up to AUTO_FLAT_MAX_CHUNKS chunks, an approximate index above
    index_type: str = "auto"  # auto | flat | hnsw | ivf

    # retrieval and answering
    retrieval_mode: str = "hybrid"  # hybrid | dense | bm25
    top_k: int = 5
    relevance_floor: float = 0.0
    rrf_k: int = 60  # reciprocal rank fusion constant: higher flattens the rank differences
    alias_file: str = ""  # optional TOML/JSON table {subject = [aliases]} for profile names
    generator: str = "extractive"  # extractive | llm
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    llm_timeout: float = 30.0
    max_question_chars: int = 500
    max_history_turns: int = 10

    # web app
    host: str = "127.0.0.1"
    port: int = 7860
    allowed_origins: tuple[str, ...] = ()
    rate_limit_per_minute: int = 30

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def index_dir(self) -> Path:
        """Where the chunk index lives: ``data_dir/index``."""
        return self.data_dir / "index"

    @property
    def feedback_db(self) -> Path:
        """The SQLite file of like/dislike feedback: ``data_dir/feedback.sqlite3``."""
        return self.data_dir / "feedback.sqlite3"

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)


_CHOICES = {
    "embedding_backend": ("auto", "torch", "onnx"),
    "embedding_precision": ("int8", "int8-ffn32", "fp32"),
    "index_type": ("auto", "flat", "hnsw", "ivf"),
    "retrieval_mode": ("hybrid", "dense", "bm25"),
    "generator": ("extractive", "llm"),
}


def _validate(s: Settings) -> None:
    for name, allowed in _CHOICES.items():
        if getattr(s, name) not in allowed:
            value = getattr(s, name)
            raise ConfigError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    if s.embedding_backend == "onnx" and not (
        s.embedding_model == EMBEDDED_MODEL or s.embedding_model.startswith("fake:")
    ):
        raise ConfigError(
            f"embedding_backend 'onnx' runs only the embedded model ({EMBEDDED_MODEL}); "
            "use embedding_backend 'torch' for other models"
        )
    if s.embedding_threads < 0:
        raise ConfigError("embedding_threads must be 0 (all cores) or more")
    if s.embedding_batch_size < 1:
        raise ConfigError("embedding_batch_size must be at least 1")
    if s.chunk_size < 32:
        raise ConfigError("chunk_size must be at least 32 tokens")
    if s.chunk_overlap_sentences < 0:
        raise ConfigError("chunk_overlap_sentences must be 0 or more")
    if s.top_k < 1:
        raise ConfigError("top_k must be at least 1")
    if s.rrf_k < 1:
        raise ConfigError("rrf_k must be at least 1")
    if s.max_question_chars < 1:
        raise ConfigError("max_question_chars must be at least 1")
    if not 0 < s.port < 65536:
        raise ConfigError("port must be between 1 and 65535")
    if s.generator == "llm" and not (s.llm_base_url and s.llm_model):
        raise ConfigError(
            "generator 'llm' needs llm_base_url and llm_model "
            "(PROFILE_QA_LLM_BASE_URL, PROFILE_QA_LLM_MODEL)"
        )


def _coerce(name: str, kind: Any, value: Any) -> Any:
    """Turn a config-file or environment value into the field's type."""
    try:
        if kind is Path:
            return Path(value).expanduser()
        if kind is bool:
            if isinstance(value, str):
                return value.strip().lower() in ("1", "true", "yes", "on")
            return bool(value)
        if kind is int:
            return int(value)
        if kind is float:
            return float(value)
        if kind == tuple[str, ...]:
            if isinstance(value, str):
                return tuple(v.strip() for v in value.split(",") if v.strip())
            return tuple(str(v) for v in value)
        return str(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {name}: cannot use {value!r} ({exc})") from exc


def load_settings(
    config_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Build settings from defaults, a TOML file, ``PROFILE_QA_*`` variables and overrides.

    ``config_file`` defaults to ``$PROFILE_QA_CONFIG`` or ``./profile-qa.toml`` if present.
    Overrides whose value is None are ignored, so CLI options can be passed through as is.
    """
    env = os.environ if env is None else env
    hints = get_type_hints(Settings)
    known = {f.name for f in fields(Settings)}
    values: dict[str, Any] = {}

    if config_file is None:
        if env.get(ENV_PREFIX + "CONFIG"):
            config_file = Path(env[ENV_PREFIX + "CONFIG"])
        elif Path(DEFAULT_CONFIG_NAME).is_file():
            config_file = Path(DEFAULT_CONFIG_NAME)
    if config_file is not None:
        try:
            data = tomllib.loads(Path(config_file).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read config file {config_file}: {exc}") from exc
        for key, value in data.items():
            if key not in known:
                raise ConfigError(f"unknown setting {key!r} in {config_file}")
            values[key] = _coerce(key, hints[key], value)

    for key, value in env.items():
        if not key.startswith(ENV_PREFIX) or key == ENV_PREFIX + "CONFIG":
            continue
        name = key[len(ENV_PREFIX) :].lower()
        if name not in known:
            raise ConfigError(f"unknown environment variable {key}")
        values[name] = _coerce(name, hints[name], value)

    for key, value in overrides.items():
        if value is None:
            continue
        if key not in known:
            raise ConfigError(f"unknown setting {key!r}")
        values[key] = _coerce(key, hints[key], value)

    return Settings(**values)
