"""Latency of retrieval and of whole answers, once the model is loaded. Prints figures only.

    .venv/bin/python benchmarks/bench_qa.py                  # embedded model, extractive
    .venv/bin/python benchmarks/bench_qa.py --model fake:hashing-256 --repeat 5

Questions: the gold set (eval/gold/seed.jsonl) when present, else a built-in list. The index
is built under --data-dir if missing (not timed).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

BUILT_IN = [
    "武汉市经信局协调捐赠了多少辆MPV？",
    "夏昆山做了哪些工作？",
    "三奇口罩日产量提高到多少？",
    "天隆科技牵头制订了什么标准？",
    "中国通服在什么时候前完成了平台施工？",
    "武漢市經信局協調捐贈了多少輛MPV？",
    "How many MPVs did the Wuhan bureau coordinate?",
    "三奇公司有多少名员工？",
    "华为公司捐赠了多少口罩？",
]


def _questions() -> list[tuple[str, list[str]]]:
    gold = REPO / "eval" / "gold" / "seed.jsonl"
    if gold.is_file():
        rows = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines() if line]
        return [(r["question"], list(r.get("history") or [])) for r in rows]
    return [(q, []) for q in BUILT_IN]


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _line(name: str, values: list[float]) -> str:
    return (
        f"{name:<22} n={len(values):<5} p50={_pct(values, 50):7.1f} ms  "
        f"p95={_pct(values, 95):7.1f} ms  max={max(values):7.1f} ms  "
        f"mean={statistics.fmean(values):7.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="embedding model (default: embedded e5)")
    parser.add_argument("--data-dir", type=Path, default=Path(".profile-qa-bench"))
    parser.add_argument("--repeat", type=int, default=3, help="passes over the questions")
    parser.add_argument("--generator", default="extractive", choices=["extractive", "llm"])
    parser.add_argument(
        "--threads", type=int, default=0, help="torch intra-op threads (0: torch's default)"
    )
    args = parser.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)

    from profile_qa.settings import load_settings
    from qa import load_answerer

    settings = load_settings(
        data_dir=args.data_dir, embedding_model=args.model, generator=args.generator
    )
    started = time.perf_counter()
    answerer = load_answerer(settings, notify=lambda m: print(m, file=sys.stderr))
    load_s = time.perf_counter() - started
    questions = _questions()
    for question, history in questions[:5]:  # warm caches (jieba, opencc, sentence vectors)
        answerer.answer(question, history)

    dense: list[float] = []
    lexical: list[float] = []
    retrieval: list[float] = []
    retrieve_only: list[float] = []
    generation: list[float] = []
    total: list[float] = []
    wall: list[float] = []
    for _ in range(args.repeat):
        answerer.retriever._vectors.clear()  # measure embedding every time, not the cache
        for question, history in questions:
            t = time.perf_counter()
            answer = answerer.answer(question, history)
            wall.append((time.perf_counter() - t) * 1000)
            retrieval.append(answer.timings_ms["retrieval"])
            dense.append(answer.timings_ms.get("dense", 0.0))
            lexical.append(answer.timings_ms.get("lexical", 0.0))
            generation.append(answer.timings_ms["generation"])
            total.append(answer.timings_ms["total"])
            answerer.retriever._vectors.clear()
            t = time.perf_counter()
            answerer.retrieve(question)
            retrieve_only.append((time.perf_counter() - t) * 1000)

    print(f"model={settings.embedding_model} generator={args.generator} "
          f"mode={settings.retrieval_mode} top_k={settings.top_k} cpus={os.cpu_count()} "
          f"load={load_s:.1f}s questions={len(questions)} repeat={args.repeat} "
          f"loadavg={os.getloadavg()[0]:.1f}")  # fmt: skip
    print(_line("  dense (embed+faiss)", dense))
    print(_line("  lexical (jieba+bm25)", lexical))
    print(_line("retrieval (in answer)", retrieval))
    print(_line("retrieve() call", retrieve_only))
    print(_line("generation", generation))
    print(_line("answer total", total))
    print(_line("answer() wall", wall))


if __name__ == "__main__":
    main()
