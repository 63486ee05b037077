"""Several servers over one PostgreSQL database, and what a user sees when it goes away.

Real parts only: `python app.py` processes with the embedded model, a real PostgreSQL server
(tests/pg.py), real HTTP.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from embeddings import build_index
from profile_qa.settings import Settings, load_settings
from tests.app.support import free_port, running_server
from tests.conftest import REPO, SEED_ARTICLES
from tests.pg import schema_url, server_url

pytestmark = pytest.mark.slow

FIRST, SECOND = "000_55cfba9dcf3082ae", "004_cc9c6a30d5e618a3"
ABOUT_SECOND = "夏昆山连续奋战了多少天？"  # answered by the second article only ("59")


def _ask(base: str, question: str) -> httpx.Response:
    return httpx.post(f"{base}/api/ask", json={"question": question}, timeout=60)


class AppProcess:
    """``python app.py`` in its own process, with settings from PROFILE_QA_* variables."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.proc = subprocess.Popen(
            [sys.executable, "app.py", "--port", str(self.port)],
            cwd=REPO,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.base}/api/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"server not ready: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _server_env(settings_env: dict[str, str], data_dir: Path, model_cache_dir: Path) -> dict:
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROFILE_QA_")}
    # The model cache of the test session, shared instead of converted again.
    env.update(
        settings_env,
        PROFILE_QA_DATA_DIR=str(data_dir),
        PROFILE_QA_MODEL_CACHE_DIR=str(model_cache_dir),
        HF_HUB_OFFLINE="1",
    )
    return env


@pytest.fixture
def one_article(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    shutil.copy(SEED_ARTICLES / f"{FIRST}.txt", folder)
    return folder


def test_an_article_indexed_through_one_server_is_answered_by_every_other_without_restart(
    pg_url: str,
    one_article: Path,
    tmp_path: Path,
    real_embedder: Any,
    model_cache_dir: Path,
) -> None:
    common = {
        "PROFILE_QA_STORE": "pgvector",
        "PROFILE_QA_DATABASE_URL": pg_url,
        "PROFILE_QA_ARTICLES_DIR": str(one_article),
        "PROFILE_QA_RATE_LIMIT_PER_MINUTE": "1000",
    }
    first = AppProcess(
        _server_env(common, tmp_path / "a", model_cache_dir), tmp_path / "a.log"
    )  # builds the index in the empty database at start
    servers = [first]
    try:
        first.wait_ready()
        second = AppProcess(
            _server_env(common, tmp_path / "b", model_cache_dir), tmp_path / "b.log"
        )
        servers.append(second)
        second.wait_ready()
        for server in servers:
            assert "59" not in _ask(server.base, ABOUT_SECOND).json()["answer"]

        # An editor adds the article; `profile-qa index` runs with the first server's settings.
        shutil.copy(SEED_ARTICLES / f"{SECOND}.txt", one_article)
        settings = load_settings(env=common, data_dir=tmp_path / "a")
        report = build_index(settings, real_embedder, progress=False)
        assert report.added == (SECOND,)
        indexed = time.monotonic()

        # Each server polls the database every store_poll_seconds (2 s) and swaps the new
        # index in; on a quiet machine both answer within 5 s. The bound is generous because
        # a loaded CI machine can take much longer to load the index: not a timing test.
        waiting = {s.base for s in servers}
        while waiting and time.monotonic() - indexed < 90:
            for base in sorted(waiting):
                if "59" in _ask(base, ABOUT_SECOND).json()["answer"]:
                    waiting.discard(base)
                    took = time.monotonic() - indexed
                    print(f"{base} answers from the new index after {took:.1f} s")
            time.sleep(0.2)
        assert not waiting, f"not answered from the new index within 90 s by {waiting}"
        for server in servers:
            health = httpx.get(f"{server.base}/api/health").json()
            assert health["article_count"] == 2
    finally:
        for server in servers:
            server.stop()


def test_an_unreachable_database_stops_the_server_at_start_with_a_clear_error(
    tmp_path: Path, model_cache_dir: Path
) -> None:
    env = _server_env(
        {
            "PROFILE_QA_STORE": "pgvector",
            "PROFILE_QA_DATABASE_URL": "postgresql://qa:s3cret@127.0.0.1:9/profileqa",
        },
        tmp_path / "data",
        model_cache_dir,
    )
    out = subprocess.run(
        [sys.executable, "app.py", "--port", str(free_port())],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 1
    assert "error: the database 127.0.0.1:9/profileqa is unavailable" in out.stderr
    assert "Traceback" not in out.stderr and "s3cret" not in out.stderr


@pytest.fixture
def outage_role() -> Iterator[tuple[str, str]]:
    """A login role owning a schema of its own, which the test can lock out: (DSN, role)."""
    url = server_url()
    role = f"pqa_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"create role {role} login")
        conn.execute(f"create schema {role} authorization {role}")
    from psycopg.conninfo import make_conninfo

    try:
        yield schema_url(make_conninfo(url, user=role), role), role
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"alter role {role} login")
            conn.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity where usename = %s",
                (role,),
            )
            conn.execute(f"drop schema {role} cascade")
            conn.execute(f"drop role {role}")


def _lock_out(role: str, locked: bool) -> None:
    with psycopg.connect(server_url(), autocommit=True) as conn:
        conn.execute(f"alter role {role} {'nologin' if locked else 'login'}")
        if locked:
            conn.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity where usename = %s",
                (role,),
            )


def _wait_status(base: str, status: int, timeout: float = 30) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        r = _ask(base, "武汉市经信局协调捐赠了多少辆MPV？")
        if r.status_code == status or time.monotonic() > deadline:
            return r
        time.sleep(0.5)


def test_requests_get_503_with_a_reason_while_the_database_is_down_then_recover(
    settings: Settings, outage_role: tuple[str, str], real_embedder: Any
) -> None:
    from profile_qa.web import create_app

    url, role = outage_role
    shared = settings.replace(
        store="pgvector", database_url=url, store_poll_seconds=0.5, rate_limit_per_minute=1000
    )
    build_index(shared, real_embedder, progress=False)
    server = create_app(shared, embedder=real_embedder)
    with running_server(server) as base:
        assert _ask(base, "武汉市经信局协调捐赠了多少辆MPV？").status_code == 200

        _lock_out(role, True)
        down = _wait_status(base, 503)
        assert down.status_code == 503
        body = down.json()
        assert body["error"] == "service unavailable"
        assert "unavailable" in body["detail"] and "Traceback" not in down.text
        assert down.headers.get("retry-after")
        assert httpx.get(f"{base}/api/health").status_code == 503
        v1 = httpx.post(
            f"{base}/v1/chat/completions",
            json={"model": "profile-qa", "messages": [{"role": "user", "content": "MPV多少辆？"}]},
            timeout=60,
        )
        assert v1.status_code == 503 and v1.json()["error"]["code"] == "store_unavailable"

        _lock_out(role, False)
        back = _wait_status(base, 200, timeout=60)
        assert back.status_code == 200 and "50" in back.json()["answer"]
        assert httpx.get(f"{base}/api/health").status_code == 200
    server.state.service.refresher.close()
