"""Everything precomputed once per corpus: tokenizer, profiles, BM25, sentences and IDF."""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpus.model import Chunk
from embeddings.base import Embedder
from qa.lexical import LexicalIndex, Lexicon
from qa.normalize import to_simplified
from qa.profiles import Profile, build_profiles, user_words

_INSTITUTION_END = re.compile(r"医院|公司|集团|大学|研究院")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_MAX_NAME = 6  # characters before the institution word


@dataclass(frozen=True)
class Sentence:
    """One sentence of a chunk; ``start``/``end`` are offsets in the cleaned article."""

    chunk_index: int
    start: int
    end: int
    text: str


def _split(text: str) -> list[tuple[int, int]]:
    from corpus import split_sentences

    return split_sentences(text)


def corpus_names(texts: Sequence[str]) -> set[str]:
    """Institution names the articles repeat (雷神山医院), found by where their left side branches.

    Growing "山医院" leftwards keeps every occurrence up to "雷神山医院"; one more character
    ("为雷神山医院") loses some of them, so the name starts there.
    """
    text = "\n".join(texts)
    ends = [(m.start(), m.end()) for m in _INSTITUTION_END.finditer(text)]
    # Every occurrence of a candidate ends at one of these matches, so counting the left
    # sides of the matches counts the candidates in one pass (not one scan of the text each).
    counts: Counter[str] = Counter()
    for start, end in ends:
        for name in _left_sides(text, start, end):
            counts[name] += 1
    names: set[str] = set()
    for start, end in ends:
        best = ""
        base = 0
        for size, name in enumerate(_left_sides(text, start, end), start=1):
            if size == 1:
                base = counts[name]
            if counts[name] < base:
                break
            best = name if size >= 2 else best
        if best and base >= 2:
            names.add(best)
    return names


def _left_sides(text: str, start: int, end: int) -> Iterator[str]:
    """The institution word with 1.._MAX_NAME Chinese characters before it, shortest first."""
    for size in range(1, _MAX_NAME + 1):
        if size > start or not _CJK_RUN.fullmatch(text[start - size : start]):
            return
        yield text[start - size : end]


_SHORT_NAME = re.compile(
    r"([\u4e00-\u9fff]{2,20}?(?:有限公司|公司|集团|医院|大学|研究院|中心|局|厅|部|委))"
    r"[（(]简称([\u4e00-\u9fff]{2,8})[)）]"
)
_NAME_START = re.compile(r".*(?:的|在|于|和|与|、|位于|记者|，)")


def short_names(texts: Sequence[str]) -> set[str]:
    """Names the articles introduce with 简称: "深中海医疗用品有限公司（简称深中海）"."""
    names: set[str] = set()
    for text in texts:
        for m in _SHORT_NAME.finditer(text):
            full = _NAME_START.sub("", m.group(1))
            names.update(n for n in (full, m.group(2)) if len(n) >= 2)
    return names


class KnowledgeBase:
    """The chunks of one index plus their tokens, sentences and profile names."""

    def __init__(
        self,
        chunks: Sequence[Chunk],
        extra_aliases: Mapping[str, Sequence[str]] | None = None,
        token_cache: Path | None = None,
    ) -> None:
        """``token_cache``: a folder keeping the chunks' BM25 tokens between starts."""
        self.chunks = list(chunks)
        self.lexicon = Lexicon()
        self.profiles: list[Profile] = build_profiles(
            (c.subject for c in self.chunks), self.lexicon, extra_aliases
        )
        self.lexicon.add_words(user_words(self.profiles))
        # Sorted: the words added, and their order, decide how jieba cuts (and the cache key).
        texts = [c.indexed_text for c in self.chunks]
        self.lexicon.add_words((n, "nt") for n in sorted(corpus_names(texts)))
        self.lexicon.add_words((n, "nt") for n in sorted(short_names(texts)))
        self.lexical = LexicalIndex(self.chunks, self.lexicon, token_cache)
        self.position = {c.id: i for i, c in enumerate(self.chunks)}
        self.sentences: list[list[Sentence]] = [self._sentences(i) for i in range(len(chunks))]
        unique = {
            (s.start, s.end, self.chunks[s.chunk_index].article_id): s
            for ss in self.sentences
            for s in ss
        }
        # Matched in Simplified: a Traditional article meets a question typed either way.
        self.unique_sentences = [to_simplified(s.text).lower() for s in unique.values()]
        self._all_text = to_simplified("\n".join(texts)).lower()
        self._sentence_vectors: dict[tuple[str, str, int], np.ndarray] = {}

    def _sentences(self, i: int) -> list[Sentence]:
        chunk = self.chunks[i]
        out = []
        for start, end in _split(chunk.text):
            text = chunk.text[start:end]
            if not text.strip():
                continue
            out.append(Sentence(i, chunk.start + start, chunk.start + end, text))
        return out

    def sentence_similarities(
        self,
        embedder: Embedder,
        question: str,
        sentences: Sequence[Sentence],
        query_vector: np.ndarray | None = None,
    ) -> np.ndarray:
        """Cosine of the question with each sentence; sentence vectors are computed once.

        ``query_vector`` is the question's vector when the caller already has it.
        """
        keys = [
            (embedder.fingerprint, self.chunks[s.chunk_index].article_id, s.start)
            for s in sentences
        ]
        missing = [i for i, k in enumerate(keys) if k not in self._sentence_vectors]
        if missing:
            vectors = embedder.embed_passages([sentences[i].text for i in missing])
            for i, v in zip(missing, vectors, strict=True):
                self._sentence_vectors[keys[i]] = v
        matrix = np.stack([self._sentence_vectors[k] for k in keys])
        if query_vector is None:
            query_vector = embedder.embed_query(question)
        scores: np.ndarray = matrix @ query_vector
        return scores

    def subject_chunks(self, subjects: Sequence[str]) -> list[int]:
        """Positions of the chunks of these profile subjects, in corpus order."""
        wanted = set(subjects)
        return [i for i, c in enumerate(self.chunks) if c.subject in wanted]

    def chunk_share(self, term: str) -> float:
        """Share of the chunks whose text mentions ``term``."""
        if not self.chunks:
            return 0.0
        needle = term.lower()
        return sum(needle in c.indexed_text.lower() for c in self.chunks) / len(self.chunks)

    def in_corpus(self, term: str) -> bool:
        """Whether ``term`` occurs anywhere in the articles (case-insensitive)."""
        return term.lower() in self._all_text

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one KnowledgeBase per loaded corpus
    def idf(self, term: str) -> float:
        """Inverse sentence frequency of ``term`` (substring match), high for rare terms."""
        needle = term.lower()
        df = sum(1 for s in self.unique_sentences if needle in s)
        n = len(self.unique_sentences)
        return math.log((n + 1) / (df + 0.5))
