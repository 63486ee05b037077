"""Candidate answer units: the sentences of the retrieved passages and windows of two adjacent
sentences, each with its span in the cleaned article (for the citation's highlight)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from qa.knowledge import KnowledgeBase, Sentence
from qa.model import Passage

# A title line or a byline, not a sentence that can answer: no sentence-final punctuation.
_HEADING = re.compile(r"^[^。！？；.!?;]{0,30}$|^——")
_MAX_CHARS = 400  # a longer "sentence" is a run-on table row: it still counts, as one unit


@dataclass(frozen=True)
class Unit:
    """One sentence, or two adjacent sentences, of one retrieved passage."""

    passage: Passage
    sentences: tuple[Sentence, ...]

    @property
    def text(self) -> str:
        """The unit as the article writes it (what a window spans, gaps included)."""
        c = self.passage.chunk
        return c.text[self.start - c.start : self.end - c.start]

    @property
    def start(self) -> int:
        return self.sentences[0].start

    @property
    def end(self) -> int:
        return self.sentences[-1].end

    @property
    def is_window(self) -> bool:
        return len(self.sentences) > 1


def is_heading(text: str) -> bool:
    """A title line or byline ("——记 ..."), which quotes nothing worth citing."""
    return bool(_HEADING.match(text.strip()))


def candidate_units(kb: KnowledgeBase, passages: Sequence[Passage]) -> list[Unit]:
    """Every sentence of the passages (once, at its best-ranked passage) and every window of
    two adjacent sentences, in passage order."""
    seen: set[tuple[str, int, int]] = set()
    units: list[Unit] = []
    for p in passages:
        pos = kb.position.get(p.chunk.id)
        if pos is None:
            continue
        sentences = [s for s in kb.sentences[pos] if s.text.strip()]
        for i, s in enumerate(sentences):
            if not is_heading(s.text):
                key = (p.chunk.article_id, s.start, s.end)
                if key not in seen:
                    seen.add(key)
                    units.append(Unit(p, (s,)))
            if i + 1 < len(sentences):
                pair = (s, sentences[i + 1])
                if sum(len(x.text) for x in pair) > _MAX_CHARS or any(
                    is_heading(x.text) for x in pair
                ):
                    continue
                key = (p.chunk.article_id, pair[0].start, pair[1].end)
                if key not in seen:
                    seen.add(key)
                    units.append(Unit(p, pair))
    return units
