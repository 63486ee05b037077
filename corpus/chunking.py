"""Sentence-aware chunks of each section, sized in cl100k tokens.

Chunks never cross a section boundary, so every chunk belongs to exactly one profile.
Consecutive chunks of a section share ``overlap_sentences`` sentences.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from corpus.cleaning import is_heading, is_profile_mark
from corpus.model import Article, Chunk, Section
from corpus.tokens import count_tokens, longest_prefix_within

if TYPE_CHECKING:
    from profile_qa.settings import Settings

# Bump when a change here (or in cleaning/structure) changes chunk boundaries or ids, so
# indexes built with the old chunker are rebuilt (embeddings stores it in its manifest).
CHUNKER_VERSION = "1"

_ENDERS = "。！？；!?…"
_TRAILERS = "。！？；!?…”’」』）)》"
_OPEN_QUOTES = "“‘「『"
_CLOSE_QUOTES = "”’」』"
_CLAUSE_END = re.compile(r"[，、；：,;:]")

Span = tuple[int, int]


def _trim(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def split_sentences(text: str) -> list[Span]:
    """Sentence spans ``(start, end)`` of Chinese (and plain English) text.

    A sentence ends at 。！？；… (plus any closing quotes or brackets right after) or at a
    line break. A mark inside a quotation “…” does not end the sentence unless the quotation
    closes right after it; ``1.35`` is never split.
    """
    spans: list[Span] = []
    start = 0
    depth = 0
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            span = _trim(text, start, i)
            if span:
                spans.append(span)
            start, depth, i = i + 1, 0, i + 1
            continue
        if c in _OPEN_QUOTES:
            depth += 1
        elif c in _CLOSE_QUOTES:
            depth = max(depth - 1, 0)
        is_end = c in _ENDERS or (
            c == "." and i > 0 and text[i - 1].isalpha() and (i + 1 == n or text[i + 1] == " ")
        )
        if not is_end:
            i += 1
            continue
        j = i + 1
        while j < n and text[j] in _TRAILERS:
            if text[j] in _CLOSE_QUOTES:
                depth = max(depth - 1, 0)
            j += 1
        if depth == 0:
            span = _trim(text, start, j)
            if span:
                spans.append(span)
            start = j
        i = j
    span = _trim(text, start, n)
    if span:
        spans.append(span)
    return spans


def _split_long(text: str, span: Span, max_tokens: int) -> list[Span]:
    """Cut a span that is over budget at clause marks (，、；), then hard by tokens."""
    start, end = span
    if count_tokens(text[start:end]) <= max_tokens:
        return [span]
    clauses: list[Span] = []
    pos = start
    for m in _CLAUSE_END.finditer(text, start, end):
        clauses.append((pos, m.end()))
        pos = m.end()
    if pos < end:
        clauses.append((pos, end))
    pieces: list[Span] = []
    for c_start, c_end in clauses:
        while count_tokens(text[c_start:c_end]) > max_tokens:
            cut = c_start + longest_prefix_within(text[c_start:c_end], max_tokens)
            pieces.append((c_start, cut))
            c_start = cut
        if c_end > c_start:
            pieces.append((c_start, c_end))
    return _pack(text, pieces, max_tokens, overlap=0)


def _pack(
    text: str,
    pieces: list[Span],
    max_tokens: int,
    overlap: int,
    headings: frozenset[int] = frozenset(),
) -> list[Span]:
    """Greedily group consecutive pieces into spans of at most ``max_tokens``.

    A heading (index in ``headings``) never ends a span and never gets overlap before it:
    it belongs with the text it introduces.
    """
    out: list[Span] = []
    i = 0
    while i < len(pieces):
        j = i
        while (
            j + 1 < len(pieces)
            and count_tokens(text[pieces[i][0] : pieces[j + 1][1]]) <= max_tokens
        ):
            j += 1
        while j > i and j in headings and j + 1 < len(pieces):
            j -= 1
        out.append((pieces[i][0], pieces[j][1]))
        if j + 1 >= len(pieces):
            break
        nxt = j + 1 if j + 1 in headings else max(j + 1 - overlap, i + 1)
        # Overlap must leave room for at least one new piece, or the chunker would stall.
        while nxt <= j and count_tokens(text[pieces[nxt][0] : pieces[j + 1][1]]) > max_tokens:
            nxt += 1
        i = nxt
    return out


def _section_pieces(
    text: str, section: Section, max_tokens: int
) -> tuple[list[Span], frozenset[int]]:
    """Sentence pieces of a section, and which of them are heading lines."""
    pieces: list[Span] = []
    headings: set[int] = set()
    body = text[section.start : section.end]
    for s, e in split_sentences(body):
        start, end = section.start + s, section.start + e
        whole_line = (start == 0 or text[start - 1] == "\n") and (
            end == len(text) or text[end] == "\n"
        )
        if whole_line and (is_heading(text[start:end]) or is_profile_mark(text[start:end])):
            headings.add(len(pieces))
        pieces.extend(_split_long(text, (start, end), max_tokens))
    return pieces, frozenset(headings)


def chunk_id(article_id: str, section_index: int, text: str) -> str:
    """Stable id ``{article_id}:{section_index}:{hash8}``; depends on nothing else."""
    digest = hashlib.sha1(f"{article_id}\x00{section_index}\x00{text}".encode()).hexdigest()
    return f"{article_id}:{section_index}:{digest[:8]}"


def chunk_header(article: Article, section: Section) -> str:
    """``subject · section title``; the section (or article) title alone without a subject."""
    if section.subject:
        return f"{section.subject} · {section.title}" if section.title else section.subject
    return section.title or article.title


def chunk_article(article: Article, chunk_size: int, overlap_sentences: int) -> list[Chunk]:
    """Chunks of one article, in text order; ``chunk.text == article.text[start:end]``."""
    if chunk_size < 1 or overlap_sentences < 0:
        raise ValueError("chunk_size must be >= 1 and overlap_sentences >= 0")
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for section in article.sections:
        pieces, headings = _section_pieces(article.text, section, chunk_size)
        header = chunk_header(article, section)
        spans = _pack(article.text, pieces, chunk_size, overlap_sentences, headings)
        for start, end in spans:
            text = article.text[start:end]
            cid = chunk_id(article.id, section.index, text)
            seen[cid] = seen.get(cid, 0) + 1
            if seen[cid] > 1:  # the same text twice in a section: keep ids unique
                cid = f"{cid}-{seen[cid]}"
            chunks.append(
                Chunk(
                    id=cid,
                    article_id=article.id,
                    section_index=section.index,
                    text=text,
                    header=header,
                    start=start,
                    end=end,
                    subject=section.subject,
                    section_title=section.title,
                    article_title=article.title,
                    date=article.date,
                    source_file=article.source_file,
                )
            )
    return chunks


def chunk_articles(articles: Iterable[Article], settings: Settings) -> list[Chunk]:
    """Chunks of every article with the configured size and overlap, in a stable order."""
    out: list[Chunk] = []
    for article in articles:
        out.extend(chunk_article(article, settings.chunk_size, settings.chunk_overlap_sentences))
    return out
