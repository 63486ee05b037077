"""Domain records produced by the corpus package and read by every other package."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Section:
    """A part of an article: the introduction or one profile.

    ``start``/``end`` are character offsets into ``Article.text`` (the cleaned text).
    ``kind`` is "intro" or "profile".
    """

    index: int
    kind: str
    title: str
    subject: str  # the profiled organisation or person; "" for an introduction
    start: int
    end: int


@dataclass(frozen=True)
class Article:
    """One loaded and cleaned article."""

    id: str  # stable, from the file name (stem), e.g. "000_55cfba9dcf3082ae"
    source_file: str  # file name inside the articles folder
    title: str
    date: str  # as stated by the text, e.g. "2020-03-24 14:35:12"; "" when unknown
    source: str  # publisher when the text states it; "" otherwise
    text: str  # cleaned text; every offset in this package points into it
    content_hash: str  # sha256 of the raw file bytes
    sections: tuple[Section, ...] = ()


@dataclass(frozen=True)
class Chunk:
    """A retrievable, citable piece of one section.

    ``id`` is stable: it depends only on the article id, the section and the chunk's text,
    so adding or changing other articles never changes it.
    ``start``/``end`` are offsets into the cleaned ``Article.text``; ``text`` equals
    ``article.text[start:end]``. ``header`` ("subject · section title") is prepended for
    embedding and lexical search so a chunk that only says "公司" still belongs to its profile.
    """

    id: str
    article_id: str
    section_index: int
    text: str
    header: str
    start: int
    end: int
    subject: str
    section_title: str
    article_title: str
    date: str
    source_file: str

    @property
    def indexed_text(self) -> str:
        """What embeddings and BM25 see: the header, then the text."""
        return f"{self.header}\n{self.text}" if self.header else self.text


@dataclass(frozen=True)
class SkippedFile:
    """A file the loader could not use, with a reason an editor understands."""

    path: str
    reason: str


@dataclass(frozen=True)
class LoadReport:
    """What loading a folder produced: the articles and the files skipped."""

    articles: tuple[Article, ...] = ()
    skipped: tuple[SkippedFile, ...] = ()
    notes: tuple[str, ...] = field(default=())  # cleaning notes worth showing an editor
