"""The chunk store: chunk records in a SQLite file next to the faiss vectors.

Row ``i`` of the store is vector ``i`` of the faiss index. SQLite (not pickle) so that opening
an index only ever parses data: nothing in an index directory can run code.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from dataclasses import fields
from pathlib import Path
from typing import Any

from corpus.model import Chunk
from profile_qa.errors import IndexCorruptError

_CHUNK_FIELDS = tuple(f.name for f in fields(Chunk))
_INT_FIELDS = {"section_index", "start", "end"}
_REBUILD_HINT = "rebuild it with `profile-qa index --rebuild`"


def write_chunks(path: Path, chunks: Sequence[Chunk]) -> None:
    """Write ``chunks`` (in row order) to a new SQLite file at ``path``."""
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


def write_documents(path: Path, rows: Sequence[tuple[int, str, str, dict[str, Any]]]) -> None:
    """Write (faiss id, document id, text, metadata) rows; metadata must be JSON-ready."""
    with closing(_connect(path)) as db, db:
        db.execute(
            "CREATE TABLE documents (faiss_id INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, "
            "text TEXT NOT NULL, metadata TEXT NOT NULL)"
        )
        db.executemany(
            "INSERT INTO documents VALUES (?, ?, ?, ?)",
            [
                (fid, doc_id, text, json.dumps(meta, ensure_ascii=False))
                for fid, doc_id, text, meta in rows
            ],
        )


def read_documents(path: Path) -> list[tuple[int, str, str, dict[str, Any]]]:
    """The rows written by :func:`write_documents`; IndexCorruptError if unreadable."""
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = db.execute(
                "SELECT faiss_id, id, text, metadata FROM documents ORDER BY faiss_id"
            ).fetchall()
        finally:
            db.close()
        return [
            (int(fid), str(doc_id), str(text), json.loads(meta)) for fid, doc_id, text, meta in rows
        ]
    except (sqlite3.Error, ValueError, TypeError) as exc:
        raise IndexCorruptError(f"cannot read the document store {path} ({exc})") from exc


def _connect(path: Path) -> sqlite3.Connection:
    if path.exists():
        path.unlink()
    db = sqlite3.connect(path)
    # One writer, a fresh file, an atomic rename afterwards: the journal only slows it down.
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    return db
