"""What ``profile-qa corpus inspect`` shows: how files are read, sectioned and chunked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from corpus.chunking import chunk_article
from corpus.loaders import load_article, load_articles
from corpus.model import LoadReport, SkippedFile
from corpus.readers import LoadError
from corpus.tokens import count_tokens


def load_path(path: Path, max_bytes: int) -> LoadReport:
    """A LoadReport for a folder, or for a single file (its failure becomes a skip)."""
    if not path.is_file():
        return load_articles(path, max_bytes)  # raises LoadError naming a missing folder
    try:
        return LoadReport(articles=(load_article(path, max_bytes),))
    except LoadError as exc:
        return LoadReport(skipped=(SkippedFile(str(path), str(exc)),))


def inspection(report: LoadReport, chunk_size: int, overlap_sentences: int) -> dict[str, Any]:
    """The JSON-ready view of a load report: articles, sections, chunks, skipped files."""
    articles = []
    for article in report.articles:
        chunks = chunk_article(article, chunk_size, overlap_sentences)
        sections = []
        for s in article.sections:
            sections.append(
                {
                    "index": s.index,
                    "kind": s.kind,
                    "subject": s.subject,
                    "title": s.title,
                    "start": s.start,
                    "end": s.end,
                    "text": article.text[s.start : s.end],
                    "chunks": [
                        {
                            "id": c.id,
                            "text": c.text,
                            "header": c.header,
                            "start": c.start,
                            "end": c.end,
                            "tokens": count_tokens(c.text),
                        }
                        for c in chunks
                        if c.section_index == s.index
                    ],
                }
            )
        articles.append(
            {
                "id": article.id,
                "title": article.title,
                "date": article.date,
                "source": article.source,
                "source_file": article.source_file,
                "sections": sections,
            }
        )
    return {
        "articles": articles,
        "skipped": [{"path": s.path, "reason": s.reason} for s in report.skipped],
        "notes": list(report.notes),
    }
