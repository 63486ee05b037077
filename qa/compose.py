"""Composing an extractive answer: short answer first, quoted clauses, numbered markers."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from qa import facts
from qa.knowledge import Sentence
from qa.model import Citation, Passage
from qa.question import Question

_SHORT_QUOTE = 30  # characters of context shown after a short answer before cutting to its clause
_LONG_QUOTE = 90
_ENUMERATION = re.compile(r"一是.{2,}二是")


@dataclass(frozen=True)
class Draft:
    """A generator's answer before it becomes an Answer."""

    text: str
    citations: tuple[Citation, ...]
    refused: bool
    note: str = ""


@dataclass(frozen=True)
class Pick:
    """A sentence chosen to answer, with its passage and the short answer found in it."""

    sentence: Sentence
    passage: Passage
    score: float
    focus: str
    keep: tuple[str, ...]
    strong: bool = True  # answers on its own (else only completes a list)


def refusal_text(question: Question) -> str:
    """What to say when the articles do not answer."""
    if question.latin:
        if question.unknown:
            return f"The articles say nothing about {question.unknown[0]}. (资料中没有找到相关信息)"
        return "The articles don't say. (资料中没有找到相关信息)"
    if question.unknown:
        return f"资料中没有找到关于“{question.unknown[0]}”的信息。"
    return "资料中没有找到能回答这个问题的内容。"


def compose(q: Question, picks: list[Pick]) -> Draft:
    """The answer text with a marker per picked sentence, and its citations."""
    citations, lines = [], []
    for n, pick in enumerate(picks, start=1):
        s = pick.sentence
        citations.append(Citation(n, pick.passage.chunk, s.start, s.end))
        lines.append((pick, _quote(q, pick, len(picks)), n))
    if len(q.profiles) <= 1:  # one profile: read the sentences in article order
        lines.sort(key=lambda x: (x[0].passage.chunk.article_id, x[0].sentence.start))
        lines = [(pick, quote, i) for i, (pick, quote, _) in enumerate(lines, start=1)]
        citations = [
            replace(c, number=i)
            for i, c in enumerate(
                sorted(citations, key=lambda c: (c.chunk.article_id, c.sentence_start)), start=1
            )
        ]
    if len(lines) == 1:
        pick, quote, n = lines[0]
        lead = pick.focus if pick.focus and not q.multi else ""
        if q.latin:
            text = (
                f"{lead}. The article says: {quote}[{n}]"
                if lead
                else f"The article says: {quote}[{n}]"
            )
        else:
            text = f"{lead}。原文：{quote}[{n}]" if lead else f"{quote}[{n}]"
    else:
        head = "The articles say:" if q.latin else "根据资料："
        body = "\n".join(f"{_label(q, pick)}{quote}[{n}]" for pick, quote, n in lines)
        text = f"{head}\n{body}"
    return Draft(text, tuple(citations), False)


def _quote(q: Question, pick: Pick, count: int) -> str:
    """The part of the sentence worth showing: the clause of a short answer, else the
    clauses holding the question's words."""
    text = pick.sentence.text
    if _ENUMERATION.search(text):
        return text.rstrip("；;，,")  # 一是…二是…: cutting to the question's words drops items
    if count == 1 and pick.focus and not q.multi and pick.focus in text:
        quote = facts.trim(text, [pick.focus], limit=_SHORT_QUOTE)
    else:
        quote = facts.trim(text, list(pick.keep), limit=_LONG_QUOTE)
    return quote.rstrip("；;，,")


def _label(q: Question, pick: Pick) -> str:
    # Answers about several profiles say which line is which.
    if len(q.profiles) > 1:
        subject = pick.passage.chunk.subject
        short = next((m.alias for m in q.profiles if m.profile.subject == subject), subject)
        return f"{short}："
    return "· "
