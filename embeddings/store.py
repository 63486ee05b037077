"""The chunk store: chunk records in a SQLite file next to the faiss vectors.

Row ``i`` of the store is vector ``i`` of the faiss index. SQLite (not pickle) so that opening
an index only ever parses data: nothing in an index directory can run code.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from contextlib import closing
from dataclasses import fields
from pathlib import Path
from typing import Any

from corpus.model import Chunk
from profile_qa.errors import IndexCorruptError

_CHUNK_FIELDS = tuple(f.name for f in fields(Chunk))
_INT_FIELDS = {"section_index", "start", "end"}
_REBUILD_HINT = "rebuild it with `profile-qa index --rebuild`"


def write_chunks(
    path: Path, chunks: Sequence[Chunk], metadata: Mapping[str, dict[str, Any]] | None = None
) -> None:
    """Write ``chunks`` (in row order) to a new SQLite file at ``path``.

    ``metadata`` (chunk id -> JSON-ready dict: LangChain document metadata) goes in a table of
    its own, which a built index does not have.
    """
    columns = ", ".join(
        f"{name} INTEGER NOT NULL" if name in _INT_FIELDS else f"{name} TEXT NOT NULL"
        for name in _CHUNK_FIELDS
    )
    rows = [(row, *(getattr(c, name) for name in _CHUNK_FIELDS)) for row, c in enumerate(chunks)]
    marks = ", ".join("?" * (len(_CHUNK_FIELDS) + 1))
    # closing(): the connection is released even when an insert fails; `with db` commits.
    with closing(_connect(path)) as db, db:
        db.execute(f"CREATE TABLE chunks (row INTEGER PRIMARY KEY, {columns}, UNIQUE (id))")
        db.executemany(f"INSERT INTO chunks VALUES ({marks})", rows)
        if metadata:
            db.execute("CREATE TABLE metadata (id TEXT PRIMARY KEY, json TEXT NOT NULL)")
            db.executemany(
                "INSERT INTO metadata VALUES (?, ?)",
                [(i, json.dumps(m, ensure_ascii=False)) for i, m in metadata.items()],
            )


def read_chunks(path: Path) -> list[Chunk]:
    """All chunks of the store at ``path``, in row order; IndexCorruptError if unreadable."""
    names = ", ".join(_CHUNK_FIELDS)
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = db.execute(f"SELECT row, {names} FROM chunks ORDER BY row").fetchall()
        finally:
            db.close()
        chunks = [Chunk(*row[1:]) for row in rows]
        if [row[0] for row in rows] != list(range(len(rows))):
            raise ValueError("row numbers are not 0..n-1")
    except (sqlite3.Error, ValueError, TypeError) as exc:
        raise IndexCorruptError(
            f"cannot read the chunk store {path} ({exc}); {_REBUILD_HINT}"
        ) from exc
    return chunks


def read_metadata(path: Path) -> dict[str, dict[str, Any]]:
    """Caller metadata by chunk id (see ``write_chunks``); empty for a built index."""
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            found = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'metadata'"
            ).fetchone()
            rows = db.execute("SELECT id, json FROM metadata").fetchall() if found else []
        finally:
            db.close()
        return {str(chunk_id): json.loads(meta) for chunk_id, meta in rows}
    except (sqlite3.Error, ValueError, TypeError) as exc:
        raise IndexCorruptError(
            f"cannot read the chunk store {path} ({exc}); {_REBUILD_HINT}"
        ) from exc


def _connect(path: Path) -> sqlite3.Connection:
    if path.exists():
        path.unlink()
    db = sqlite3.connect(path)
    # One writer, a fresh file, an atomic rename afterwards: the journal only slows it down.
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    return db
