"""profile-qa next to the LangChain tutorial pipeline, on the same corpus, in one run.

The tutorial pipeline: LangChain's RecursiveCharacterTextSplitter (500 characters, overlap
50), the same multilingual-e5-small through sentence-transformers (torch, float32, the
prompts "passage: " / "query: "), and a FAISS inner-product index (faiss directly). profile-qa:
its own loader, sentence chunker and index, the default ONNX int8 model. For each side, in
fresh processes: index build time and chunks/s, start time (process start until the model
and index are loaded and a first query is answered), query p50/p95 (embedding + search over
the index, the retrieval step both share; profile-qa's whole answer adds BM25 fusion and
extraction, see bench_qa.py) and peak RSS. Ratios are LangChain / profile-qa.

Corpus: the seed articles plus ``--distractors`` news articles from
``../shared/benchmarks/distractors`` (a fixed sample; seeds only when absent). Needs
``langchain-text-splitters`` (the dev extra). Prints a table; asserts nothing.

    nice -n 10 .venv/bin/python benchmarks/bench_langchain.py [--distractors 60]
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STARTED = time.perf_counter()
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from eval.suite import default_benchmarks_dir  # noqa: E402 - after the path is set

# ../shared/benchmarks, found as the suite finds it (absent: the benchmark says so and skips)
BENCHMARKS = default_benchmarks_dir() or REPO.parent / "shared" / "benchmarks"
QUESTIONS = REPO / "eval" / "gold" / "holdout.jsonl"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _questions() -> list[str]:
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def _latencies(search: object, questions: list[str]) -> tuple[float, float]:
    times = []
    for q in questions * 2:
        start = time.perf_counter()
        search(q)  # type: ignore[operator]
        times.append(1000 * (time.perf_counter() - start))
    times.sort()
    return times[len(times) // 2], times[int(0.95 * (len(times) - 1))]


# ---- profile-qa ------------------------------------------------------------------------------


def _pqa_settings(articles: str, data: str) -> object:
    from profile_qa.settings import load_settings

    return load_settings(articles_dir=articles, data_dir=data)


def pqa_build(articles: str, data: str) -> dict:
    from embeddings import build_index, load_embedder

    settings = _pqa_settings(articles, data)
    embedder = load_embedder(settings)
    start = time.perf_counter()
    report = build_index(settings, embedder, progress=False)
    return {
        "build_s": time.perf_counter() - start,
        "chunks": report.chunks,
        "chunks_per_s": report.chunks_per_second,
        "rss_mb": _rss_mb(),
    }


def pqa_serve(articles: str, data: str) -> dict:
    from embeddings import load_embedder, open_index

    settings = _pqa_settings(articles, data)
    embedder = load_embedder(settings)
    index = open_index(settings, embedder)

    def search(q: str) -> object:
        return index.search(embedder.embed_query(q), k=5)

    search("热身")
    ready = time.perf_counter() - STARTED
    p50, p95 = _latencies(search, _questions())
    return {"start_s": ready, "p50_ms": p50, "p95_ms": p95, "rss_mb": _rss_mb()}


# ---- the LangChain tutorial pipeline ------------------------------------------------------


def _st_model() -> object:
    from embeddings import _e5_convert as e5
    from embeddings._st_compat import quiet_loading, st_modules
    from profile_qa.settings import load_settings

    # The same weights as profile-qa, as a sentence-transformers folder (converted once).
    files = e5.locate_embedded_files()
    folder = e5.cache_path(load_settings().model_cache_dir, files)
    if not folder.is_dir():
        e5.convert_to_cache(files, folder)
    with quiet_loading():
        return st_modules()[0](str(folder), device="cpu")


def lc_build(articles: str, data: str) -> dict:
    import faiss
    import numpy as np
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    model = _st_model()
    start = time.perf_counter()
    docs = [
        Document(page_content=p.read_text(encoding="utf-8"), metadata={"source": p.name})
        for p in sorted(Path(articles).iterdir())
        if p.suffix == ".txt"
    ]
    splits = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50).split_documents(docs)
    texts = [d.page_content for d in splits]
    embed_start = time.perf_counter()
    vectors = model.encode(  # type: ignore[attr-defined]
        texts, prompt="passage: ", batch_size=32, normalize_embeddings=True, convert_to_numpy=True
    )
    embed_s = time.perf_counter() - embed_start
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(np.asarray(vectors, dtype=np.float32))
    Path(data).mkdir(parents=True, exist_ok=True)
    faiss.write_index(index, str(Path(data) / "index.faiss"))
    (Path(data) / "texts.pkl").write_bytes(pickle.dumps(texts))
    return {
        "build_s": time.perf_counter() - start,
        "chunks": len(texts),
        "chunks_per_s": len(texts) / embed_s,
        "rss_mb": _rss_mb(),
    }


def lc_serve(articles: str, data: str) -> dict:
    import faiss

    model = _st_model()
    index = faiss.read_index(str(Path(data) / "index.faiss"))
    texts = pickle.loads((Path(data) / "texts.pkl").read_bytes())

    def search(q: str) -> object:
        v = model.encode([q], prompt="query: ", normalize_embeddings=True)  # type: ignore[attr-defined]
        _, rows = index.search(v, 5)
        return [texts[r] for r in rows[0]]

    search("热身")
    ready = time.perf_counter() - STARTED
    p50, p95 = _latencies(search, _questions())
    return {"start_s": ready, "p50_ms": p50, "p95_ms": p95, "rss_mb": _rss_mb()}


WORKERS = {
    "pqa-build": pqa_build,
    "pqa-serve": pqa_serve,
    "lc-build": lc_build,
    "lc-serve": lc_serve,
}


def _spawn(kind: str, articles: Path, data: Path) -> dict:
    cmd = [sys.executable, __file__, "--worker", kind, str(articles), str(data)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distractors", type=int, default=60, help="news articles to add")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(WORKERS[args.worker[0]](args.worker[1], args.worker[2])))
        return

    from profile_qa.settings import Settings

    work = Path(tempfile.mkdtemp(prefix="bench-langchain-"))
    articles = work / "articles"
    articles.mkdir()
    sources = sorted(Settings().articles_dir.glob("*.txt"))
    news = BENCHMARKS / "distractors"
    if news.is_dir():
        files = sorted(news.glob("*.txt"))
        sources += random.Random(0).sample(files, min(len(files), args.distractors))
    for path in sources:
        # A copy: links leaving the articles folder are skipped by the loader.
        shutil.copy(path, articles / path.name)
    print(f"corpus: {len(sources)} articles in {articles}; load average {os.getloadavg()[0]:.1f}")
    sides = {}
    for name, prefix in (("profile-qa", "pqa"), ("LangChain tutorial", "lc")):
        built = _spawn(f"{prefix}-build", articles, work / prefix)
        served = _spawn(f"{prefix}-serve", articles, work / prefix)
        sides[name] = {**built, **served, "rss_mb": max(built["rss_mb"], served["rss_mb"])}
        print(f"  {name}: {json.dumps(sides[name])}", flush=True)
    pqa, lc = sides["profile-qa"], sides["LangChain tutorial"]
    rows = [
        ("chunks", "chunks", "{:.0f}"),
        ("index build (s)", "build_s", "{:.1f}"),
        ("chunks embedded per second", "chunks_per_s", "{:.1f}"),
        ("start: process to first answer (s)", "start_s", "{:.2f}"),
        ("query p50 (ms)", "p50_ms", "{:.1f}"),
        ("query p95 (ms)", "p95_ms", "{:.1f}"),
        ("peak RSS (MB)", "rss_mb", "{:.0f}"),
    ]
    print("\n| | profile-qa | LangChain tutorial | LangChain / profile-qa |")
    print("|---|---:|---:|---:|")
    for label, key, fmt in rows:
        ratio = lc[key] / pqa[key] if pqa[key] else float("nan")
        print(f"| {label} | {fmt.format(pqa[key])} | {fmt.format(lc[key])} | {ratio:.2f} |")
    print(f"\n(load average at the end {os.getloadavg()[0]:.1f}; work folder {work})")


if __name__ == "__main__":
    main()
