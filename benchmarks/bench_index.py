"""Benchmark the faiss structures behind the chunk index: flat (exact), HNSW and IVF.

Synthetic clustered unit vectors (a mixture of Gaussians, like sentence embeddings, so that
approximate search has structure to exploit). For each size and index type it measures build
time, single-query search latency (p50/p95), recall@10 against exact search, the file size
written by faiss and the peak RSS of a fresh process holding the data, the queries and the
index (the index itself takes about its file size in memory). Prints a Markdown table;
asserts nothing.

    .venv/bin/python benchmarks/bench_index.py                      # 10k, 100k, 1M (3-7 min)
    .venv/bin/python benchmarks/bench_index.py --sizes 10000,100000 --queries 500
    # HNSW at 1M is skipped by default (its build takes ~10 minutes on 2 cores):
    .venv/bin/python benchmarks/bench_index.py --sizes 1000000 --types hnsw \
        --hnsw-max-size 1000000 --hnsw-m 16 --ef-construction 40 --ef-search 64,256,1024
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from embeddings._ann import build_faiss_index

DIM = 384  # multilingual-e5-small
K = 10
POINTS_PER_CLUSTER = 100  # so every size has the same local structure, as a corpus grows
TOPIC_SPREAD = 0.8  # cluster centres scatter around a few broad topics, so clusters overlap
SPREAD = (1.0, 1.8)  # noise norm relative to the centre, per cluster: tight and loose ones


def _scatter(centres: np.ndarray, spread: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    noise = rng.standard_normal(centres.shape, dtype=np.float32)
    noise *= (spread / np.sqrt(centres.shape[1]))[:, None]
    noise += centres
    return noise / np.linalg.norm(noise, axis=1, keepdims=True)


def clustered_vectors(n: int, dim: int, seed: int, clusters: int) -> np.ndarray:
    """``n`` unit vectors from a two-level Gaussian mixture (topics -> clusters -> points).

    The mixture's shape depends only on ``clusters`` (fixed seed), so data and queries drawn
    with different seeds come from the same distribution.
    """
    shape_rng = np.random.default_rng(0)
    topics = shape_rng.standard_normal((max(4, int(np.sqrt(clusters))), dim), dtype=np.float32)
    topics /= np.linalg.norm(topics, axis=1, keepdims=True)
    centres = topics[shape_rng.integers(0, len(topics), clusters)]
    centres = _scatter(centres, np.full(clusters, TOPIC_SPREAD, np.float32), shape_rng)
    spreads = shape_rng.uniform(*SPREAD, clusters).astype(np.float32)
    rng = np.random.default_rng(seed)
    out = np.empty((n, dim), dtype=np.float32)
    block = 20_000  # small temporaries, so peak RSS reflects the data and the index
    for start in range(0, n, block):
        which = rng.integers(0, clusters, min(n, start + block) - start)
        out[start : start + len(which)] = _scatter(centres[which], spreads[which], rng)
    return out


def exact_top_k(data: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Ground truth ids by brute-force inner product (numpy, blocked)."""
    best = np.empty((len(queries), k), dtype=np.int64)
    for i in range(0, len(queries), 64):
        scores = queries[i : i + 64] @ data.T
        top = np.argpartition(-scores, k, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1)
        best[i : i + 64] = np.take_along_axis(top, order, axis=1)
    return best


