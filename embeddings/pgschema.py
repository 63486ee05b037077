"""PostgreSQL for ``store = "pgvector"``: connections, the versioned schema, the build lock.

The schema is the product's own: ``pqa_meta`` (one row: schema version, index version and the
manifest) and ``pqa_chunks`` (text, metadata, jieba words as ``tsvector('simple')`` under GIN,
the vector under HNSW cosine). A server refuses a schema newer than it knows; ``profile-qa
index`` migrates an older one. psycopg is imported inside functions (``--help`` stays instant).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from embeddings._atomic import IndexBusyError
from profile_qa.errors import ProfileQAError, StoreSchemaError, StoreUnavailableError

if TYPE_CHECKING:
    import psycopg

SCHEMA_VERSION = 1
META = "pqa_meta"
CHUNKS = "pqa_chunks"
# The key of pqa_chunks.metadata holding a LangChain document's own metadata (a collection of
# ``PgVectorStore``); the other keys are the chunk's fields.
DOCUMENT_KEY = "document"
# pg_advisory_lock key of `profile-qa index` ("pqa" in ASCII): one indexer per database.
BUILD_LOCK_KEY = 0x707161
CONNECT_TIMEOUT = 5  # seconds: an unreachable database is reported, not waited for
# HNSW graph parameters of the chunk table (pgvector's defaults; bench_pgvector.py measures).
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 64

# Schema version -> statements that bring the previous version to it. Version 1 is the meta
# table; the chunk table is made by the first build, once the model's dimension is known.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        f"""create table if not exists {META} (
              id int primary key default 1 check (id = 1),
              schema_version int not null,
              index_version bigint not null default 0,
              manifest jsonb,
              updated_at timestamptz not null default now())""",
    ),
}


def describe(url: str) -> str:
    """``host:port/dbname`` of a connection string: for messages (never the password)."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        info = conninfo_to_dict(url)
    except Exception:  # a malformed string is reported by connect(); never echo it here
        return "(unparsable database_url)"
    host = info.get("host") or info.get("hostaddr") or "localhost"
    return f"{host}:{info.get('port') or 5432}/{info.get('dbname') or info.get('user') or ''}"


def unavailable(url: str, exc: BaseException) -> StoreUnavailableError:
    """The error a caller sees when the database cannot be used, with the server's reason."""
    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return StoreUnavailableError(f"the database {describe(url)} is unavailable ({reason})")


@contextlib.contextmanager
def reporting(url: str) -> Iterator[None]:
    """Turn connection-level psycopg/pool errors into StoreUnavailableError."""
    import psycopg
    import psycopg_pool

    try:
        yield
    except psycopg.errors.ReadOnlySqlTransaction as exc:
        raise ProfileQAError(
            f"the database {describe(url)} is read-only (a streaming standby?): servers can "
            "read from it, but run `profile-qa index` against the primary"
        ) from exc
    except (psycopg.OperationalError, psycopg_pool.PoolTimeout) as exc:
        raise unavailable(url, exc) from exc


def connect(url: str, *, autocommit: bool = True) -> psycopg.Connection[Any]:
    """A connection with the vector type registered when the extension exists."""
    import psycopg

    try:
        conn = psycopg.connect(
            url,
            autocommit=autocommit,
            connect_timeout=CONNECT_TIMEOUT,
            application_name="profile-qa",
        )
    except psycopg.ProgrammingError as exc:  # a malformed connection string
        raise StoreUnavailableError(
            f"database_url is not a valid connection string ({exc})"
        ) from exc
    except psycopg.OperationalError as exc:
        raise unavailable(url, exc) from exc
    register_vector(conn)
    return conn


def register_vector(conn: psycopg.Connection[Any]) -> None:
    """Teach ``conn`` the vector type (numpy arrays in and out), if the extension exists."""
    from pgvector.psycopg import register_vector as register
    from psycopg.types import TypeInfo

    with _idle(conn):
        if TypeInfo.fetch(conn, "vector") is not None:
            register(conn)


