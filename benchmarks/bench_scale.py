"""Scale test: the seed articles plus 15,000 distractor news articles, indexed and evaluated.

Reads ``../shared/benchmarks/distractors`` at run time (skips cleanly when absent), links
the seed articles and the distractors into one folder, builds the index with the progress
bar (time, chunks/s, model tokens/s, peak RSS of the build process), then runs the held-out
gold set on the seeds-only index and on the big one and prints hit@1 and answer accuracy
side by side. Not a CI test: the build takes ~20 minutes on 2 cores.

    nice -n 10 .venv/bin/python benchmarks/bench_scale.py [--work /tmp/scale] [--limit 15000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from eval.suite import default_benchmarks_dir  # noqa: E402 - after the path is set

# ../shared/benchmarks, found as the suite finds it (absent: the benchmark says so and skips)
BENCHMARKS = default_benchmarks_dir() or REPO.parent / "shared" / "benchmarks"
GOLD = REPO / "eval" / "gold" / "holdout.jsonl"


def _link_corpus(folder: Path, distractors: Path, limit: int) -> int:
    from corpus.samples import EDITOR_FILES
    from profile_qa.settings import Settings

    folder.mkdir(parents=True, exist_ok=True)
    seed_dir = Settings().articles_dir
    seeds = sorted(seed_dir.iterdir())
    # The editor's files (English names of the profiles) live beside the articles folder.
    for name in EDITOR_FILES:
        source = seed_dir.parent / name
        if source.is_file():
            shutil.copy(source, folder.parent / name)
    extra = sorted(p for p in distractors.iterdir() if p.is_file())[:limit]
    for path in [*seeds, *extra]:
        link = folder / path.name
        if not link.exists():
            # A copy: links leaving the articles folder are skipped by the loader.
            shutil.copy(path, link)
    return len(seeds) + len(extra)


def build(articles: Path, data_dir: Path) -> dict:
    """Build the index in this process; returns time, throughput and peak memory."""
    from embeddings import build_index, load_embedder
    from profile_qa.settings import load_settings

    settings = load_settings(articles_dir=articles, data_dir=data_dir)
    started = time.perf_counter()
    embedder = load_embedder(settings)
    report = build_index(settings, embedder, progress=True)
    tokens = None
    if hasattr(embedder, "token_counts"):  # the embedded model: count what it computed
        from embeddings import open_index

        texts = [c.indexed_text for c in open_index(settings, embedder).chunks]
        tokens = sum(embedder.token_counts(texts))
    return {
        "articles": len(report.added),
        "skipped": len(report.skipped),
        "chunks": report.chunks,
        "index_type": report.index_type,
        "seconds": round(time.perf_counter() - started, 1),
        "embed_seconds": round(report.embed_seconds, 1),
        "chunks_per_s": round(report.chunks_per_second, 1),
        "model_tokens_per_s": round(tokens / report.embed_seconds) if tokens else None,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "load_average": round(os.getloadavg()[0], 1),
        "precision": settings.embedding_precision,
        "batch_size": settings.embedding_batch_size,
    }


def evaluate(articles: Path, data_dir: Path, out: Path) -> dict:
    """The held-out gold set against one index (``profile-qa eval``, extractive)."""
    env = {
        **os.environ,
        "PROFILE_QA_ARTICLES_DIR": str(articles),
        "PROFILE_QA_DATA_DIR": str(data_dir),
    }
    command = [sys.executable, "-m", "profile_qa", "eval", "--gold", str(GOLD), "--no-progress"]
    subprocess.run([*command, "--out", str(out)], env=env, check=True, capture_output=True)
    summary = json.loads((out / "report.json").read_text(encoding="utf-8"))["summary"]
    return {k: summary[k] for k in ("hit_at_1", "hit_at_3", "answer_accuracy", "n")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, help="working folder (default: a temp folder)")
    parser.add_argument("--limit", type=int, default=15_000, help="distractor articles to add")
    parser.add_argument("--distractors", type=Path, default=BENCHMARKS / "distractors")
    parser.add_argument("--child-build", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_build:
        print(json.dumps(build(Path(args.child_build[0]), Path(args.child_build[1]))))
        return
    if not args.distractors.is_dir():
        print(f"skipped: {args.distractors} is absent (benchmark data is not part of the repo)")
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-scale-"))
    articles = work / "articles"
    n = _link_corpus(articles, args.distractors, args.limit)
    print(f"{n} articles linked into {articles}; load average {os.getloadavg()[0]:.1f}")
    # The build runs in a child process so that its peak RSS is the build's alone.
    child = subprocess.run(
        [sys.executable, __file__, "--child-build", str(articles), str(work / "data")],
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    built = json.loads(child.stdout.strip().splitlines()[-1])
    print(json.dumps(built, indent=1))
    from profile_qa.settings import Settings

    seeds = evaluate(Settings().articles_dir, work / "data-seeds", work / "eval-seeds")
    big = evaluate(articles, work / "data", work / "eval-distractors")
    print("\n| held-out gold set | questions | hit@1 | hit@3 | answer accuracy |")
    print("|---|---:|---:|---:|---:|")
    for label, r in (("seeds only", seeds), (f"seeds + {args.limit:,} distractors", big)):
        print(
            f"| {label} | {r['n']} | {r['hit_at_1']:.3f} | {r['hit_at_3']:.3f} "
            f"| {r['answer_accuracy']:.3f} |"
        )
    print(
        f"\nindex: {built['articles']:,} articles, {built['chunks']:,} chunks "
        f"({built['index_type']}) in {built['seconds'] / 60:.1f} min, "
        f"{built['chunks_per_s']} chunks/s ({built['model_tokens_per_s']} model tokens/s) "
        f"while embedding ({built['precision']}, batch {built['batch_size']}), "
        f"peak RSS {built['peak_rss_mb']} MB, "
        f"load average {built['load_average']} at the end"
    )
    print(
        f"differences: hit@1 {big['hit_at_1'] - seeds['hit_at_1']:+.3f}, "
        f"answer accuracy {big['answer_accuracy'] - seeds['answer_accuracy']:+.3f}"
    )


if __name__ == "__main__":
    main()
