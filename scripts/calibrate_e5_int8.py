"""Calibrate ``embedding_precision = "int8-smooth"``: write embeddings/e5_int8_calibration.json.

Runs the embedded model's fp32 graph over the seed articles (corpus/articles: every chunk
with the passage prompt, every sentence with the query prompt, so both kinds of input are
seen) and records, per layer, the largest magnitude of each input channel of the Q/K/V
multiply and of the FFN input multiply: the SmoothQuant statistics of embeddings._e5_int8.
Only the product's own articles are read (no gold question, no benchmark). Deterministic;
re-run when the model or the calibration articles change, then bump GRAPH_VERSION in
embeddings/_onnx.py so cached graphs are rebuilt.

    .venv/bin/python scripts/calibrate_e5_int8.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
OUT = REPO / "embeddings" / "e5_int8_calibration.json"
BATCH = 8


def _texts(settings: object) -> list[str]:
    from corpus import chunk_articles, load_articles, split_sentences

    articles = load_articles(REPO / "corpus" / "articles").articles
    chunks = chunk_articles(articles, settings)
    passages = [settings.passage_prompt + c.indexed_text for c in chunks]
    sentences = []
    for article in articles:
        for start, end in split_sentences(article.text):
            sentence = article.text[start:end].strip()
            if len(sentence) >= 8:
                sentences.append(settings.query_prompt + sentence)
    return passages + sentences


def main() -> None:
    import onnx
    import onnxruntime

    from embeddings._e5_convert import locate_embedded_files
    from embeddings._e5_graph import build_graph
    from embeddings._e5_tokenizer import SentencePieceTokenizer
    from embeddings._onnx import ensure_onnx_model, tokenizer_model_path
    from profile_qa.settings import load_settings

    files = locate_embedded_files()
    model = build_graph(files.weights.read_bytes(), "fp32")
    # The inputs of the multiplies, in graph order: per layer Q/K/V, attention out, FFN in, out.
    inputs = [n.input[0] for n in model.graph.node if n.op_type == "MatMulNBits"]
    wanted = {"qkv": inputs[0::4], "fi": inputs[2::4]}
    for name in inputs[0::4] + inputs[2::4]:
        model.graph.output.append(onnx.helper.make_tensor_value_info(name, 1, None))
    session = onnxruntime.InferenceSession(
        model.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    with tempfile.TemporaryDirectory() as cache:
        settings = load_settings(env={}, model_cache_dir=cache)
        ensure_onnx_model(files, Path(cache), "fp32")
        tokenizer = SentencePieceTokenizer(tokenizer_model_path(Path(cache), files), 512)
        texts = _texts(settings)
        ids = tokenizer.encode_batch(texts)
    names = wanted["qkv"] + wanted["fi"]
    maxima: list[np.ndarray] | None = None
    for start in range(0, len(ids), BATCH):
        rows = ids[start : start + BATCH]
        width = max(len(r) for r in rows)
        input_ids = np.full((len(rows), width), tokenizer.pad_id, dtype=np.int64)
        mask = np.zeros_like(input_ids)
        for i, row in enumerate(rows):
            input_ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        outs = session.run(names, {"input_ids": input_ids, "attention_mask": mask})
        real = mask.astype(bool)
        batch_max = [np.abs(out[real]).max(axis=0) for out in outs]
        maxima = batch_max if maxima is None else list(map(np.maximum, maxima, batch_max))
    assert maxima is not None
    layers = len(wanted["qkv"])
    data = {
        "about": "per layer, the largest |x| of each input channel of the Q/K/V and FFN-input "
        "multiplies of the fp32 graph (scripts/calibrate_e5_int8.py)",
        "source": f"corpus/articles: {len(texts)} texts (chunks with the passage prompt, "
        "sentences with the query prompt)",
        "qkv": [[float(f"{v:.4g}") for v in m] for m in maxima[:layers]],
        "fi": [[float(f"{v:.4g}") for v in m] for m in maxima[layers:]],
    }
    OUT.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{OUT}: {layers} layers from {len(texts)} texts")


if __name__ == "__main__":
    main()
