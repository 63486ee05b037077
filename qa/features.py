"""Features of (question, candidate unit) pairs for the trained answer scorer.

Each row says how well one unit matches the question: e5 similarity, shared words and
character pairs, the passage's retrieval rank and scores, and whether the unit holds the kind
of answer the question asks for (a number with the asked measure word, a date, a name). Gaps to
the best candidate of the same question let a linear model rank as well as score.
The same function computes the features for training (``scripts/train_scorer.py``) and at run
time, so the two never drift apart.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from qa import language
from qa.knowledge import KnowledgeBase
from qa.lexical import content_terms
from qa.normalize import is_mostly_latin, to_simplified
from qa.profiles import ProfileMatch, match_profiles
from qa.units import Unit

FEATURES: tuple[str, ...] = (
    "cos", "cos_gap", "cos_rank", "cov", "cov_gap", "bigram", "bigram_gap",
    "p_rank", "p_dense", "p_lexical", "window", "log_len",
    "num_match", "num_miss", "unit_match", "date_match", "date_miss",
    "person_match", "place_match", "org_match", "profile_match", "profile_other",
    "q_unknown", "q_max_cos", "q_max_cov", "q_latin", "q_terms", "focus_cov", "rare_hit",
)  # fmt: skip
_ENTITY_TAGS = ("nr", "nt", "ns", "nz")
_PUNCT = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class QuestionFacts:
    """What the scorer reads from a question once: its words, what it asks, names."""

    text: str  # Simplified
    terms: tuple[str, ...]
    focus: tuple[str, ...]  # the terms after the question word: what is asked about (员工)
    bigrams: frozenset[str]
    asks: dict[str, bool]
    unit: str  # measure word counted (辆), or ""
    profiles: tuple[ProfileMatch, ...]
    unknown: tuple[str, ...]  # names in the question that the articles never use
    latin: bool


def _bigrams(text: str) -> set[str]:
    chars = _PUNCT.sub("", text.lower())
    return {a + b for a, b in itertools.pairwise(chars)}


def question_facts(text: str, kb: KnowledgeBase) -> QuestionFacts:
    """Analyse a Simplified question against one corpus (names, words, what it asks)."""
    profiles = tuple(match_profiles(text, kb.profiles))
    named = "".join(m.alias for m in profiles)
    asked = language.QUESTION_WORDS.sub(" ", text)
    terms = [
        t
        for t in content_terms(kb.lexicon.cut_for_search(asked))
        if not (len(t) == 1 and language.CJK.match(t)) and not re.fullmatch(r"[a-z]", t)
    ]
    asked_at = language.QUESTION_WORDS.search(text)
    tail = text[asked_at.end() :].lower() if asked_at else ""
    focus = tuple(t for t in terms if t in tail)
    unknown = []
    for word, flag in kb.lexicon.tag(text):
        if len(word) < 2 or not flag.startswith(_ENTITY_TAGS) or word in named:
            continue
        if language.CJK.search(word) and not kb.in_corpus(word):
            unknown.append(word)
    return QuestionFacts(
        text=text,
        terms=tuple(terms),
        focus=focus,
        bigrams=frozenset(_bigrams(asked)),
        asks=language.asks(text),
        unit=language.counted_unit(text),
        profiles=profiles,
        unknown=tuple(dict.fromkeys(unknown)),
        latin=is_mostly_latin(text),
    )


def _names(kb: KnowledgeBase, text: str, question: str) -> set[str]:
    """Jieba's entity tags (nr/ns/nt) of words the question does not already contain."""
    return {
        flag[:2]
        for word, flag in kb.lexicon.tag(text)
        if len(word) >= 2 and flag.startswith(_ENTITY_TAGS) and word not in question
    }


@dataclass(frozen=True)
class _UnitFacts:
    text: str  # Simplified, lower case
    bigrams: frozenset[str]
    has_number: bool
    has_date: bool


_UNIT_CACHE = 50_000  # units whose text facts are kept per corpus (a few tens of MB at most)


def _unit_facts(kb: KnowledgeBase, unit: Unit) -> _UnitFacts:
    """What a unit's text holds, computed once per corpus: the same units come back often."""
    cache: dict[tuple[str, int, int], _UnitFacts] = kb.__dict__.setdefault("_unit_facts", {})
    key = (unit.passage.chunk.article_id, unit.start, unit.end)
    found = cache.get(key)
    if found is None:
        if len(cache) >= _UNIT_CACHE:
            cache.clear()
        text = to_simplified(unit.text).lower()
        found = cache[key] = _UnitFacts(
            text=text,
            bigrams=frozenset(_bigrams(text)),
            has_number=bool(language.QUANTITY.search(text)),
            has_date=bool(language.DATE.search(text)),
        )
    return found


