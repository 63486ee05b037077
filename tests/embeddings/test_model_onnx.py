"""The ONNX Runtime backend of the embedded model: same vectors as torch, no torch import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from profile_qa.errors import ConfigError
from profile_qa.settings import EMBEDDED_MODEL, load_settings

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("model", "backend", "ok"),
    [
        (EMBEDDED_MODEL, "onnx", True),
        ("BAAI/bge-small-zh-v1.5", "auto", True),
        ("fake:hashing-64", "onnx", True),
        ("BAAI/bge-small-zh-v1.5", "onnx", False),
        ("/models/bge-m3", "torch", True),
        (EMBEDDED_MODEL, "openvino", False),
    ],
)
def test_backend_setting_is_validated(model: str, backend: str, ok: bool) -> None:
    if ok:
        assert load_settings(env={}, embedding_model=model, embedding_backend=backend)
    else:
        with pytest.raises(ConfigError, match="embedding_backend"):
            load_settings(env={}, embedding_model=model, embedding_backend=backend)


TEXTS = [
    "协调捐赠(采购)负压救护车329辆、MPV50辆",
    "1月23日深圳市副市长黄敏率夏昆山等工作人员到企业现场办公,并任命夏昆山为生产一线总指挥。",
    "Xia Kunshan worked on the front line for 59 days.",
    "",
]


@pytest.mark.slow
def test_onnx_fp32_gives_the_torch_vectors_and_fingerprint(
    fp32_embedder: Any, torch_embedder: Any
) -> None:
    assert type(fp32_embedder).__name__ == "OnnxEmbedder"
    assert type(torch_embedder).__name__ == "SentenceTransformerEmbedder"
    assert fp32_embedder.fingerprint == torch_embedder.fingerprint  # an index stays valid
    assert fp32_embedder.dimension == 384
    passages = fp32_embedder.embed_passages(TEXTS)
    assert passages.dtype == np.float32 and passages.shape == (4, 384)
    cos = (passages * torch_embedder.embed_passages(TEXTS)).sum(axis=1)
    assert cos.min() > 0.9999, cos
    query = fp32_embedder.embed_query("武汉市经信局协调捐赠了多少辆MPV？")
    assert float(query @ torch_embedder.embed_query("武汉市经信局协调捐赠了多少辆MPV？")) > 0.9999
    assert float(query @ passages[0]) == pytest.approx(0.91646, abs=1e-3)


@pytest.mark.slow
def test_int8_model_is_close_to_fp32_under_its_own_fingerprint(
    int8_embedder: Any, fp32_embedder: Any
) -> None:
    # An index built with fp32 vectors is rebuilt, not silently mixed with int8 queries.
    assert int8_embedder.fingerprint != fp32_embedder.fingerprint
    a = int8_embedder.embed_passages(TEXTS)
    assert a.shape == (4, 384) and np.linalg.norm(a, axis=1) == pytest.approx([1.0] * 4, abs=1e-5)
    assert (a * fp32_embedder.embed_passages(TEXTS)).sum(axis=1).min() > 0.99


@pytest.mark.slow
def test_passage_vectors_do_not_depend_on_their_neighbours_length(int8_embedder: Any) -> None:
    # Batches are padded to their longest passage: the padding must not leak into a vector.
    alone = int8_embedder.embed_passages([TEXTS[2]])
    with_long = int8_embedder.embed_passages([TEXTS[2], TEXTS[1] * 10])
    assert float(alone[0] @ with_long[0]) > 0.99


@pytest.mark.slow
def test_onnx_backend_truncates_long_passages_like_torch(
    fp32_embedder: Any, torch_embedder: Any
) -> None:
    long_text = "夏昆山带领同事赶赴深圳市口罩生产重点企业。" * 80  # far beyond 512 tokens
    a = fp32_embedder.embed_passages([long_text, "深中海"])
    b = torch_embedder.embed_passages([long_text, "深中海"])
    assert (a * b).sum(axis=1).min() > 0.9999


@pytest.mark.slow
def test_warm_onnx_load_does_not_import_torch(real_embedder: Any, model_cache_dir: Path) -> None:
    script = (
        "import json, sys\n"
        "from embeddings import load_embedder\n"
        "from profile_qa.settings import load_settings\n"
        f"e = load_embedder(load_settings(env={{}}, model_cache_dir={str(model_cache_dir)!r}))\n"
        "v = e.embed_query('夏昆山是谁？')\n"
        "mods = ('torch', 'transformers', 'sentence_transformers')\n"
        "print(json.dumps({'heavy': [m for m in mods if m in sys.modules], 'dim': v.shape[0]}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"},
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"heavy": [], "dim": 384}


@pytest.mark.slow
def test_first_start_builds_the_graph_without_torch(tmp_path: Path) -> None:
    # A fresh cache: the graph is built from the packed weights with numpy + onnx only.
    script = (
        "import json, sys\n"
        "from embeddings import load_embedder\n"
        "from profile_qa.settings import load_settings\n"
        f"e = load_embedder(load_settings(env={{}}, model_cache_dir={str(tmp_path)!r}))\n"
        "e.embed_passages(['夏昆山是谁？'])\n"
        "print(json.dumps({'torch': 'torch' in sys.modules}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"},
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"torch": False}
    built = sorted(p.suffix for p in tmp_path.iterdir() if not p.name.startswith("."))
    assert built == [".onnx", ".spm"]


TOKENIZER_TEXTS = [
    "passage: 1月23日深圳市副市长黄敏率夏昆山等工作人员到企业现场办公,任命夏昆山为总指挥。",
    "query: 武汉市经信局协调捐赠了多少辆MPV？",
    "passage: 該片以ムービー形式重映，全角ＡＢＣ１２３，emoji 😷💪，罕见字𠀾𡈽。",
    "passage: Xia Kunshan worked  on the front line\tfor 59 days.\n\nNew paragraph: café naïve.",
    "passage: " + "依文集团新建的防护服生产线正式投产。" * 60,  # truncated at 512
    "passage: ",  # an empty text: the prompt's trailing space is a token
    "query: 夏昆山是谁？ \n",
]


@pytest.mark.slow
def test_sentencepiece_tokenizer_gives_the_tokenizer_json_ids(real_embedder: Any) -> None:
    from tokenizers import Tokenizer

    from embeddings._e5_convert import locate_embedded_files

    reference = Tokenizer.from_file(str(locate_embedded_files().tokenizer))
    reference.enable_truncation(512)
    for text in TOKENIZER_TEXTS:
        assert real_embedder.tokenizer.encode(text) == reference.encode(text).ids, text


@pytest.mark.slow
@pytest.mark.parametrize(
    ("precision", "min_cosine"),
    [
        ("int8", 0.99),
        ("int8-ffn32", 0.995),
        # calibrated outlier handling: as close to fp32 as an int8 form gets here (~0.9998)
        ("int8-smooth", 0.999),
    ],
)
def test_every_precision_gives_unit_vectors_close_to_fp32(
    fp32_embedder: Any, model_cache_dir: Path, precision: str, min_cosine: float
) -> None:
    from embeddings import load_embedder

    reference = fp32_embedder.embed_passages(TEXTS)
    settings = load_settings(env={}, model_cache_dir=model_cache_dir, embedding_precision=precision)
    embedder = load_embedder(settings)
    vectors = embedder.embed_passages(TEXTS)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert (vectors * reference).sum(axis=1).min() > min_cosine, precision
    query = "负压救护车协调了多少辆？"
    assert float(embedder.embed_query(query) @ fp32_embedder.embed_query(query)) > min_cosine
