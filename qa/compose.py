"""Composing an answer from chosen units: a short answer first when one can be cut out
confidently, then the units quoted in their own script, each with its marker."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from corpus.model import Chunk
from qa import language
from qa.knowledge import KnowledgeBase
from qa.model import Citation, Passage
from qa.normalize import to_simplified
from qa.profiles import ProfileMatch
from qa.units import Unit

_CLAUSE = re.compile(r"[^，；：,;。！？]+[，；：,;。！？]?")
_MAX_QUOTE = 300  # characters of one unit shown before cutting
_MAX_NAME = 12  # a title longer than this is a headline, not the name of what the article is about
_SENTENCE_MARK = re.compile(r"[，。！？；：,.!?;:“”\"]")


@dataclass(frozen=True)
class Draft:
    """A generator's answer before it becomes an Answer."""

    text: str
    citations: tuple[Citation, ...]
    refused: bool
    note: str = ""
    confidence: float | None = None
    passages: tuple[Passage, ...] | None = None  # reranked; None: as retrieved


def refusal_text(q: object) -> str:
    """What to say when the articles do not answer (names an unknown name if there is one)."""
    unknown = tuple(getattr(q, "unknown", ()) or ())
    if getattr(q, "latin", False):
        if unknown:
            return f"The articles say nothing about {unknown[0]}. (资料中没有找到相关信息)"
        return "The articles don't say. (资料中没有找到相关信息)"
    if unknown:
        return f"资料中没有找到关于“{unknown[0]}”的信息。"
    return "资料中没有找到能回答这个问题的内容。"


def short_answer(q: object, text: str, kb: KnowledgeBase | None = None) -> str:
    """The number or date a question asks for, cut out of ``text`` when exactly one sits in
    the clause that shares most of the question's words; else "".

    ("某局协调捐赠了多少辆救护车？", "...协调捐赠口罩20万只、救护车12辆...") -> "12辆"
    """
    asks = getattr(q, "asks", {})
    unit = getattr(q, "unit", "")
    if asks.get("date"):
        pattern = language.DATE
    elif asks.get("number"):
        pattern = language.QUANTITY
    else:
        return ""
    simplified = to_simplified(text)
    if len(simplified) != len(text):
        return ""  # offsets would not map back to the original script
    terms = [t for t in getattr(q, "terms", ()) if t]
    best: tuple[float, int] | None = None
    found: list[tuple[int, int]] = []  # (start, end) in the sentence
    for clause in _CLAUSE.finditer(simplified):
        piece = clause.group()
        dates = [(m.start(), m.end()) for m in language.DATE.finditer(piece)]
        matches = [
            m
            for m in pattern.finditer(piece)
            if (not unit or unit in m.group())
            and (pattern is language.DATE or not any(s <= m.start() < e for s, e in dates))
        ]
        if not matches:
            continue
        weight = sum((kb.idf(t) if kb else 1.0) for t in terms if t.lower() in piece.lower())
        if best is None or weight > best[0]:
            best = (weight, clause.start())
            found = [(clause.start() + m.start(), clause.start() + m.end()) for m in matches]
    if best is None or (terms and best[0] <= 0):
        return ""  # no clause shares a word with the question: no confident cut
    if len(found) > 1:
        found = _closest(q, simplified, found, terms, kb)
    if len(found) != 1:
        return ""
    start, end = found[0]
    if pattern is language.DATE:
        suffix = language.DATE_SUFFIX.match(simplified, end)
        end = suffix.end() if suffix else end
    return text[start:end]


def _closest(
    q: object, text: str, found: list[tuple[int, int]], terms: list[str], kb: KnowledgeBase | None
) -> list[tuple[int, int]]:
    """Several values in one clause: the one after 到/至 when the question asks what something
    rose to, else the one right after the rarest question word."""
    question = getattr(q, "text", "")
    if language.TO_QUESTION.search(question):
        after_to = [f for f in found if language.TO_BEFORE_NUMBER.search(text[: f[0]])]
        if len(after_to) == 1:
            return after_to
    low = text.lower()
    scored = []
    for s, e in found:
        # A question word just before the value names what it counts (MPV50辆).
        best = 0.0
        for t in terms:
            i = low.rfind(t.lower(), max(0, s - 10 - len(t)), s)
            if i >= 0:
                gap = s - (i + len(t))
                best = max(best, (kb.idf(t) if kb else 1.0) / (1.0 + gap))
        scored.append((best, (s, e)))
    top = max(w for w, _ in scored)
    winners = [f for w, f in scored if w == top]
    return winners if top > 0 else []


def compose(q: object, units: Sequence[Unit], kb: KnowledgeBase | None = None) -> Draft:
    """The answer text with a marker per unit, and its citations."""
    latin = bool(getattr(q, "latin", False))
    profiles = tuple(getattr(q, "profiles", ()))
    question = to_simplified(str(getattr(q, "text", ""))).lower()
    if len(profiles) <= 1:  # one profile: read the units in article order
        units = sorted(units, key=lambda u: (u.passage.chunk.article_id, u.start))
    citations = tuple(
        Citation(n, u.passage.chunk, u.start, u.end) for n, u in enumerate(units, start=1)
    )
    quotes = [_quote(u.text) for u in units]
    if len(units) == 1:
        lead = short_answer(q, units[0].text, kb)
        quote = _named(units[0], question, profiles) + quotes[0]
        if latin:
            text = f"{lead}. The article says: {quote}[1]" if lead else f"{quote}[1]"
        else:
            text = f"{lead}。原文：{quote}[1]" if lead else f"{quote}[1]"
    else:
        head = "The articles say:" if latin else "根据资料："
        lines = []
        for n, (u, quote) in enumerate(zip(units, quotes, strict=True), start=1):
            if len(profiles) > 1:
                subject = u.passage.chunk.subject
                label = next((m.alias for m in profiles if m.profile.subject == subject), subject)
                label = f"{label}："
            else:
                label = _named(u, question, profiles) or "· "
            lines.append(f"{label}{quote}[{n}]")
        text = head + "\n" + "\n".join(lines)
    return Draft(text, citations, False)


def subject_name(chunk: Chunk) -> str:
    """What the chunk's article is about: its profile subject, else a title that is a name
    (short, no sentence marks, not the file name the loader fell back to); "" when neither."""
    if chunk.subject:
        return chunk.subject
    title = chunk.article_title.strip()
    if (
        not title
        or len(title) > _MAX_NAME
        or _SENTENCE_MARK.search(title)
        or title == chunk.article_id  # the loader's fallback: the file name's stem
    ):
        return ""
    return title


def _named(unit: Unit, question: str, profiles: Sequence[ProfileMatch]) -> str:
    """ "名称：" before a quote that never says what it is about (它是……, 原为……), when the
    question (Simplified, lower-cased) does not say it either: the sentence alone would not
    answer "哪一个建筑……"."""
    name = subject_name(unit.passage.chunk)
    if not name:
        return ""
    plain = to_simplified(name).lower()
    if plain in to_simplified(unit.text).lower() or plain in question:
        return ""
    if any(m.profile.subject == unit.passage.chunk.subject for m in profiles):
        return ""  # the question names this profile by one of its short forms
    return f"{name}："


def _quote(text: str) -> str:
    text = text.strip().rstrip("；;，,")
    return text if len(text) <= _MAX_QUOTE else text[:_MAX_QUOTE] + "……"