def run_one(
    n: int, index_type: str, queries_n: int, params: dict[str, Any], probes: list[int]
) -> list[dict[str, Any]]:
    """Build one (size, type) in this process and measure it at each query-time setting
    (HNSW efSearch or IVF nprobe values in ``probes``; the index's own when empty)."""
    import faiss

    clusters = max(16, n // POINTS_PER_CLUSTER)
    data = clustered_vectors(n, DIM, seed=1, clusters=clusters)
    queries = clustered_vectors(queries_n, DIM, seed=2, clusters=clusters)
    truth = exact_top_k(data, queries, K)

    started = time.perf_counter()
    built = build_faiss_index(data, index_type, ivf_min_vectors=0, **params)
    build_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "v.faiss")
        faiss.write_index(built.index, path)
        size = os.path.getsize(path)

    rows = []
    for probe in probes or [0]:
        shown = dict(built.params)
        if probe and built.index_type == "hnsw":
            built.index.hnsw.efSearch = shown["ef_search"] = probe
        elif probe and built.index_type == "ivf":
            built.index.nprobe = shown["nprobe"] = probe
        latencies = []
        found = np.empty((queries_n, K), dtype=np.int64)
        for i in range(queries_n):
            t = time.perf_counter_ns()
            _, ids = built.index.search(queries[i : i + 1], K)
            latencies.append(time.perf_counter_ns() - t)
            found[i] = ids[0]
        recall = np.mean([len(set(found[i]) & set(truth[i])) / K for i in range(queries_n)])
        rows.append(
            {
                "n": n,
                "type": built.index_type,
                "params": shown,
                "build_s": build_s,
                "p50_ms": float(np.percentile(latencies, 50)) / 1e6,
                "p95_ms": float(np.percentile(latencies, 95)) / 1e6,
                "recall": float(recall),
                "size_mb": size / 2**20,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    return rows


def _child(args: argparse.Namespace, n: int, index_type: str) -> list[dict[str, Any]]:
    # A fresh process per measurement, so peak RSS belongs to that one index alone.
    params = _params(args, index_type)
    command = [
        sys.executable,
        __file__,
        "--child",
        f"{n}:{index_type}",
        "--queries",
        str(args.queries),
        "--threads",
        str(args.threads),
        "--params",
        json.dumps(params),
        "--probes",
        _probes(args, index_type),
    ]
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _params(args: argparse.Namespace, index_type: str) -> dict[str, Any]:
    if index_type == "hnsw":
        return {"hnsw_m": args.hnsw_m, "ef_construction": args.ef_construction}
    return {}


def _probes(args: argparse.Namespace, index_type: str) -> str:
    return {"hnsw": args.ef_search, "ivf": args.nprobe}.get(index_type, "")


def _table(rows: list[dict[str, Any]]) -> str:
    head = (
        "| vectors | index | parameters | build s | p50 ms | p95 ms | recall@10 "
        "| file MB | peak RSS MB |"
    )
    lines = [head, "|---:|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        params = ", ".join(f"{k}={v}" for k, v in r["params"].items()) or "exact"
        lines.append(
            f"| {r['n']:,} | {r['type']} | {params} | {r['build_s']:.1f} | {r['p50_ms']:.3f} "
            f"| {r['p95_ms']:.3f} | {r['recall']:.3f} | {r['size_mb']:.0f} "
            f"| {r['peak_rss_mb']:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Parse options, run every (size, type) in a child process, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="10000,100000,1000000", help="comma-separated numbers of vectors"
    )
    parser.add_argument("--types", default="flat,hnsw,ivf")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--hnsw-m", type=int, default=32)
    parser.add_argument("--ef-construction", type=int, default=80)
    parser.add_argument(
        "--ef-search", default="64,128,256", help="comma-separated HNSW efSearch values to measure"
    )
    parser.add_argument(
        "--nprobe", default="", help="comma-separated IVF nprobe values (default: the index's)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="faiss OpenMP threads (1: one query per core, as in a server)",
    )
    parser.add_argument(
        "--hnsw-max-size",
        type=int,
        default=100_000,
        help="skip HNSW above this size (its 1M build takes many minutes)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--params", default="{}", help=argparse.SUPPRESS)
    parser.add_argument("--probes", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        import faiss

        faiss.omp_set_num_threads(args.threads)
        n, index_type = args.child.split(":")
        probes = [int(p) for p in args.probes.split(",") if p.strip()]
        rows = run_one(int(n), index_type, args.queries, json.loads(args.params), probes)
        print(json.dumps(rows))
        return

    import faiss

    print(
        f"faiss {faiss.__version__}, numpy {np.__version__}, {os.cpu_count()} CPUs, "
        f"{platform.processor() or platform.machine()}, load average "
        f"{os.getloadavg()[0]:.1f}; dim {DIM}, Gaussian clusters of ~{POINTS_PER_CLUSTER} "
        f"vectors, {args.queries} "
        f"single queries, k={K}, {args.threads} faiss thread(s)",
        flush=True,
    )
    rows = []
    started = time.perf_counter()
    for n in (int(s) for s in args.sizes.split(",")):
        for index_type in args.types.split(","):
            if index_type == "hnsw" and n > args.hnsw_max_size:
                print(f"  {n:>9,} hnsw  skipped (above --hnsw-max-size)", flush=True)
                continue
            for row in _child(args, n, index_type):
                rows.append(row)
                print(
                    f"  {n:>9,} {index_type:<5} build {row['build_s']:6.1f} s  "
                    f"p50 {row['p50_ms']:.3f} ms  recall {row['recall']:.3f}  {row['params']}",
                    flush=True,
                )
    print(f"\ntotal {time.perf_counter() - started:.0f} s\n")
    print(_table(rows))


if __name__ == "__main__":
    main()
