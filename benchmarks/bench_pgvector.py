"""Benchmark the PostgreSQL + pgvector store next to FAISS, on the same vectors in one run.

Data: synthetic clustered unit vectors of the e5 dimension (bench_index.clustered_vectors,
a Gaussian mixture; uniformly random vectors would make any HNSW look bad) and synthetic
Chinese chunk texts (random common characters, segmented by jieba like real chunks). Measured:

- ingestion through the product's own write path (COPY into a staging table, jieba words as
  tsvector, then GIN + HNSW built once), in chunks per second, and an incremental batch
  inserted into the indexed table (what `profile-qa index` does for a few changed articles);
- single-query latency p50/p95 of ``PgChunkIndex.search`` (k=10, through the pool, as the
  answering code calls it) at several ``hnsw_ef_search`` values, and recall@10 against exact
  search; the same for faiss flat (exact) and faiss HNSW (the product's parameters).

Prints a Markdown table; asserts nothing. Needs a PostgreSQL with pgvector: ``--database-url``
or ``$TEST_DATABASE_URL`` (``scripts/postgres.sh start`` prints one); skips cleanly without.

    .venv/bin/python benchmarks/bench_pgvector.py                  # 100k chunks, ~6 min
    .venv/bin/python benchmarks/bench_pgvector.py --n 20000 --ef-search 40,100
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_index import DIM, POINTS_PER_CLUSTER, K, clustered_vectors, exact_top_k

from corpus.model import Chunk

# Common characters; random runs of them give jieba realistic work.
_CHARS = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下"
    "过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都"
    "两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重"
    "新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想"
    "已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知"
    "较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质"
)


def _texts(n: int, rng: np.random.Generator) -> list[str]:
    picks = rng.integers(0, len(_CHARS), (n, 80))
    return ["".join(_CHARS[i] for i in row) for row in picks]


def _chunks(n: int, rng: np.random.Generator) -> list[Chunk]:
    out = []
    for i, text in enumerate(_texts(n, rng)):
        article = f"a{i // 20:06d}"
        out.append(
            Chunk(
                id=f"{article}:{i % 20}",
                article_id=article,
                section_index=0,
                text=text,
                header="",
                start=0,
                end=len(text),
                subject=f"s{i // 200}",
                section_title="",
                article_title="",
                date="",
                source_file=f"{article}.txt",
            )
        )
    return out


def _timed_queries(search: Any, queries: np.ndarray) -> tuple[list[float], np.ndarray]:
    latencies, found = [], []
    for q in queries:
        t = time.perf_counter_ns()
        found.append(search(q))
        latencies.append((time.perf_counter_ns() - t) / 1e6)
    return latencies, np.asarray(found)


def _recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t)) / K for f, t in zip(found, truth, strict=True)]))


def _row(name: str, params: str, build: str, latencies: list[float], recall: float) -> str:
    p50, p95 = np.percentile(latencies, 50), np.percentile(latencies, 95)
    return f"| {name} | {params} | {build} | {p50:.2f} | {p95:.2f} | {recall:.3f} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="chunks (default 100000)")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--ef-search", default="40,100,200", help="pgvector ef_search values")
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL", ""))
    args = parser.parse_args()
    if not args.database_url:
        print("skipped: no --database-url and no TEST_DATABASE_URL (scripts/postgres.sh start)")
        return 0

    import psycopg
    from psycopg.conninfo import make_conninfo

    from embeddings._ann import build_faiss_index
    from embeddings.fake import HashingEmbedder
    from embeddings.pgschema import (
        connect,
        create_chunk_indexes,
        create_chunk_table,
        migrate,
    )
    from embeddings.pgstore import open_pg_index
    from embeddings.pgwrite import copy_chunks, segment, write_manifest
    from profile_qa.settings import Settings

    rng = np.random.default_rng(7)
    clusters = max(16, args.n // POINTS_PER_CLUSTER)
    data = clustered_vectors(args.n, DIM, seed=1, clusters=clusters)
    queries = clustered_vectors(args.queries, DIM, seed=2, clusters=clusters)
    truth = exact_top_k(data, queries, K)
    chunks = _chunks(args.n, rng)
    extra = _chunks(1000, np.random.default_rng(8))
    extra = [
        Chunk(**{**c.__dict__, "id": "x" + c.id, "article_id": "x" + c.article_id}) for c in extra
    ]
    segment("预热")  # load jieba's dictionary outside the timings

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.database_url, autocommit=True) as admin:
        admin.execute("create extension if not exists vector")
        admin.execute(f"create schema {schema}")
        server = admin.execute("select version()").fetchone()[0].split(" on ")[0]
        pgv = admin.execute("select extversion from pg_extension where extname='vector'").fetchone()
    url = make_conninfo(args.database_url, options=f"-c search_path={schema},public")
    lines = []
    try:
        conn = connect(url)
        migrate(conn, url)
        embedder = HashingEmbedder(DIM)  # only its identity goes into the manifest
        settings = Settings(
            store="pgvector", database_url=url, embedding_model=f"fake:hashing-{DIM}"
        )
        manifest = _manifest(settings, embedder, chunks)
        t0 = time.perf_counter()
        with conn.transaction():
            create_chunk_table(conn, DIM)
            copy_chunks(conn, chunks, data)
            t1 = time.perf_counter()
            create_chunk_indexes(conn)
            write_manifest(conn, manifest)
        t2 = time.perf_counter()
        t3 = time.perf_counter()
        with conn.transaction():
            copy_chunks(conn, extra, clustered_vectors(len(extra), DIM, seed=3, clusters=clusters))
            conn.execute("delete from pqa_chunks where id like 'x%'")  # keep the truth exact
        t4 = time.perf_counter()
        size = conn.execute("select pg_relation_size('pqa_chunks_embedding')").fetchone()[0]
        conn.close()
        print(f"server: {server}, pgvector {pgv[0] if pgv else '?'}; {args.n} chunks of {DIM}-d")
        print(
            f"ingestion: COPY + jieba words {args.n / (t1 - t0):.0f} chunks/s ({t1 - t0:.1f} s), "
            f"GIN + HNSW build {t2 - t1:.1f} s, whole first build {args.n / (t2 - t0):.0f} "
            f"chunks/s; incremental batch into the indexed table "
            f"{len(extra) / (t4 - t3):.0f} chunks/s; HNSW index {size / 2**20:.0f} MB"
        )
        index = open_pg_index(settings, embedder)
        lines.append("| store | query-time setting | build | p50 ms | p95 ms | recall@10 |")
        lines.append("|---|---|---|---|---|---|")
        pos = {c.id: i for i, c in enumerate(chunks)}
        for ef in [int(x) for x in args.ef_search.split(",")]:
            snap = index.reload(embedder)
            snap.settings = settings.replace(hnsw_ef_search=ef)
            lat, found = _timed_queries(
                lambda q, s=snap: [pos[c.id] for c, _ in s.search(q, K)], queries
            )
            build = f"{t2 - t0:.0f} s (m=16, ef_c=64)"
            lines.append(
                _row("pgvector HNSW", f"ef_search={ef}", build, lat, _recall(found, truth))
            )
        for kind in ("flat", "hnsw"):
            t = time.perf_counter()
            built = build_faiss_index(data, kind)
            build_s = time.perf_counter() - t
            lat, found = _timed_queries(
                lambda q, b=built: b.index.search(q.reshape(1, -1), K)[1][0], queries
            )
            params = ", ".join(f"{k}={v}" for k, v in built.params.items()) or "exact"
            lines.append(
                _row(f"faiss {kind}", params, f"{build_s:.0f} s", lat, _recall(found, truth))
            )
        print("\n".join(lines))
    finally:
        with psycopg.connect(args.database_url, autocommit=True) as admin:
            admin.execute(f"drop schema if exists {schema} cascade")
    return 0


def _manifest(settings: Any, embedder: Any, chunks: list[Chunk]) -> dict[str, Any]:
    from embeddings.index import expected_identity

    articles: dict[str, Any] = {}
    for c in chunks:
        entry = articles.setdefault(
            c.article_id, {"content_hash": "", "source_file": c.source_file, "chunk_ids": []}
        )
        entry["chunk_ids"].append(c.id)
    return {
        **expected_identity(settings, embedder),
        "index": {"type": "pgvector-hnsw"},
        "articles": articles,
        "article_order": list(articles),
        "counts": {"articles": len(articles), "chunks": len(chunks)},
        "files": {},
    }


if __name__ == "__main__":
    sys.exit(main())
