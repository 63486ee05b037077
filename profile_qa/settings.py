"""One frozen settings object, built once at the edge (CLI, app) and passed down.

Precedence, lowest to highest: defaults, a TOML config file, ``PROFILE_QA_*`` environment
variables, explicit overrides (CLI options). No other module reads ``os.environ``.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints

from profile_qa.errors import ConfigError

ENV_PREFIX = "PROFILE_QA_"
DEFAULT_CONFIG_NAME = "profile-qa.toml"
EMBEDDED_MODEL = "embedded:multilingual-e5-small"


# Run from a checkout (the current directory holds corpus/articles): the articles and the
# data stay in it, as before. Otherwise (an installed package run from anywhere): a user
# data folder, never site-packages, whose files an upgrade would delete.
CHECKOUT_ARTICLES = Path("corpus") / "articles"
CHECKOUT_DATA = Path(".profile-qa")


def user_data_dir() -> Path:
    """Where an installed profile-qa keeps articles and data (e.g. ~/.local/share/profile-qa)."""
    import platformdirs

    return platformdirs.user_data_path("profile-qa", appauthor=False)


def _default_articles_dir() -> Path:
    if CHECKOUT_ARTICLES.is_dir():
        return CHECKOUT_ARTICLES.resolve()
    return user_data_dir() / "articles"


def _default_data_dir() -> Path:
    # An existing ./.profile-qa is kept wherever it is, so no built index is left behind.
    if CHECKOUT_DATA.is_dir() or CHECKOUT_ARTICLES.is_dir():
        return CHECKOUT_DATA
    return user_data_dir()


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
    # Text after extraction, in UTF-8 bytes: a bigger file is skipped with the reason (a
    # 50 MB file would be ~100,000 chunks and hours of embedding).
    max_article_bytes: int = 5_000_000
    # `profile-qa index` warns before embedding more chunks than this in one run.
    index_warn_chunks: int = 20_000

    # embeddings and index
    data_dir: Path = field(default_factory=_default_data_dir)
    embedding_model: str = EMBEDDED_MODEL
    model_cache_dir: Path = field(default_factory=_default_model_cache_dir)
    query_prompt: str = "query: "
    passage_prompt: str = "passage: "
    embedding_batch_size: int = 32
    # auto = onnx for the embedded model (no torch import at start-up), torch for the others
    embedding_backend: str = "auto"  # auto | torch | onnx
    # ONNX backend of the embedded model: fp32 (the reference vectors), int8 with calibrated
    # outlier handling (int8-smooth, ~2x faster, cosine ~0.9998 to fp32), int8 dynamic
    # quantisation with the FFN output in float32 (~1.8x), or all int8 (~2.2x); the last two
    # lose a question or two of the gold sets (README, "Quality of int8")
    embedding_precision: str = "fp32"  # fp32 | int8-smooth | int8-ffn32 | int8
    embedding_threads: int = 0  # ONNX Runtime threads; 0 = one per physical core
    # auto = exact (flat) search up to AUTO_FLAT_MAX_CHUNKS chunks, an approximate index above
    index_type: str = "auto"  # auto | flat | hnsw | ivf
    # Where the index lives: faiss files under data_dir (one machine), or PostgreSQL +
    # pgvector at database_url, shared by every server pointed at it (README "Several servers").
    store: str = "faiss"  # faiss | pgvector
    # postgresql://user:password@host:port/db (store = "pgvector"); kept out of repr (password)
    database_url: str = field(default="", repr=False)
    hnsw_ef_search: int = 100  # pgvector's query-time beam (see benchmarks/bench_pgvector.py)
    store_poll_seconds: float = 2.0  # how often a server checks the database for a new index

    # retrieval and answering
    retrieval_mode: str = "hybrid"  # hybrid | dense | bm25
    top_k: int = 5
    relevance_floor: float = 0.0
    rrf_k: int = 60  # reciprocal rank fusion constant: higher flattens the rank differences
    rerank_pool: int = 6  # passages retrieved and reranked by the answer scorer down to top_k
    # Refuse when the scorer's best unit is less likely than this to hold the answer; < 0 uses
    # the threshold chosen on dev questions and shipped with the weights (qa/scorer.json).
    answer_threshold: float = -1.0
    # TOML/JSON table {subject = [aliases]} for profile names; "": aliases.toml beside articles_dir
    alias_file: str = ""
    generator: str = "extractive"  # extractive | llm
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    # One total per answer, in seconds: connecting, the first token and the whole answer
    # (the follow-up rewrite included); no retries on top of it.
    llm_timeout: float = 30.0
    max_question_chars: int = 500
    max_history_turns: int = 10

    # web app
    host: str = "127.0.0.1"
    port: int = 7860
    allowed_origins: tuple[str, ...] = ()
    rate_limit_per_minute: int = 30
    # Addresses (or networks) of reverse proxies whose X-Forwarded-For / X-Forwarded-Proto
    # headers are believed; from anyone else those headers are ignored.
    trusted_proxies: tuple[str, ...] = ()
    # Slow clients: seconds to send the request headers, then the body, before the
    # connection is closed.
    client_header_timeout: float = 10.0
    client_body_timeout: float = 30.0
    # Bearer tokens accepted on /v1 (the OpenAI-compatible API); none: open, as /api is.
    # Kept out of repr so a logged Settings never shows them.
    api_keys: tuple[str, ...] = field(default=(), repr=False)

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
    "embedding_precision": ("fp32", "int8-smooth", "int8-ffn32", "int8"),
    "index_type": ("auto", "flat", "hnsw", "ivf"),
    "store": ("faiss", "pgvector"),
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
    if s.store == "pgvector" and not s.database_url:
        raise ConfigError(
            "store 'pgvector' needs database_url (PROFILE_QA_DATABASE_URL), "
            "e.g. postgresql://user:password@db-host:5432/profileqa"
        )
    if not 1 <= s.hnsw_ef_search <= 1000:
        raise ConfigError("hnsw_ef_search must be between 1 and 1000 (pgvector's limits)")
    if s.store_poll_seconds <= 0:
        raise ConfigError("store_poll_seconds must be more than 0")
    if s.embedding_batch_size < 1:
        raise ConfigError("embedding_batch_size must be at least 1")
    if s.chunk_size < 32:
        raise ConfigError("chunk_size must be at least 32 tokens")
    if s.chunk_overlap_sentences < 0:
        raise ConfigError("chunk_overlap_sentences must be 0 or more")
    if s.top_k < 1:
        raise ConfigError("top_k must be at least 1")
    if s.rerank_pool < 1:
        raise ConfigError("rerank_pool must be at least 1")
    if s.answer_threshold > 1:
        raise ConfigError("answer_threshold must be at most 1 (a probability; < 0: trained)")
    if s.rrf_k < 1:
        raise ConfigError("rrf_k must be at least 1")
    if s.max_question_chars < 1:
        raise ConfigError("max_question_chars must be at least 1")
    if not 0 < s.port < 65536:
        raise ConfigError("port must be between 1 and 65535")
    if s.max_article_bytes < 1000:
        raise ConfigError("max_article_bytes must be at least 1000")
    if s.index_warn_chunks < 0:
        raise ConfigError("index_warn_chunks must be 0 (no warning) or more")
    for name in ("llm_timeout", "client_header_timeout", "client_body_timeout"):
        if not getattr(s, name) > 0:
            raise ConfigError(f"{name} must be more than 0 seconds")
    for origin in s.allowed_origins:
        _check_origin(origin)
    for proxy in s.trusted_proxies:
        _check_proxy(proxy)
    if any(not k or k != k.strip() or len(k) < 8 for k in s.api_keys):
        raise ConfigError("api_keys must be at least 8 characters each, without spaces around")
    if s.generator == "llm" and not (s.llm_base_url and s.llm_model):
        raise ConfigError(
            "generator 'llm' needs llm_base_url and llm_model "
            "(PROFILE_QA_LLM_BASE_URL, PROFILE_QA_LLM_MODEL)"
        )


_ORIGIN = re.compile(
    r"^https?://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(:\d{1,5})?$"
)


def _check_origin(origin: str) -> None:
    # A browser sends the origin exactly as scheme://host[:port]; anything else never matches
    # (so CORS silently fails) and would go verbatim into the CSP header.
    if _ORIGIN.match(origin):
        return
    from urllib.parse import urlsplit

    hint = ""
    try:
        parts = urlsplit(origin.strip())
        if parts.scheme in ("http", "https") and parts.netloc and ";" not in parts.netloc:
            hint = f"; did you mean {parts.scheme}://{parts.netloc}?"
    except ValueError:
        pass
    raise ConfigError(
        f"allowed_origins entry {origin!r} is not an origin: write scheme://host[:port] "
        f"(http or https, no path, no trailing slash, no ';' or spaces){hint}"
    )


def _check_proxy(proxy: str) -> None:
    try:
        ipaddress.ip_network(proxy)
    except ValueError as exc:
        raise ConfigError(
            f"trusted_proxies entry {proxy!r} is not an IP address or network "
            "(e.g. 127.0.0.1 or 10.0.0.0/8)"
        ) from exc


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
