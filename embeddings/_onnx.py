"""ONNX Runtime backend for the embedded e5 model (``embedding_backend = "onnx"``).

The cached sentence-transformers folder is exported once (torch's TorchScript exporter; needs
the ``onnx`` package then) into ``onnx/model.onnx`` inside it, with mean pooling and L2
normalisation in the graph. Loading it later needs only onnxruntime and tokenizers, so a
process that uses this backend never imports torch.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from profile_qa.errors import ModelLoadError

ONNX_FILE = Path("onnx") / "model.onnx"
OPSET = 17


def onnx_path(st_dir: Path) -> Path:
    """Where the exported graph of a cached model folder lives."""
    return st_dir / ONNX_FILE


def export_onnx(st_dir: Path) -> Path:
    """Export ``st_dir``'s BertModel (+ mean pooling, normalisation) to ONNX, atomically."""
    target = onnx_path(st_dir)
    try:
        import onnx  # noqa: F401  (the exporter needs it; fail early with a clear message)
    except ImportError as exc:
        raise ModelLoadError(
            "embedding_backend 'onnx' needs the onnx package once, to export the model: "
            ".venv/bin/pip install 'onnx>=1.17,<2' (or set embedding_backend = 'torch')"
        ) from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".export-", dir=target.parent))
    try:
        os.replace(_export_raw(st_dir, work / "model.onnx"), target)
    except ModelLoadError:
        raise
    except Exception as exc:
        raise ModelLoadError(f"cannot export the embedded model to ONNX: {exc}") from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def _export_raw(st_dir: Path, out: Path) -> Path:
    import torch
    from transformers import BertModel

    from embeddings._st_compat import quiet_loading

    # Eager attention exports the classic pattern that onnxruntime's own graph optimiser fuses
    # at session start; the SDPA export ran ~25% slower here. (A graph fused offline by
    # onnxruntime.transformers gained another ~10% per query but peaked at 4 GB RSS.)
    with quiet_loading():
        bert = BertModel.from_pretrained(
            str(st_dir), add_pooling_layer=False, attn_implementation="eager"
        ).eval()

    class MeanPooled(torch.nn.Module):
        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.model(input_ids=input_ids, attention_mask=attention_mask)[0]
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2.0, dim=-1)

    sample = torch.tensor([[0, 46692, 12, 6, 2]])
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about data-dependent shapes
        torch.onnx.export(
            MeanPooled(bert),
            (sample, torch.ones_like(sample)),
            str(out),
            input_names=["input_ids", "attention_mask"],
            output_names=["sentence_embedding"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "sentence_embedding": {0: "batch"},
            },
            opset_version=OPSET,
            dynamo=False,  # the dynamo exporter needs onnxscript; this one needs only onnx
        )
    return out


class OnnxEmbedder:
    """The embedded e5 model run by ONNX Runtime: the torch backend's vectors (cos > 0.9999)."""

    def __init__(
        self,
        st_dir: Path,
        model_id: str,
        fingerprint: str,
        *,
        query_prompt: str,
        passage_prompt: str,
        batch_size: int = 32,
        max_length: int = 512,
    ) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.model_id = model_id
        self.fingerprint = fingerprint
        self.query_prompt = query_prompt
        self.passage_prompt = passage_prompt
        self.batch_size = batch_size
        self.tokenizer = Tokenizer.from_file(str(st_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length)
        pad_id = self.tokenizer.token_to_id("<pad>")
        self.tokenizer.enable_padding(pad_id=1 if pad_id is None else pad_id, pad_token="<pad>")
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        # Spinning worker threads cut a few ms off one query on an idle machine but burn a core
        # each; measured here (2 CPUs, shared), turning it off halved CPU time per query.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        # A damaged file raises onnxruntime's own error: the loader then rebuilds the cache.
        self.session = onnxruntime.InferenceSession(
            str(onnx_path(st_dir)), options, providers=["CPUExecutionProvider"]
        )
        self.dimension = int(self.session.get_outputs()[0].shape[-1])

    def _run(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        out: Any = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return np.asarray(out, dtype=np.float32)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Shape (len(texts), dimension), float32, unit rows; the passage prompt is prepended."""
        result = np.zeros((len(texts), self.dimension), dtype=np.float32)
        prompted = [self.passage_prompt + t for t in texts]
        # Length-sorted batches waste little work on padding (sentence-transformers does the same).
        order = sorted(range(len(prompted)), key=lambda i: len(prompted[i]), reverse=True)
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            result[rows] = self._run([prompted[i] for i in rows])
        return result

    def embed_query(self, text: str) -> np.ndarray:
        """Shape (dimension,), float32, unit length; the query prompt is prepended."""
        return self._run([self.query_prompt + text])[0]

    def __repr__(self) -> str:
        return f"OnnxEmbedder({self.model_id!r}, dimension={self.dimension})"
