"""A private schema of the test PostgreSQL server per test (``TEST_DATABASE_URL``).

scripts/test.sh (and so .ci/run) starts a throw-away server with scripts/postgres.sh and sets
``TEST_DATABASE_URL``; without it the PostgreSQL tests skip, saying how to run them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

ENV = "TEST_DATABASE_URL"
SKIP_REASON = (
    f"{ENV} is not set: start a test server with `scripts/postgres.sh start` and export "
    f"{ENV}=<the DSN it prints> (scripts/test.sh does both)"
)


def server_url() -> str:
    """The test server's DSN, or skip the test."""
    url = os.environ.get(ENV, "")
    if not url:
        pytest.skip(SKIP_REASON)
    return url


def schema_url(url: str, schema: str) -> str:
    """``url`` whose connections put their tables in ``schema`` (pgvector's types in public)."""
    from psycopg.conninfo import make_conninfo

    return make_conninfo(url, options=f"-c search_path={schema},public")


def private_schema() -> Iterator[str]:
    """A DSN over a fresh, empty schema, dropped afterwards (with the LangChain collections
    made beside it, ``<schema>_<collection>``)."""
    import psycopg

    url = server_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("create extension if not exists vector")
        conn.execute(f"create schema {schema}")
    try:
        yield schema_url(url, schema)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            beside = conn.execute(
                "select nspname from pg_namespace where nspname like %s", (f"{schema}\\_%",)
            ).fetchall()
            for (name,) in [(schema,), *beside]:
                conn.execute(f"drop schema if exists {name} cascade")