@contextlib.contextmanager
def _idle(conn: psycopg.Connection[Any]) -> Iterator[None]:
    # A pool hands out and takes back only idle connections: end what a query opened.
    try:
        yield
    finally:
        if not conn.autocommit:
            conn.commit()


def read_meta(conn: psycopg.Connection[Any]) -> tuple[int, int, dict[str, Any] | None] | None:
    """(schema version, index version, manifest) or None when the schema does not exist."""
    row = conn.execute("select to_regclass(%s) is not null", (META,)).fetchone()
    if not row or not row[0]:
        return None
    meta = conn.execute(
        f"select schema_version, index_version, manifest from {META} where id = 1"
    ).fetchone()
    if meta is None:
        return None
    return int(meta[0]), int(meta[1]), meta[2]


def check_readable(schema_version: int, url: str) -> None:
    """StoreSchemaError unless this version of profile-qa reads ``schema_version``."""
    if schema_version > SCHEMA_VERSION:
        raise StoreSchemaError(
            f"the database {describe(url)} holds profile-qa schema version {schema_version}, "
            f"newer than this profile-qa knows ({SCHEMA_VERSION}): upgrade profile-qa on this "
            "server; it leaves the database untouched"
        )
    if schema_version < SCHEMA_VERSION:
        raise StoreSchemaError(
            f"the database {describe(url)} holds profile-qa schema version {schema_version}; "
            f"run `profile-qa index` once to migrate it to version {SCHEMA_VERSION}"
        )


def migrate(conn: psycopg.Connection[Any], url: str) -> int:
    """Create or upgrade the schema in one transaction; the version now in the database."""
    with conn.transaction():
        conn.execute("create extension if not exists vector")
        meta = read_meta(conn)
        current = 0 if meta is None else meta[0]
        if current > SCHEMA_VERSION:
            check_readable(current, url)
        for version in range(current + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
            conn.execute(
                f"insert into {META} (id, schema_version) values (1, %(v)s) "
                "on conflict (id) do update set schema_version = %(v)s, updated_at = now()",
                {"v": version},
            )
    register_vector(conn)  # the extension may have been created just now
    return SCHEMA_VERSION


def create_chunk_table(conn: psycopg.Connection[Any], dimension: int) -> None:
    """(Re)create the empty chunk table for vectors of ``dimension`` (inside a transaction)."""
    conn.execute(f"drop table if exists {CHUNKS}")
    conn.execute(
        f"""create table {CHUNKS} (
              id text primary key,
              article_id text not null,
              ord int not null,
              subject text not null,
              text text not null,
              metadata jsonb not null,
              words tsvector not null,
              embedding vector({int(dimension)}) not null)"""
    )


def create_chunk_indexes(conn: psycopg.Connection[Any]) -> None:
    """Build the search indexes: after a bulk COPY, much faster than row by row."""
    conn.execute(f"create index {CHUNKS}_article on {CHUNKS} (article_id)")
    conn.execute(f"create index {CHUNKS}_subject on {CHUNKS} (subject)")
    conn.execute(f"create index {CHUNKS}_words on {CHUNKS} using gin (words)")
    conn.execute(
        f"create index {CHUNKS}_embedding on {CHUNKS} using hnsw (embedding vector_cosine_ops) "
        f"with (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})"
    )


@contextlib.contextmanager
def build_lock(conn: psycopg.Connection[Any], url: str) -> Iterator[None]:
    """Hold the database's indexer lock; IndexBusyError if another indexer has it."""
    row = conn.execute("select pg_try_advisory_lock(%s)", (BUILD_LOCK_KEY,)).fetchone()
    if not row or not row[0]:
        raise IndexBusyError(
            f"another `profile-qa index` is updating the database {describe(url)}; "
            "wait for it to finish"
        )
    try:
        yield
    finally:
        with contextlib.suppress(Exception):  # a lost connection releases the lock anyway
            conn.execute("select pg_advisory_unlock(%s)", (BUILD_LOCK_KEY,))
