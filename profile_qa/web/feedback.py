"""Like/dislike feedback on answers, kept in a local SQLite file for the editors."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('like', 'dislike')),
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    sources TEXT NOT NULL,
    generator TEXT NOT NULL DEFAULT '',
    channel TEXT NOT NULL DEFAULT ''
)
"""
# Bounds so a public form cannot fill the disk with one request.
MAX_TEXT_CHARS = 8000
MAX_SOURCES = 20


class FeedbackStore:
    """Appends ratings with the question, the answer and its sources (thread-safe)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._ready = False

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=10)
        if not self._ready:
            conn.execute(_SCHEMA)
            conn.commit()
            self._ready = True
        return conn

    def add(
        self,
        rating: str,
        question: str,
        answer: str,
        sources: Sequence[Mapping[str, Any]] = (),
        generator: str = "",
        channel: str = "",
    ) -> int:
        """Store one rating ("like" or "dislike"); returns its row id."""
        if rating not in ("like", "dislike"):
            raise ValueError(f"rating must be 'like' or 'dislike', not {rating!r}")
        row = (
            time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            rating,
            question[:MAX_TEXT_CHARS],
            answer[:MAX_TEXT_CHARS],
            _sources_json(sources),
            generator[:50],
            channel[:20],
        )
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = self._connect()
            try:
                cur = conn.execute(
                    "INSERT INTO feedback (created_at, rating, question, answer, sources,"
                    " generator, channel) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    row,
                )
                conn.commit()
                return int(cur.lastrowid or 0)
            finally:
                conn.close()

    def all(self) -> list[dict[str, Any]]:
        """Every stored rating, oldest first (for editors and tests)."""
        if not self.path.exists():
            return []
        with self._lock:
            conn = self._connect()
            conn.row_factory = sqlite3.Row
            try:
                rows = conn.execute("SELECT * FROM feedback ORDER BY id").fetchall()
            finally:
                conn.close()
        out = [dict(r) for r in rows]
        for r in out:
            r["sources"] = json.loads(r["sources"])
        return out


def _sources_json(sources: Sequence[Mapping[str, Any]]) -> str:
    """The sources as JSON of bounded size: whole sources are dropped, never cut mid-JSON."""
    kept = list(sources)[:MAX_SOURCES]
    payload = json.dumps(kept, ensure_ascii=False)
    while kept and len(payload) > MAX_TEXT_CHARS * 4:
        kept.pop()
        payload = json.dumps(kept, ensure_ascii=False)
    return payload
