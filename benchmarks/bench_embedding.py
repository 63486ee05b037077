"""Embedding benchmark: start-up, throughput, query latency, memory, and faster CPU paths.

    .venv/bin/python benchmarks/bench_embedding.py [--rounds 3] [--backends torch,onnx]

Every measurement that depends on what a process has already imported or loaded runs in a
fresh subprocess. Prints tables; asserts nothing. Timings on a shared machine are noisy:
compare rows of one run, and read the CPU-seconds column next to wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from profile_qa.settings import Settings

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

QUESTIONS = REPO / "eval" / "gold" / "seed.jsonl"
BACKENDS = ("torch", "torch-1thread", "torch-int8", "onnx")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _settings(data_dir: str, backend: str = "torch") -> Settings:
    from profile_qa.settings import load_settings

    onnx = backend == "onnx"
    return load_settings(env={}, data_dir=data_dir, embedding_backend="onnx" if onnx else "torch")


def _passages() -> list[str]:
    settings = _settings(tempfile.gettempdir())
    try:
        from corpus import chunk_articles, load_articles

        articles = load_articles(settings.articles_dir).articles
        return [c.indexed_text for c in chunk_articles(articles, settings)]
    except ImportError:  # before the corpus package had a chunker
        texts = (p.read_text(encoding="utf-8") for p in sorted(settings.articles_dir.glob("*.txt")))
        return [para.strip() for t in texts for para in t.split("\n\n") if para.strip()]


def _questions(n: int = 50) -> list[str]:
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()][:n]


# ---- workers (each runs in its own process and prints one JSON line) -------------------------


def worker_imports() -> dict:
    start, cpu = time.perf_counter(), time.process_time()
    import sentence_transformers  # noqa: F401
    import torch  # noqa: F401

    return {"wall": time.perf_counter() - start, "cpu": time.process_time() - cpu}


def worker_load(data_dir: str, backend: str) -> dict:
    start, cpu = time.perf_counter(), time.process_time()
    from embeddings import load_embedder

    settings = _settings(data_dir, backend)
    embedder = load_embedder(settings)
    embedder.embed_query("热身")
    return {
        "wall": time.perf_counter() - start,
        "cpu": time.process_time() - cpu,
        "rss_mb": _rss_mb(),
        "torch_imported": "torch" in sys.modules,
    }


def worker_in_memory() -> dict:
    """Option (a), not shipped: rebuild from the .bin on every start, no cache folder."""
    start, cpu = time.perf_counter(), time.process_time()

    import torch
    from transformers import BertConfig, BertModel

    from embeddings import _e5_convert as e5
    from embeddings._e5_format import read_all
    from embeddings._st_compat import quiet_loading, st_modules

    SentenceTransformer, Transformer, Pooling, Normalize = st_modules()
    files = e5.locate_embedded_files()
    header, arrays = read_all(files.weights.read_bytes())
    config = BertConfig(
        vocab_size=header.vocab,
        hidden_size=header.hidden,
        num_hidden_layers=header.layers,
        num_attention_heads=header.heads,
        intermediate_size=header.intermediate,
        max_position_embeddings=header.max_positions,
        type_vocab_size=header.type_vocab,
        layer_norm_eps=header.eps,
        pad_token_id=1,
    )
    with torch.device("meta"):
        bert = BertModel(config, add_pooling_layer=False)
    bert.load_state_dict(e5.bert_state_dict(arrays, header.layers), strict=False, assign=True)
    positions = torch.arange(header.max_positions).expand((1, -1))
    bert.embeddings.register_buffer("position_ids", positions, persistent=False)
    types = torch.zeros(1, header.max_positions, dtype=torch.long)
    bert.embeddings.register_buffer("token_type_ids", types, persistent=False)
    skeleton = Path(tempfile.mkdtemp())
    config.save_pretrained(skeleton)
    shutil.copy(files.tokenizer, skeleton / "tokenizer.json")
    (skeleton / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "tokenizer_class": "PreTrainedTokenizerFast",
                "bos_token": "<s>",
                "eos_token": "</s>",
                "unk_token": "<unk>",
                "pad_token": "<pad>",
                "cls_token": "<s>",
                "sep_token": "</s>",
                "mask_token": "<mask>",
                "model_max_length": header.max_positions,
            }
        )
    )

    class InMemory(Transformer):  # private hook: one reason this option was not shipped
        def _load_model(self, *args: object, **kwargs: object) -> object:
            return bert

    with quiet_loading():
        module = InMemory(str(skeleton))
    model = SentenceTransformer(modules=[module, Pooling(header.hidden, "mean"), Normalize()])
    model.encode(["query: 热身"])
    shutil.rmtree(skeleton)
    return {
        "wall": time.perf_counter() - start,
        "cpu": time.process_time() - cpu,
        "rss_mb": _rss_mb(),
    }


def worker_run(data_dir: str, backend: str, rounds: int, out: str) -> dict:
    import numpy as np

    from embeddings import load_embedder

    embedder = load_embedder(_settings(data_dir, backend))
    if backend.startswith("torch"):
        import torch

        if backend == "torch-1thread":
            torch.set_num_threads(1)
        if backend == "torch-int8":
            from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

            embedder.model = quantize_dynamic(
                embedder.model, {torch.nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8
            )
    passages, questions = _passages(), _questions()
    embedder.embed_passages(passages[:8])
    embedder.embed_query(questions[0])
    rates, cpu_rates, p50s, p95s, cpu_q = [], [], [], [], []
    for _ in range(rounds):
        start, cpu = time.perf_counter(), time.process_time()
        vectors = embedder.embed_passages(passages)
        rates.append(len(passages) / (time.perf_counter() - start))
        cpu_rates.append(len(passages) / (time.process_time() - cpu))
        latencies, queries = [], []
        cpu = time.process_time()
        for q in questions:
            start = time.perf_counter()
            queries.append(embedder.embed_query(q))
            latencies.append(time.perf_counter() - start)
        cpu_q.append(1000 * (time.process_time() - cpu) / len(questions))
        latencies.sort()
        p50s.append(1000 * latencies[len(latencies) // 2])
        p95s.append(1000 * latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))])
    np.savez(out, passages=vectors, queries=np.stack(queries))
    return {
        "passages_per_s": max(rates),
        "p50_ms": min(p50s),
        "p95_ms": min(p95s),
        "passages_per_cpu_s": max(cpu_rates),
        "query_cpu_ms": min(cpu_q),
        "passages_per_s_median": statistics.median(rates),
        "rss_mb": _rss_mb(),
        "n_passages": len(passages),
        "n_questions": len(questions),
        "threads": _threads(backend),
    }


def _threads(backend: str) -> int:
    if backend.startswith("torch"):
        import torch

        return torch.get_num_threads()
    return len(os.sched_getaffinity(0))


# ---- driver ----------------------------------------------------------------------------------


def _spawn(*args: str) -> dict:
    cmd = [sys.executable, __file__, "--worker", *args]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"worker {args} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        kind, *rest = args.worker
        workers = {
            "imports": worker_imports,
            "load": worker_load,
            "in_memory": worker_in_memory,
            "run": worker_run,
        }
        if kind == "run":
            rest = [rest[0], rest[1], int(rest[2]), rest[3]]
        print(json.dumps(workers[kind](*rest)))
        return

    data_dir = tempfile.mkdtemp(prefix="bench-embedding-")  # fresh: the first load is cold
    try:
        _report(data_dir, args.rounds, args.backends.split(","))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def _report(data_dir: str, n: int, backends: list[str]) -> None:
    print(
        f"{len(os.sched_getaffinity(0))} CPUs; load average {os.getloadavg()[0]:.1f} at start; "
        f"{n} rounds; model cache in {data_dir}\n"
    )

    imports = [_spawn("imports") for _ in range(n)]
    cold = _spawn("load", data_dir, "torch")
    warm = [_spawn("load", data_dir, "torch") for _ in range(n)]
    onnx_cold = _spawn("load", data_dir, "onnx")
    onnx_warm = [_spawn("load", data_dir, "onnx") for _ in range(n)]
    in_memory = [_spawn("in_memory") for _ in range(n)]
    print("start-up: process start to first query vector, imports included (median)")
    print(f"{'step':<48}{'wall s':>8}{'cpu s':>8}{'peak RSS MB':>13}")
    rows = [
        ("import torch + sentence_transformers", imports),
        ("torch: cold load (convert .bin -> cache folder)", [cold]),
        ("torch: warm load (cached folder)", warm),
        ("torch: rebuild from .bin in memory (option a)", in_memory),
        ("onnx: first load (export model.onnx, once)", [onnx_cold]),
        ("onnx: warm load (no torch import)", onnx_warm),
    ]
    for label, runs in rows:
        rss = f"{_median(runs, 'rss_mb'):>13.0f}" if "rss_mb" in runs[0] else ""
        print(f"{label:<48}{_median(runs, 'wall'):>8.2f}{_median(runs, 'cpu'):>8.2f}{rss}")
    print(
        f"(torch imported by the warm onnx load: {onnx_warm[0]['torch_imported']}; "
        f"load average now {os.getloadavg()[0]:.1f})\n"
    )

    import numpy as np

    results, vectors = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            out = str(Path(tmp) / f"{backend}.npz")
            results[backend] = _spawn("run", data_dir, backend, str(n), out)
            vectors[backend] = dict(np.load(out))
    first = next(iter(results.values()))
    print(
        f"throughput and quality ({first['n_passages']} seed chunks at batch 32, "
        f"{first['n_questions']} gold questions; best of {n} rounds)"
    )
    print(
        f"{'backend':<14}{'thr':>4}{'pass/s':>8}{'pass/cpu-s':>11}{'q p50 ms':>9}"
        f"{'q p95 ms':>9}{'q cpu ms':>9}{'RSS MB':>7}{'min cos':>8}{'top-1 same 15|50':>18}"
    )
    ref = vectors.get("torch")
    for backend, r in results.items():
        quality = ""
        if ref is not None:
            v = vectors[backend]
            cos = min(
                float((v["passages"] * ref["passages"]).sum(1).min()),
                float((v["queries"] * ref["queries"]).sum(1).min()),
            )
            same = (v["queries"] @ v["passages"].T).argmax(1) == (
                ref["queries"] @ ref["passages"].T
            ).argmax(1)
            quality = f"{cos:>8.4f}{f'{same[:15].sum()}/15 {same.sum()}/{len(same)}':>18}"
        print(
            f"{backend:<14}{r['threads']:>4}{r['passages_per_s']:>8.1f}"
            f"{r['passages_per_cpu_s']:>11.1f}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}"
            f"{r['query_cpu_ms']:>9.1f}{r['rss_mb']:>7.0f}{quality}"
        )
    print(f"(load average at the end {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
