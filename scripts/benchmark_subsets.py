"""Reduced benchmark corpora for quick evaluation runs on a small machine.

For each benchmark's dev questions: the question's own article plus the K articles sharing most
character pairs with the question (its nearest distractors, what retrieval competes with),
linked (not copied) into <out>/<set>/articles. Benchmarks are read from ../shared/benchmarks at
run time and never copied into the repository; nothing happens when the folder is absent.

  .venv/bin/python scripts/benchmark_subsets.py --out /work/cache --k 4
then, per set:
  D=/work/cache/i10-sub-drcd
  PROFILE_QA_ARTICLES_DIR=$D/articles PROFILE_QA_DATA_DIR=$D \\
    .venv/bin/profile-qa eval --gold ../shared/benchmarks/drcd/dev.jsonl --out reports/drcd
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import re
from pathlib import Path

SETS = ("cmrc2018", "drcd", "crud_rag", "rgb_zh")


def _bigrams(text: str, convert) -> set[str]:  # type: ignore[no-untyped-def]
    chars = re.sub(r"[\W_]+", "", convert(text).lower())
    return {a + b for a, b in itertools.pairwise(chars)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    root = Path(__file__).resolve().parent.parent
    parser.add_argument("--benchmarks", default=str(root.parent / "shared" / "benchmarks"))
    parser.add_argument("--out", required=True)
    parser.add_argument("--k", type=int, default=4)
    args = parser.parse_args()
    bench = Path(args.benchmarks)
    if not bench.is_dir():
        print(f"no benchmarks at {bench}: nothing to do")
        return
    import opencc

    convert = opencc.OpenCC("t2s").convert
    for name in SETS:
        articles = sorted((bench / name / "articles").iterdir())
        grams = {
            p.name: _bigrams(p.read_text(encoding="utf-8", errors="replace"), convert)
            for p in articles
        }
        keep: set[str] = set()
        lines = (bench / name / "dev.jsonl").read_text(encoding="utf-8").splitlines()
        for line in filter(None, lines):
            q = json.loads(line)
            if q.get("doc"):
                keep.add(q["doc"])
            qg = _bigrams(q["question"], convert)
            # Normalised by length, so long articles do not crowd out the near ones.
            ranked = sorted(
                grams, key=lambda n: -len(qg & grams[n]) / math.sqrt(len(grams[n]) + 50)
            )
            keep.update(ranked[: args.k])
        out = Path(args.out) / f"i10-sub-{name}" / "articles"
        out.mkdir(parents=True, exist_ok=True)
        for n in keep:
            if not (out / n).exists():
                os.symlink(bench / name / "articles" / n, out / n)
        print(f"{name}: {len(articles)} -> {len(keep)} articles in {out}")


if __name__ == "__main__":
    main()