def unit_features(
    q: QuestionFacts,
    units: Sequence[Unit],
    kb: KnowledgeBase,
    sentence_vectors: Callable[[Sequence[str]], np.ndarray],
    query_vector: np.ndarray | None,
) -> np.ndarray:
    """One row of ``FEATURES`` per unit (float32)."""
    n = len(units)
    out = np.zeros((n, len(FEATURES)), dtype=np.float32)
    if not n:
        return out
    col = {name: i for i, name in enumerate(FEATURES)}
    facts = [_unit_facts(kb, u) for u in units]
    texts = [f.text for f in facts]

    # e5 similarity; a window's vector is the normalised sum of its sentences' vectors.
    cos = np.zeros(n, dtype=np.float32)
    if query_vector is not None:
        sentences = list(dict.fromkeys(s.text for u in units for s in u.sentences))
        index = {t: i for i, t in enumerate(sentences)}
        matrix = sentence_vectors(sentences)
        for i, u in enumerate(units):
            v = matrix[[index[s.text] for s in u.sentences]].sum(axis=0)
            norm = float(np.linalg.norm(v)) or 1.0
            cos[i] = float(v @ query_vector) / norm

    weights = {t: kb.idf(t) for t in q.terms if kb.in_corpus(t)}
    total = sum(weights.values())
    cov = np.array(
        [
            sum(w for t, w in weights.items() if t in text) / total if total else 0.0
            for text in texts
        ],
        dtype=np.float32,
    )
    bigram = np.array(
        [len(q.bigrams & f.bigrams) / len(q.bigrams) if q.bigrams else 0.0 for f in facts],
        dtype=np.float32,
    )
    lexical = [u.passage.lexical_score or 0.0 for u in units]
    top_lexical = max(lexical) or 1.0
    named = {m.profile.subject for m in q.profiles}
    order = np.argsort(-cos, kind="stable")
    cos_rank = np.empty(n, dtype=np.float32)
    cos_rank[order] = 1.0 / (1.0 + np.arange(n))

    focus = {t: kb.idf(t) for t in q.focus if kb.in_corpus(t)}
    focus_total = sum(focus.values())
    rare = max(weights, key=lambda t: weights[t]) if weights else ""
    for i, text in enumerate(texts):
        if focus_total:
            out[i, col["focus_cov"]] = sum(w for t, w in focus.items() if t in text) / focus_total
        out[i, col["rare_hit"]] = float(bool(rare) and rare in text)
    out[:, col["cos"]] = cos
    out[:, col["cos_gap"]] = cos - cos.max()
    out[:, col["cos_rank"]] = cos_rank
    out[:, col["cov"]] = cov
    out[:, col["cov_gap"]] = cov - cov.max()
    out[:, col["bigram"]] = bigram
    out[:, col["bigram_gap"]] = bigram - bigram.max()
    out[:, col["q_unknown"]] = float(bool(q.unknown))
    out[:, col["q_max_cos"]] = cos.max()
    out[:, col["q_max_cov"]] = cov.max()
    out[:, col["q_latin"]] = float(q.latin)
    out[:, col["q_terms"]] = math.log1p(len(weights))
    for i, (u, text) in enumerate(zip(units, texts, strict=True)):
        row = out[i]
        row[col["p_rank"]] = 1.0 / u.passage.rank
        row[col["p_dense"]] = u.passage.dense_score or 0.0
        row[col["p_lexical"]] = lexical[i] / top_lexical
        row[col["window"]] = float(u.is_window)
        row[col["log_len"]] = math.log1p(len(text))
        has_number, has_date = facts[i].has_number, facts[i].has_date
        if q.asks["number"]:
            row[col["num_match"]] = float(has_number)
            row[col["num_miss"]] = float(not has_number)
            if q.unit and re.search(
                r"[\d一二两三四五六七八九十百千万亿]" + re.escape(q.unit), text
            ):
                row[col["unit_match"]] = 1.0
        if q.asks["date"]:
            row[col["date_match"]] = float(has_date)
            row[col["date_miss"]] = float(not has_date)
        if q.asks["person"] or q.asks["place"] or q.asks["org"]:
            tags = _names(kb, text, q.text)
            row[col["person_match"]] = float(q.asks["person"] and "nr" in tags)
            row[col["place_match"]] = float(q.asks["place"] and "ns" in tags)
            row[col["org_match"]] = float(q.asks["org"] and "nt" in tags)
        if named:
            inside = u.passage.chunk.subject in named
            row[col["profile_match"]] = float(inside)
            row[col["profile_other"]] = float(not inside)
    return out
