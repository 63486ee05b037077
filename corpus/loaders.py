"""Load article files into cleaned, sectioned :class:`Article` records.

Raw files are never modified: cleaning happens in memory on every load.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from corpus.cleaning import clean_text
from corpus.model import Article, LoadReport, SkippedFile
from corpus.readers import (
    MAX_ARTICLE_BYTES,
    READERS,
    LoadError,
    raw_size_limit,
    read_bytes,
    read_file,
)
from corpus.structure import article_title, build_sections, extract_metadata

# Files an editor keeps next to the articles that are not articles themselves.
_NOT_ARTICLES = ("readme", "license", "licence", "changelog", "notes", "todo")


def load_article(path: Path, max_bytes: int = MAX_ARTICLE_BYTES) -> Article:
    """Load, clean and section one file; raises LoadError with the reason it is unusable.

    ``max_bytes`` bounds the extracted text (settings.max_article_bytes).
    """
    path = Path(path)
    try:
        on_disk = path.stat().st_size
    except OSError as exc:
        raise LoadError(f"cannot read file: {exc.strerror or exc}") from exc
    limit = raw_size_limit(path.suffix, max_bytes)
    if on_disk > limit:  # not even read into memory
        raise LoadError(
            f"too large: the file is {on_disk / 1e6:.1f} MB, over the {limit / 1e6:.1f} MB "
            "allowed by max_article_bytes; split the article or raise the setting"
        )
    data = read_bytes(path)
    raw = read_file(path, data, max_bytes)
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


def _outside(path: Path, root: Path) -> bool:
    """Whether ``path`` is a link that resolves outside the folder ``root`` (resolved)."""
    try:
        return not path.resolve(strict=True).is_relative_to(root)
    except (OSError, RuntimeError):  # a dangling link or a loop
        return True


def load_articles(folder: Path, max_bytes: int = MAX_ARTICLE_BYTES) -> LoadReport:
    """Load every article file in ``folder`` (not recursive), in file-name order.

    One bad file never stops the run: it is listed in ``LoadReport.skipped`` with a reason.
    Hidden files (``.gitkeep``, ``.DS_Store``) and sub-folders are ignored silently. A
    symbolic link to a file outside the folder (``/etc/passwd``) is skipped and reported,
    and so is a file whose text is more than ``max_bytes`` (settings.max_article_bytes).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise LoadError(f"articles folder {folder} does not exist or is not a folder")
    root = folder.resolve()
    articles: list[Article] = []
    skipped: list[SkippedFile] = []
    notes: list[str] = []
    seen_ids: dict[str, str] = {}
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if path.name.startswith((".", "~$")):
            continue
        if path.is_symlink() and _outside(path, root):
            skipped.append(SkippedFile(str(path), "symbolic link to a file outside the folder"))
            continue
        if not path.is_file():
            continue
        reason = _skip_reason(path)
        if reason is None and path.stem in seen_ids:
            reason = f"same article id {path.stem!r} as {seen_ids[path.stem]}; rename one"
        if reason is not None:
            skipped.append(SkippedFile(str(path), reason))
            continue
        try:
            article = load_article(path, max_bytes)
        except LoadError as exc:
            skipped.append(SkippedFile(str(path), str(exc)))
            continue
        seen_ids[article.id] = path.name
        articles.append(article)
        if not article.date:
            notes.append(f"{path.name}: no publication date found in the text")
    return LoadReport(articles=tuple(articles), skipped=tuple(skipped), notes=tuple(notes))
