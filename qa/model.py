"""Records the QA package returns: retrieved passages, citations and answers."""

from __future__ import annotations

from dataclasses import dataclass, field

from corpus.model import Chunk


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its rank (1-based) and fused score."""

    chunk: Chunk
    rank: int
    score: float
    dense_score: float | None = None
    lexical_score: float | None = None


@dataclass(frozen=True)
class Citation:
    """Marker ``[number]`` in an answer, pointing at one passage.

    ``sentence_start``/``sentence_end`` are offsets of the supporting sentence in the cleaned
    article (the same space as ``chunk.start``), so a UI can highlight it inside the passage.
    """

    number: int
    chunk: Chunk
    sentence_start: int
    sentence_end: int

    @property
    def sentence(self) -> str:
        c = self.chunk
        return c.text[self.sentence_start - c.start : self.sentence_end - c.start]


@dataclass(frozen=True)
class Answer:
    """The answer to one question."""

    question: str  # as asked (after input cleaning)
    resolved_question: str  # after follow-up resolution and Traditional->Simplified
    text: str  # with inline markers [1], [2]
    citations: tuple[Citation, ...]
    passages: tuple[Passage, ...]  # everything retrieved, best first
    generator: str  # "extractive" or "llm"
    refused: bool  # True when the articles do not answer the question
    note: str = ""  # e.g. "LLM unreachable; extractive answer shown"
    timings_ms: dict[str, float] = field(default_factory=dict)  # retrieval, generation, total
    # 0..1, how sure the answerer is that the articles answer the question
    confidence: float | None = None
