"""Citation markers: parse [n], drop the ones that point nowhere, renumber, locate sentences."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence

from corpus.model import Chunk
from qa.model import Citation, Passage

MARKER = re.compile(r"\[(\d+)\]")


def markers(text: str) -> list[int]:
    """Marker numbers in order of appearance, repeats included."""
    return [int(m.group(1)) for m in MARKER.finditer(text)]


def renumber(text: str, valid: set[int]) -> tuple[str, dict[int, int]]:
    """Drop markers not in ``valid``; renumber the rest 1, 2, ... by first appearance.

    Returns the new text and the mapping old number -> new number.
    """
    mapping: dict[int, int] = {}

    def replace(m: re.Match[str]) -> str:
        old = int(m.group(1))
        if old not in valid:
            return ""
        if old not in mapping:
            mapping[old] = len(mapping) + 1
        return f"[{mapping[old]}]"

    new = MARKER.sub(replace, text)
    new = re.sub(r"(\[\d+\])(\1)+", r"\1", new)  # "[1][1]" after a renumbering reads once
    return new, mapping


def _bigrams(text: str) -> set[str]:
    chars = [c for c in text if not c.isspace()]
    return {a + b for a, b in itertools.pairwise(chars)}


def supporting_sentence(
    chunk: Chunk, claim: str, spans: Sequence[tuple[int, int]]
) -> tuple[int, int]:
    """The sentence of ``chunk`` (spans relative to chunk.text) that shares most with ``claim``.

    Returned as offsets in the cleaned article, like ``chunk.start``.
    """
    if not spans:
        return chunk.start, chunk.end
    wanted = _bigrams(claim)
    best = max(spans, key=lambda s: (len(wanted & _bigrams(chunk.text[s[0] : s[1]])), -s[0]))
    return chunk.start + best[0], chunk.start + best[1]


def claims_before_markers(text: str) -> dict[int, str]:
    """For each marker number, the text it closes (since the previous marker or sentence end)."""
    out: dict[int, str] = {}
    last = 0
    for m in MARKER.finditer(text):
        segment = text[last : m.start()]
        # The claim is the current sentence: cut at the last full stop before the marker.
        cut = max(segment.rfind(p) for p in "。！？\n")
        claim = segment[cut + 1 :] if cut >= 0 and len(segment) - cut > 4 else segment
        number = int(m.group(1))
        out[number] = out.get(number, "") + claim
        last = m.end()
    return out


def cite(
    text: str,
    passages: Sequence[Passage],
    sentence_spans: Mapping[str, Sequence[tuple[int, int]]],
) -> tuple[str, tuple[Citation, ...]]:
    """Turn an answer citing passages as [n] (1-based, in ``passages`` order) into one whose
    markers are consecutive and each backed by a Citation; invalid markers are removed."""
    valid = set(range(1, len(passages) + 1))
    claims = claims_before_markers(text)
    new_text, mapping = renumber(text, valid)
    citations = []
    for old, new in sorted(mapping.items(), key=lambda kv: kv[1]):
        chunk = passages[old - 1].chunk
        start, end = supporting_sentence(
            chunk, claims.get(old, ""), sentence_spans.get(chunk.id, ())
        )
        citations.append(Citation(number=new, chunk=chunk, sentence_start=start, sentence_end=end))
    return new_text.strip(), tuple(citations)
