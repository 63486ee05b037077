"""Load, clean, section and chunk the profile articles.

Public API: :func:`load_articles` / :func:`load_article` (files -> cleaned
:class:`Article` records with sections), :func:`chunk_articles` / :func:`chunk_article`
(sections -> citable :class:`Chunk` records), and the text helpers used elsewhere.
"""

from corpus.chunking import CHUNKER_VERSION, chunk_article, chunk_articles, split_sentences
from corpus.cleaning import clean_text, normalize_for_match
from corpus.inspection import inspection, load_path
from corpus.loaders import load_article, load_articles
from corpus.model import Article, Chunk, LoadReport, Section, SkippedFile
from corpus.readers import LoadError
from corpus.samples import seed_articles
from corpus.tokens import count_tokens

__all__ = [
    "CHUNKER_VERSION",
    "Article",
    "Chunk",
    "LoadError",
    "LoadReport",
    "Section",
    "SkippedFile",
    "chunk_article",
    "chunk_articles",
    "clean_text",
    "count_tokens",
    "inspection",
    "load_article",
    "load_articles",
    "load_path",
    "normalize_for_match",
    "seed_articles",
    "split_sentences",
]
