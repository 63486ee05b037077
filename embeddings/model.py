"""Load the configured embedder: the embedded e5 model, any sentence-transformers model, or a fake.

torch and sentence-transformers are imported inside functions, so importing this module (and
``profile-qa --help``) stays instant.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from embeddings.base import Embedder
from profile_qa.errors import ModelLoadError
from profile_qa.settings import EMBEDDED_MODEL, Settings

if TYPE_CHECKING:
    from embeddings._e5_convert import EmbeddedFiles

log = logging.getLogger(__name__)

_FAKE = re.compile(r"fake:hashing-(\d+)")
# Files hashed whole for a local model's fingerprint; bigger ones by head, tail and size.
_FULL_HASH_LIMIT = 64 << 20
_PARTIAL_BYTES = 4 << 20


class SentenceTransformerEmbedder:
    """Any sentence-transformers model behind the ``Embedder`` protocol (prompts from settings)."""

    def __init__(
        self,
        model: Any,
        model_id: str,
        fingerprint: str,
        *,
        query_prompt: str = "",
        passage_prompt: str = "",
        batch_size: int = 32,
        show_progress_bar: bool = False,
    ) -> None:
        self.model = model
        self.model_id = model_id
        self.fingerprint = fingerprint
        self.query_prompt = query_prompt
        self.passage_prompt = passage_prompt
        self.batch_size = batch_size
        self.show_progress_bar = show_progress_bar
        # renamed to get_embedding_dimension in sentence-transformers 6
        get_dimension = getattr(model, "get_embedding_dimension", None)
        dimension = get_dimension() if get_dimension else model.get_sentence_embedding_dimension()
        if not dimension:
            raise ModelLoadError(f"model {model_id!r} does not report an embedding dimension")
        self.dimension = int(dimension)

    def _encode(
        self, texts: list[str], task: str, prompt: str, batch_size: int, progress: bool
    ) -> np.ndarray:
        # encode_query/encode_document route asymmetric (Router) models; the explicit prompt,
        # even "", overrides whatever prompts the model folder itself declares.
        encode = getattr(self.model, f"encode_{task}", None) or self.model.encode
        vectors = encode(
            texts,
            prompt=prompt,
            batch_size=batch_size,
            show_progress_bar=progress,
            convert_to_numpy=True,
            normalize_embeddings=True,  # idempotent for models that already end in Normalize
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Shape (len(texts), dimension), float32, unit rows; the passage prompt is prepended."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._encode(
            list(texts), "document", self.passage_prompt, self.batch_size, self.show_progress_bar
        )

    def embed_query(self, text: str) -> np.ndarray:
        """Shape (dimension,), float32, unit length; the query prompt is prepended."""
        vector: np.ndarray = self._encode([text], "query", self.query_prompt, 1, False)[0]
        return vector

    def __repr__(self) -> str:
        return f"SentenceTransformerEmbedder({self.model_id!r}, dimension={self.dimension})"


def load_embedder(settings: Settings) -> Embedder:
    """The embedder named by ``settings.embedding_model``; ModelLoadError if it cannot load."""
    name = settings.embedding_model.strip()
    fake = _FAKE.fullmatch(name)
    if fake:
        from embeddings.fake import HashingEmbedder

        dimension = int(fake.group(1))
        if dimension < 1:
            raise ModelLoadError(f"fake embedder needs a dimension of 1 or more, not {name!r}")
        return HashingEmbedder(dimension)
    if name.startswith("fake:"):
        raise ModelLoadError(f"unknown fake model {name!r}; use fake:hashing-<dimension>")
    if name == EMBEDDED_MODEL:
        return _load_embedded(settings)
    return _load_sentence_transformer(settings, name)


def _prompts(settings: Settings) -> dict[str, str]:
    return {"query": settings.query_prompt, "document": settings.passage_prompt}


def _make_fingerprint(source: dict[str, Any], settings: Settings) -> str:
    payload = {**source, "prompts": _prompts(settings)}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _wrap(
    model: Any, name: str, fingerprint: str, settings: Settings
) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(
        model,
        name,
        fingerprint,
        query_prompt=settings.query_prompt,
        passage_prompt=settings.passage_prompt,
        batch_size=settings.embedding_batch_size,
    )


def _load_embedded(settings: Settings) -> Embedder:
    from embeddings import _e5_convert as e5

    files = e5.locate_embedded_files()
    onnx = settings.embedding_backend in ("auto", "onnx")
    source: dict[str, Any] = {
        "model": "multilingual-e5-small",
        "weights_sha256": files.weights_sha256,
        "tokenizer_sha256": files.tokenizer_sha256,
        "converter": e5.CONVERTER_VERSION,
    }
    # torch and ONNX fp32 give the same vectors (cosine > 0.9999), so switching between them
    # keeps the index; int8 vectors differ a little (cosine ~0.997), so an index built with
    # one precision is rebuilt for the other rather than mixed.
    if onnx and settings.embedding_precision != "fp32":
        source["precision"] = settings.embedding_precision
    fingerprint = _make_fingerprint(source, settings)
    start = time.perf_counter()
    if onnx:
        embedder: Embedder = _open_onnx(settings, files, fingerprint)
    else:
        target = e5.cache_path(settings.model_cache_dir, files)
        model = _retrying(files, target, lambda: _open_st(target, settings))
        embedder = _wrap(model, settings.embedding_model, fingerprint, settings)
    log.info("embedded model loaded in %.2f s", time.perf_counter() - start)
    return embedder


def _open_st(folder: Path, settings: Settings) -> Any:
    from embeddings._st_compat import quiet_loading, st_modules

    SentenceTransformer = st_modules()[0]
    with quiet_loading():
        return SentenceTransformer(
            str(folder), device="cpu", local_files_only=True, prompts=_prompts(settings)
        )


def _open_onnx(settings: Settings, files: EmbeddedFiles, fingerprint: str) -> Embedder:
    from embeddings._onnx import (
        OnnxEmbedder,
        build_onnx_model,
        build_tokenizer_model,
        ensure_onnx_model,
        tokenizer_model_path,
    )

    spm = tokenizer_model_path(settings.model_cache_dir, files)

    def _open(path: Path) -> OnnxEmbedder:
        return OnnxEmbedder(
            path,
            spm,
            settings.embedding_model,
            fingerprint,
            query_prompt=settings.query_prompt,
            passage_prompt=settings.passage_prompt,
            batch_size=settings.embedding_batch_size,
            threads=settings.embedding_threads,
        )

    path = ensure_onnx_model(files, settings.model_cache_dir, settings.embedding_precision)
    try:
        return _open(path)
    except ModelLoadError:
        raise
    except Exception as exc:
        log.warning("cached model %s is unusable (%s); building it again", path, exc)
    build_tokenizer_model(files, spm)
    build_onnx_model(files, path, settings.embedding_precision)
    try:
        return _open(path)
    except Exception as exc:
        raise ModelLoadError(f"cannot load the embedded model from {path}: {exc}") from exc


def _retrying(files: EmbeddedFiles, target: Path, open_model: Callable[[], Any]) -> Any:
    """Open the cached model (converting it first if absent); a damaged cache is rebuilt once."""
    from embeddings import _e5_convert as e5

    if not target.is_dir():
        log.info("converting the embedded model into %s (once)", target)
        e5.convert_to_cache(files, target)
    try:
        return open_model()
    except ModelLoadError:
        raise  # our own diagnosis (e.g. a missing package): rebuilding would not help
    except Exception as exc:
        log.warning("cached model %s is unusable (%s); converting again", target, exc)
    shutil.rmtree(target, ignore_errors=True)
    e5.convert_to_cache(files, target)
    try:
        return open_model()
    except ModelLoadError:
        raise
    except Exception as exc:
        raise ModelLoadError(f"cannot load the embedded model from {target}: {exc}") from exc


def _load_sentence_transformer(settings: Settings, name: str) -> SentenceTransformerEmbedder:
    from embeddings._st_compat import quiet_loading, st_modules

    path = Path(name).expanduser()
    local = path.exists() or name.startswith(("/", ".", "~"))
    if local and not path.is_dir():
        raise ModelLoadError(f"embedding model folder {path} does not exist or is not a folder")
    SentenceTransformer = st_modules()[0]
    try:
        with quiet_loading():
            model = SentenceTransformer(
                str(path) if local else name, local_files_only=True, prompts=_prompts(settings)
            )
    except Exception as exc:
        where = f"folder {path}" if local else f"{name!r} in the local Hugging Face cache"
        raise ModelLoadError(
            f"cannot load embedding model {where} (offline: nothing is downloaded; copy the model "
            f"folder to this machine and set embedding_model to its path): {exc}"
        ) from exc
    folder = path if local else _hub_snapshot(name)
    source: dict[str, Any] = {"model": name}
    if folder is not None:
        source["files"] = _folder_digest(folder)
    return _wrap(model, name, _make_fingerprint(source, settings), settings)


def _hub_snapshot(name: str) -> Path | None:
    """The cached snapshot folder of a hub model, if it can be found without network."""
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(name, local_files_only=True))
    except Exception:
        return None


def _folder_digest(folder: Path) -> str:
    """Digest of a model folder's files, so retrained weights get a new fingerprint."""
    digest = hashlib.sha256()
    for file in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = file.relative_to(folder).as_posix()
        if rel.startswith(".") or rel.lower().startswith("readme"):
            continue
        size = file.stat().st_size
        digest.update(f"{rel}\0{size}\0".encode())
        with file.open("rb") as fh:
            if size <= _FULL_HASH_LIMIT:
                digest.update(fh.read())
            else:
                digest.update(fh.read(_PARTIAL_BYTES))
                fh.seek(size - _PARTIAL_BYTES)
                digest.update(fh.read(_PARTIAL_BYTES))
    return digest.hexdigest()
