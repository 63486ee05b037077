"""Load article files into cleaned, sectioned :class:`Article` records.

Raw files are never modified: cleaning happens in memory on every load.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from corpus.cleaning import clean_text
from corpus.model import Article, LoadReport, SkippedFile
from corpus.readers import READERS, LoadError, read_bytes, read_file
from corpus.structure import article_title, build_sections, extract_metadata

# Files an editor keeps next to the articles that are not articles themselves.
_NOT_ARTICLES = ("readme", "license", "licence", "changelog", "notes", "todo")


def load_article(path: Path) -> Article:
    """Load, clean and section one file; raises LoadError with the reason it is unusable."""
    path = Path(path)
    data = read_bytes(path)
    raw = read_file(path, data)
    meta = extract_metadata(raw.text)
    text = clean_text(raw.text)
    if not text.strip():
        raise LoadError("no article text left after removing page boilerplate")
    title = article_title(text, raw.title) or path.stem
    return Article(
        id=path.stem,
        source_file=path.name,
        title=title,
        date=meta.date or raw.date,
        source=meta.source or raw.source,
        text=text,
        content_hash=hashlib.sha256(data).hexdigest(),
        sections=build_sections(text, title),
    )


def _skip_reason(path: Path) -> str | None:
    """Why ``path`` is not even tried; None when it should be loaded."""
    stem = path.stem.lower()
    if stem in _NOT_ARTICLES or stem.startswith("readme"):
        return "editor's note (README/LICENSE-like name), not an article"
    if path.suffix.lower() not in READERS:
        return f"unsupported file type {path.suffix or '(none)'!r}"
    return None


def load_articles(folder: Path) -> LoadReport:
    """Load every article file in ``folder`` (not recursive), in file-name order.

    One bad file never stops the run: it is listed in ``LoadReport.skipped`` with a reason.
    Hidden files (``.gitkeep``, ``.DS_Store``) and sub-folders are ignored silently.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise LoadError(f"articles folder {folder} does not exist or is not a folder")
    articles: list[Article] = []
    skipped: list[SkippedFile] = []
    notes: list[str] = []
    seen_ids: dict[str, str] = {}
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if path.name.startswith((".", "~$")) or not path.is_file():
            continue
        reason = _skip_reason(path)
        if reason is None and path.stem in seen_ids:
            reason = f"same article id {path.stem!r} as {seen_ids[path.stem]}; rename one"
        if reason is not None:
            skipped.append(SkippedFile(str(path), reason))
            continue
        try:
            article = load_article(path)
        except LoadError as exc:
            skipped.append(SkippedFile(str(path), str(exc)))
            continue
        seen_ids[article.id] = path.name
        articles.append(article)
        if not article.date:
            notes.append(f"{path.name}: no publication date found in the text")
    return LoadReport(articles=tuple(articles), skipped=tuple(skipped), notes=tuple(notes))
