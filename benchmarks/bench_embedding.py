"""Embedding benchmark: start-up, throughput (chunks/s and model tokens/s), query latency.

    .venv/bin/python benchmarks/bench_embedding.py [--chunks 600] [--rounds 2] [--torch]

Every measurement runs in a fresh subprocess (imports included). Throughput is measured on
300-token chunks of benchmark news articles (``../shared/benchmarks/distractors``, a fixed
sample, chunked by profile-qa) when present, else on the seed chunks; it compares the int8
and fp32 ONNX graphs, 1 and 2 threads, ONNX Runtime's spinning threads on and off (and the
torch backend with ``--torch``). Quality: cosine of each vector to fp32 and the top-1 seed
chunk of every seed gold question. On a shared machine wall time depends on the load, so
chunks per CPU-second is printed too (with 2 threads, the 2-core figure is at most twice
the 1-thread one). Prints tables; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from eval.suite import default_benchmarks_dir  # noqa: E402 - after the path is set

QUESTIONS = REPO / "eval" / "gold" / "seed.jsonl"
# ../shared/benchmarks, found as the suite finds it (absent: the benchmark says so and skips)
BENCHMARKS = default_benchmarks_dir() or REPO.parent / "shared" / "benchmarks"
# name -> (settings overrides, ONNX Runtime spinning)
CONFIGS = {
    "onnx int8-smooth, 2 threads": ({"embedding_precision": "int8-smooth"}, False),
    "onnx int8-smooth, 2 threads, batch 8": (
        {"embedding_precision": "int8-smooth", "embedding_batch_size": 8},
        False,
    ),
    "onnx int8, 2 threads, batch 8": (
        {"embedding_precision": "int8", "embedding_batch_size": 8},
        False,
    ),
    "onnx fp32, 2 threads, batch 8": (
        {"embedding_precision": "fp32", "embedding_batch_size": 8},
        False,
    ),
    "onnx int8-ffn32, 2 threads": ({"embedding_precision": "int8-ffn32"}, False),
    "onnx int8, 2 threads": ({"embedding_precision": "int8"}, False),
    "onnx int8, 2 threads, spinning": ({"embedding_precision": "int8"}, True),
    "onnx int8, 1 thread": ({"embedding_precision": "int8", "embedding_threads": 1}, False),
    "onnx fp32, 2 threads": ({"embedding_precision": "fp32"}, False),
    "torch fp32": ({"embedding_backend": "torch"}, False),
}
REFERENCE = "onnx fp32, 2 threads"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _chunks(n: int) -> list[str]:
    """``n`` chunk texts: benchmark news chunked by profile-qa (fixed sample), else seeds."""
    from corpus import chunk_articles, load_articles
    from profile_qa.settings import load_settings

    settings = load_settings(env={})
    folder = BENCHMARKS / "distractors"
    if folder.is_dir():
        files = sorted(folder.glob("*.txt"))
        sample = random.Random(0).sample(files, min(len(files), max(50, n // 3)))
        with tempfile.TemporaryDirectory() as tmp:
            for path in sample:
                # A copy: links leaving the articles folder are skipped by the loader.
                shutil.copy(path, Path(tmp) / path.name)
            articles = load_articles(Path(tmp)).articles
            texts = [c.indexed_text for c in chunk_articles(articles, settings)]
    else:
        texts = [
            c.indexed_text
            for c in chunk_articles(load_articles(settings.articles_dir).articles, settings)
        ]
    return texts[:n]


def _settings(cache: str, overrides: dict) -> object:
    from profile_qa.settings import load_settings

    return load_settings(env={}, model_cache_dir=cache, data_dir=tempfile.gettempdir(), **overrides)


def worker_load(cache: str, overrides: str) -> dict:
    start, cpu = time.perf_counter(), time.process_time()
    from embeddings import load_embedder

    embedder = load_embedder(_settings(cache, json.loads(overrides)))
    embedder.embed_query("热身")
    heavy = [m for m in ("torch", "transformers", "sentence_transformers") if m in sys.modules]
    return {
        "wall": time.perf_counter() - start,
        "cpu": time.process_time() - cpu,
        "rss_mb": _rss_mb(),
        "heavy": heavy,
    }


def worker_run(cache: str, name: str, n: int, rounds: int, out: str) -> dict:
    import numpy as np

    from embeddings import load_embedder

    overrides, spinning = CONFIGS[name]
    embedder = load_embedder(_settings(cache, overrides))
    if spinning:  # no setting for it: rebuild the session with spinning on
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        embedder.session = onnxruntime.InferenceSession(
            embedder.session._model_path, options, providers=["CPUExecutionProvider"]
        )
    texts = _chunks(n)
    questions = [
        json.loads(line)["question"] for line in QUESTIONS.read_text("utf-8").split("\n") if line
    ]
    from corpus import chunk_articles, load_articles

    settings = _settings(cache, {})
    seeds = [
        c.indexed_text
        for c in chunk_articles(load_articles(settings.articles_dir).articles, settings)
    ]
    embedder.embed_passages(texts[:16])
    rates, cpu_rates = [], []
    for _ in range(rounds):
        start, cpu = time.perf_counter(), time.process_time()
        vectors = embedder.embed_passages(texts)
        rates.append(len(texts) / (time.perf_counter() - start))
        cpu_rates.append(len(texts) / (time.process_time() - cpu))
    tokens = sum(embedder.token_counts(texts)) if hasattr(embedder, "token_counts") else None
    latencies = []
    queries = []
    for q in questions:
        start = time.perf_counter()
        queries.append(embedder.embed_query(q))
        latencies.append(1000 * (time.perf_counter() - start))
    latencies.sort()
    np.savez(out, passages=vectors, queries=np.stack(queries), seeds=embedder.embed_passages(seeds))
    best = max(rates)
    return {
        "chunks_per_s": best,
        "chunks_per_cpu_s": max(cpu_rates),
        "tokens_per_s": tokens / len(texts) * best if tokens else None,
        "tokens_per_chunk": tokens / len(texts) if tokens else None,
        "p50_ms": statistics.median(latencies),
        "p95_ms": latencies[int(0.95 * (len(latencies) - 1))],
        "rss_mb": _rss_mb(),
        "n": len(texts),
        "load": os.getloadavg()[0],
    }


def _spawn(*args: str) -> dict:
    cmd = [sys.executable, __file__, "--worker", *args]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"worker {args} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--torch", action="store_true", help="also the torch backend (slow)")
    parser.add_argument(
        "--only",
        default="",
        help="comma list of name parts: run the configurations naming one (fp32 always runs)",
    )
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, *rest = args.worker
        if kind == "load":
            print(json.dumps(worker_load(*rest)))
        else:
            print(json.dumps(worker_run(rest[0], rest[1], int(rest[2]), int(rest[3]), rest[4])))
        return

    import numpy as np

    cache = tempfile.mkdtemp(prefix="bench-embedding-cache-")  # fresh: the first load is cold
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} at start\n")
    print(
        "| start (process start to first query vector) | wall s | cpu s | peak RSS MB | imports |"
    )
    print("|---|---:|---:|---:|---|")
    rows = [
        ("first start: build graph + tokenizer (int8)", '{"embedding_precision": "int8"}'),
        ("warm start, int8", '{"embedding_precision": "int8"}'),
        ("warm start, int8 (again)", '{"embedding_precision": "int8"}'),
        ("first start fp32, the default (builds its graph)", '{"embedding_precision": "fp32"}'),
        ("warm start, fp32 (default)", '{"embedding_precision": "fp32"}'),
    ]
    for label, overrides in rows:
        r = _spawn("load", cache, overrides)
        heavy = ", ".join(r["heavy"]) or "no torch/transformers"
        print(f"| {label} | {r['wall']:.2f} | {r['cpu']:.2f} | {r['rss_mb']:.0f} | {heavy} |")

    names = [n for n in CONFIGS if args.torch or not n.startswith("torch")]
    if args.only:
        wanted = args.only.split(",")
        # fp32 stays: it is the reference of the cosine and top-1 columns
        names = [n for n in names if n == REFERENCE or any(w in n for w in wanted)]
    results, vectors = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            out = str(Path(tmp) / "v.npz")
            results[name] = _spawn("run", cache, name, str(args.chunks), str(args.rounds), out)
            vectors[name] = dict(np.load(out))
    # Not every configuration counts model tokens (the torch one does not): take one that does.
    first = next((r for r in results.values() if r.get("tokens_per_chunk")), None)
    first = first or next(iter(results.values()))
    per_chunk = first.get("tokens_per_chunk") or 0
    print(
        f"\nthroughput: {first['n']} chunks of benchmark news ({per_chunk:.0f} "
        f"model tokens each on average), best of {args.rounds}; 50 seed gold questions\n"
    )
    print(
        "| configuration | chunks/s | model tokens/s | chunks per CPU-s | query p50 / p95 ms "
        "| peak RSS MB | min cosine to fp32 | same top-1 seed chunk | load |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    ref = vectors[REFERENCE]
    for name, r in results.items():
        v = vectors[name]
        cos = min(float((v[k] * ref[k]).sum(1).min()) for k in ("passages", "queries", "seeds"))
        same = (v["queries"] @ v["seeds"].T).argmax(1) == (ref["queries"] @ ref["seeds"].T).argmax(
            1
        )
        tokens = f"{r['tokens_per_s']:.0f}" if r["tokens_per_s"] else "-"
        print(
            f"| {name} | {r['chunks_per_s']:.1f} | {tokens} | {r['chunks_per_cpu_s']:.1f} "
            f"| {r['p50_ms']:.1f} / {r['p95_ms']:.1f} | {r['rss_mb']:.0f} | {cos:.4f} "
            f"| {same.sum()}/{len(same)} | {r['load']:.1f} |"
        )
    print(f"\n(load average at the end {os.getloadavg()[0]:.1f}; model cache {cache})")


if __name__ == "__main__":
    main()
