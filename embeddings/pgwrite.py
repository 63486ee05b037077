"""Writing chunks into PostgreSQL: jieba words, bulk COPY, the manifest and version bump."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import fields
from typing import TYPE_CHECKING, Any

import numpy as np

from corpus.model import Chunk
from embeddings.pgschema import CHUNKS, DOCUMENT_KEY, META

if TYPE_CHECKING:
    import psycopg

_META_FIELDS = tuple(f.name for f in fields(Chunk) if f.name not in ("id", "text"))


def write_manifest(conn: psycopg.Connection[Any], manifest: dict[str, Any]) -> None:
    """Store the manifest and bump the index version (servers poll it to reload)."""
    from psycopg.types.json import Jsonb

    conn.execute(
        f"update {META} set manifest = %s, index_version = index_version + 1, "
        "updated_at = now() where id = 1",
        (Jsonb(manifest),),
    )


@functools.cache
def _segmenter() -> Any:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def segment(text: str) -> str:
    """jieba's search-mode words of ``text`` joined by spaces, for ``to_tsvector('simple')``.

    PostgreSQL has no Chinese parser here: an unsegmented Chinese run would be one lexeme.
    """
    # No HMM guessing of unknown words: dictionary words and single characters are what a
    # query's words are matched against, and it is ~1.5x faster on long chunks.
    words = (w.strip().lower() for w in _segmenter().cut_for_search(text, HMM=False))
    return " ".join(w for w in words if w)


def copy_chunks(
    conn: psycopg.Connection[Any],
    chunks: Sequence[Chunk],
    vectors: Any,
    documents: Mapping[str, dict[str, Any]] | None = None,
) -> None:
    """Insert chunks with their vectors (COPY into a staging table, then one INSERT);
    ``documents`` (chunk id -> LangChain metadata) is stored beside the chunk fields."""
    if not chunks:
        return
    dim = int(np.asarray(vectors).shape[1])
    conn.execute(
        f"create temp table pqa_stage (id text, article_id text, ord int, subject text, "
        f"text text, metadata text, words text, embedding vector({dim})) on commit drop"
    )
    ords: dict[str, int] = {}
    with (
        conn.cursor() as cur,
        cur.copy(
            "copy pqa_stage (id, article_id, ord, subject, text, metadata, words, embedding) "
            "from stdin"
        ) as copy,
    ):
        for chunk, vector in zip(chunks, vectors, strict=True):
            ord_ = ords[chunk.article_id] = ords.get(chunk.article_id, -1) + 1
            meta: dict[str, Any] = {name: getattr(chunk, name) for name in _META_FIELDS}
            if documents and chunk.id in documents:
                meta[DOCUMENT_KEY] = documents[chunk.id]
            copy.write_row(
                (
                    chunk.id,
                    chunk.article_id,
                    ord_,
                    chunk.subject,
                    chunk.text,
                    json.dumps(meta, ensure_ascii=False),
                    segment(chunk.indexed_text),
                    np.asarray(vector, dtype=np.float32),
                )
            )
    conn.execute(
        f"insert into {CHUNKS} (id, article_id, ord, subject, text, metadata, words, embedding) "
        "select id, article_id, ord, subject, text, metadata::jsonb, "
        "to_tsvector('simple', words), embedding from pqa_stage"
    )
    conn.execute("drop table pqa_stage")
