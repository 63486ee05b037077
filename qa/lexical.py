"""Chinese tokenisation (jieba, with the corpus' names as user words) and BM25 over chunks."""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from corpus.model import Chunk
from qa.language import STOPWORDS

# Bump when what cut_for_search returns changes (normalisation, splitting): cached tokens go.
_TOKENS_VERSION = 1
_TAG_CACHE = 20_000  # tagged texts kept (a few MB at most)
_ALNUM = re.compile(r"[A-Za-z]+|\d+(?:\.\d+)?|[^\sA-Za-z\d]+")
_PUNCT = re.compile(r"^[\W_]+$")


@functools.cache
def _base_tokenizer() -> Any:
    import jieba

    # jieba logs "Building prefix dict..." to stderr on first use; the CLI must stay quiet.
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()  # ~1 s: loads (or builds, then caches in the tmp dir) the dictionary
    return tokenizer


@functools.cache
def _base_word_tags() -> dict[str, str]:
    _base_tokenizer()  # silences jieba's logger before posseg builds its global tokenizer
    import jieba.posseg  # loads the part-of-speech table (~1 s) once, at import

    tags: dict[str, str] = jieba.posseg.dt.word_tag_tab
    return tags


def _english_stem(word: str) -> str:
    # "MPVs" must meet "MPV"; a crude plural strip is enough for names and acronyms.
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _split_token(token: str) -> list[str]:
    """ "MPV50" -> ["mpv", "50"]; punctuation and spaces disappear."""
    parts = []
    for piece in _ALNUM.findall(token):
        if _PUNCT.match(piece):
            continue
        if piece.isascii() and piece.isalpha():
            piece = _english_stem(piece.lower())
        parts.append(piece)
    return parts


class Lexicon:
    """A jieba tokenizer of its own (never the global one) that keeps the corpus' names whole."""

    def __init__(self, user_words: Iterable[tuple[str, str]] = ()) -> None:
        import jieba
        import jieba.posseg

        base = _base_tokenizer()
        # A private copy of the loaded dictionary: user words of one corpus never leak into
        # another Answerer in the same process, and no second 1 s dictionary load is paid.
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.FREQ = dict(base.FREQ)
        self._tokenizer.total = base.total
        self._tokenizer.initialized = True
        self._pos = jieba.posseg.POSTokenizer.__new__(jieba.posseg.POSTokenizer)
        self._pos.tokenizer = self._tokenizer
        self._pos.word_tag_tab = dict(_base_word_tags())
        self._tags: dict[str, tuple[tuple[str, str], ...]] = {}
        self._added: list[tuple[str, str]] = []
        self.add_words(user_words)

    def add_words(self, words: Iterable[tuple[str, str]]) -> None:
        """Keep each word whole when cutting; ``tag`` (nr, nt...) is its part of speech."""
        self._tags.clear()
        for word, tag in words:
            if word:
                self._added.append((word, tag))
                self._tokenizer.add_word(word, freq=None, tag=tag or None)
                if tag:
                    self._pos.word_tag_tab[word] = tag

    @property
    def fingerprint(self) -> str:
        """Changes whenever cutting could: jieba's version and dictionary, the words added
        (in order: a word's frequency is suggested from the words added before it)."""
        import jieba

        digest = hashlib.sha256(f"{_TOKENS_VERSION}|{jieba.__version__}|".encode())
        digest.update(f"{self._tokenizer.total}|{len(self._tokenizer.FREQ)}|".encode())
        for word, tag in self._added:
            digest.update(f"{word}\t{tag}\n".encode())
        return digest.hexdigest()

    def frequency(self, word: str) -> int:
        """How common ``word`` is in jieba's general dictionary (0 when unknown)."""
        return int(self._tokenizer.FREQ.get(word) or 0)

    def cut(self, text: str) -> list[str]:
        """Normalised tokens (lowercase Latin, digits apart, no punctuation)."""
        out: list[str] = []
        for token in self._tokenizer.cut(text):
            out.extend(_split_token(token))
        return out

    def cut_for_search(self, text: str) -> list[str]:
        """Tokens plus their sub-words (日产量 -> 日产, 产量, 日产量), normalised."""
        out: list[str] = []
        for token in self._tokenizer.cut_for_search(text):
            out.extend(_split_token(token))
        return out

    def tag(self, text: str) -> list[tuple[str, str]]:
        """(word, part-of-speech) pairs, jieba's tag set (nr person, ns place, nt org...)."""
        cached = self._tags.get(text)
        if cached is None:
            # Corpus sentences are tagged again and again across questions: keep the result.
            if len(self._tags) >= _TAG_CACHE:
                self._tags.clear()
            cached = self._tags[text] = tuple((p.word, p.flag) for p in self._pos.cut(text))
        return list(cached)


def content_terms(tokens: Sequence[str]) -> list[str]:
    """Tokens without stopwords, in order, without repeats."""
    seen: dict[str, None] = {}
    for t in tokens:
        if t not in STOPWORDS and t.strip():
            seen.setdefault(t, None)
    return list(seen)


class LexicalIndex:
    """BM25 (bm25s) over ``chunk.indexed_text``, tokenised once when built."""

    def __init__(
        self, chunks: Sequence[Chunk], lexicon: Lexicon, cache_dir: Path | None = None
    ) -> None:
        import bm25s

        from qa.normalize import to_simplified
        from qa.tokens import TokenCache

        self.chunks = list(chunks)
        self.lexicon = lexicon
        # Questions are searched in Simplified, so Traditional articles are indexed that way.
        texts = [to_simplified(c.indexed_text) for c in self.chunks]
        cache = TokenCache(cache_dir, lexicon.fingerprint)
        self.chunk_tokens = cache.tokens(texts, lexicon.cut_for_search)
        self._bm25 = bm25s.BM25()
        self._bm25.index(
            [[t for t in toks if t not in STOPWORDS] or ["\u0000"] for toks in self.chunk_tokens],
            show_progress=False,
        )
        n = len(self.chunks)
        df: dict[str, int] = {}
        for toks in self.chunk_tokens:
            for t in set(toks):
                df[t] = df.get(t, 0) + 1
        self._idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        self._token_sets = [set(toks) for toks in self.chunk_tokens]

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every chunk for the query tokens (zeros when nothing matches)."""
        terms = content_terms(query_tokens)
        if not terms or not self.chunks:
            return np.zeros(len(self.chunks), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float32)

    def coverage(self, query_tokens: Sequence[str]) -> np.ndarray:
        """Share of the query's IDF mass (known terms only) found in each chunk, 0..1."""
        terms = [t for t in content_terms(query_tokens) if t in self._idf]
        out = np.zeros(len(self.chunks), dtype=np.float32)
        total = sum(self._idf[t] for t in terms)
        if not total:
            return out
        for i, tokens in enumerate(self._token_sets):
            out[i] = sum(self._idf[t] for t in terms if t in tokens) / total
        return out
