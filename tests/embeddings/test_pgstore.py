"""What only the PostgreSQL store has: schema versions, the database lock, batches, outages.

Against a real server (tests/pg.py); the behaviour both stores share is in
test_store_contract.py.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import psycopg
import pytest

from embeddings import build_index, open_index, pgbuild
from embeddings.build import IndexBusyError
from embeddings.fake import HashingEmbedder
from embeddings.pgschema import BUILD_LOCK_KEY, SCHEMA_VERSION
from profile_qa.errors import StoreSchemaError, StoreUnavailableError
from profile_qa.settings import Settings

pytestmark = pytest.mark.slow
SECOND = "004_cc9c6a30d5e618a3"


class FailingEmbedder(HashingEmbedder):
    """Dies after a few batches, like an indexer killed half way."""

    def __init__(self, batches: int) -> None:
        super().__init__()
        self.left = batches

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.left -= 1
        if self.left < 0:
            raise KeyboardInterrupt
        return super().embed_passages(texts)


@pytest.fixture
def articles(tmp_path: Path, seed_articles_dir: Path) -> Path:
    folder = tmp_path / "articles"
    shutil.copytree(seed_articles_dir, folder)
    return folder


@pytest.fixture
def shared(settings: Settings, articles: Path, pg_url: str) -> Settings:
    return settings.replace(articles_dir=articles, store="pgvector", database_url=pg_url)


def test_a_newer_schema_is_refused_with_a_clear_message(shared: Settings) -> None:
    embedder = HashingEmbedder()
    build_index(shared, embedder, progress=False)
    with psycopg.connect(shared.database_url, autocommit=True) as conn:
        conn.execute("update pqa_meta set schema_version = %s", (SCHEMA_VERSION + 1,))
    with pytest.raises(StoreSchemaError, match=r"newer than this profile-qa knows.*upgrade"):
        open_index(shared, embedder)
    with pytest.raises(StoreSchemaError, match="upgrade profile-qa"):
        build_index(shared, embedder, progress=False)


def test_an_older_schema_is_migrated_by_index(shared: Settings) -> None:
    embedder = HashingEmbedder()
    build_index(shared, embedder, progress=False)
    with psycopg.connect(shared.database_url, autocommit=True) as conn:
        conn.execute("update pqa_meta set schema_version = 0")
    with pytest.raises(StoreSchemaError, match="run `profile-qa index`"):
        open_index(shared, embedder)
    build_index(shared, embedder, progress=False)
    assert len(open_index(shared, embedder)) > 0


def test_a_second_indexer_is_refused_while_one_runs(shared: Settings) -> None:
    with psycopg.connect(shared.database_url, autocommit=True) as other:
        other.execute("select pg_advisory_lock(%s)", (BUILD_LOCK_KEY,))
        with pytest.raises(IndexBusyError, match=r"another `profile-qa index`.*wait"):
            build_index(shared, HashingEmbedder(), progress=False)
    assert build_index(shared, HashingEmbedder(), progress=False).written


def test_an_indexer_killed_between_batches_leaves_the_committed_batches(
    shared: Settings, articles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    embedder = HashingEmbedder()
    build_index(shared, embedder, progress=False)
    before = open_index(shared, embedder)
    for i in range(6):
        shutil.copy(articles / f"{SECOND}.txt", articles / f"1{i:02d}_copy.txt")
    monkeypatch.setattr(pgbuild, "BATCH_ARTICLES", 2)
    per_article = len(before.article_chunks(SECOND))
    batch_of_embeds = -(-2 * per_article // shared.embedding_batch_size)
    with pytest.raises(KeyboardInterrupt):
        build_index(shared, FailingEmbedder(batches=batch_of_embeds + 1), progress=False)

    after = open_index(shared, embedder)  # readable: the manifest agrees with the table
    assert after.version == before.version + 1  # one committed batch of two articles
    assert sorted(after.manifest["articles"]) == sorted(
        [*before.manifest["articles"], "100_copy", "101_copy"]
    )
    assert len(after) == len(before) + 2 * per_article
    report = build_index(shared, embedder, progress=False)
    assert sorted(report.added) == [f"1{i:02d}_copy" for i in range(2, 6)]
    assert report.embedded_chunks == 4 * per_article


def test_words_are_stored_segmented_for_full_text_search(shared: Settings) -> None:
    build_index(shared, HashingEmbedder(), progress=False)
    with psycopg.connect(shared.database_url) as conn:
        found = conn.execute(
            "select count(*) from pqa_chunks where words @@ to_tsquery('simple', %s)",
            ("通信 & 保障",),
        ).fetchone()
    assert found and found[0] > 0


def test_an_unreachable_database_is_a_clear_error_at_once(settings: Settings) -> None:
    down = settings.replace(
        store="pgvector", database_url="postgresql://profileqa@127.0.0.1:9/profileqa"
    )
    started = time.perf_counter()
    with pytest.raises(StoreUnavailableError, match=r"127\.0\.0\.1:9/profileqa is unavailable"):
        open_index(down, HashingEmbedder())
    with pytest.raises(StoreUnavailableError, match="unavailable"):
        build_index(down, HashingEmbedder(), progress=False)
    assert time.perf_counter() - started < 30  # reported, not retried for minutes


def test_the_password_never_appears_in_messages(settings: Settings) -> None:
    down = settings.replace(
        store="pgvector", database_url="postgresql://qa:s3cret@127.0.0.1:9/profileqa"
    )
    with pytest.raises(StoreUnavailableError) as caught:
        open_index(down, HashingEmbedder())
    assert "s3cret" not in str(caught.value)


def test_a_read_only_database_serves_reads_and_refuses_indexing_clearly(shared: Settings) -> None:
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    from profile_qa.errors import ProfileQAError

    embedder = HashingEmbedder()
    build_index(shared, embedder, progress=False)
    options = conninfo_to_dict(shared.database_url)["options"]
    # What a server pointed at a streaming standby sees: every transaction is read-only.
    standby = shared.replace(
        database_url=make_conninfo(
            shared.database_url, options=f"{options} -c default_transaction_read_only=on"
        )
    )
    index = open_index(standby, embedder)
    assert index.search(embedder.embed_query("通信保障"), k=3)
    with pytest.raises(ProfileQAError, match=r"read-only.*against the primary"):
        build_index(standby, embedder, rebuild=True, progress=False)


def test_two_servers_starting_on_an_empty_database_build_it_once(shared: Settings) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from embeddings import ensure_index

    class SlowEmbedder(HashingEmbedder):
        calls = 0

        def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
            SlowEmbedder.calls += len(texts)
            time.sleep(0.05)
            return super().embed_passages(texts)

    embedder = SlowEmbedder()
    with ThreadPoolExecutor(2) as pool:
        indexes = list(pool.map(lambda _: ensure_index(shared, embedder), range(2)))
    assert indexes[0].chunks == indexes[1].chunks and len(indexes[0]) > 0
    assert SlowEmbedder.calls == len(indexes[0])  # one build, the other waited for it


def test_moving_a_local_index_into_the_database_embeds_nothing_again(shared: Settings) -> None:
    class Counting(HashingEmbedder):
        count = 0

        def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
            Counting.count += len(texts)
            return super().embed_passages(texts)

    embedder = Counting()
    local = build_index(shared.replace(store="faiss"), embedder, progress=False)
    Counting.count = 0
    report = build_index(shared, embedder, progress=False)
    assert Counting.count == 0 and report.embedded_chunks == 0
    assert report.chunks == local.chunks and any("local index" in n for n in report.notes)
    assert (
        open_index(shared, embedder).chunks
        == open_index(shared.replace(store="faiss"), embedder).chunks
    )
