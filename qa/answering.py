"""The embedded answerer: score every candidate unit of the retrieved passages with the trained
model, rerank the passages by their best unit, answer with the best units or refuse.

Whether to answer, and with what, is decided only by the model's probabilities and the
threshold chosen on dev questions (``qa/scorer.json``); no rule per question kind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from embeddings.base import Embedder
from qa.compose import Draft, compose, refusal_text
from qa.features import QuestionFacts, question_facts, unit_features
from qa.knowledge import KnowledgeBase
from qa.language import split_parts
from qa.model import Passage
from qa.profiles import ProfileMatch
from qa.scorer import ScorerModel
from qa.units import Unit, candidate_units
from qa.vectors import SentenceVectors

MAX_UNITS = 3  # units quoted in one answer


@dataclass(frozen=True)
class Scored:
    """Every candidate unit of one question with its probability of holding the answer, and
    the answerer's confidence that the best of them answers the question."""

    units: tuple[Unit, ...]
    probabilities: np.ndarray
    features: np.ndarray
    confidence: float


class ScoredGenerator:
    """Answers from the passages' own sentences, chosen by the trained scorer."""

    name = "extractive"

    def __init__(
        self,
        kb: KnowledgeBase,
        model: ScorerModel,
        embedder: Embedder | None = None,
        query_vector: Callable[[str], np.ndarray] | None = None,
        vectors: SentenceVectors | None = None,
        threshold: float | None = None,
    ) -> None:
        self.kb = kb
        self.model = model
        self.embedder = embedder
        self._query_vector = query_vector
        self.vectors = vectors
        self.threshold = model.answer_threshold if threshold is None else threshold

    def score(
        self, q: QuestionFacts, passages: Sequence[Passage], units: Sequence[Unit] | None = None
    ) -> Scored:
        """Features and probabilities of every candidate unit of ``passages`` (``units``:
        those candidates, already cut for another question over the same passages)."""
        units = list(candidate_units(self.kb, passages) if units is None else units)
        vector = None
        if self.embedder is not None and self.vectors is not None and units:
            vector = (
                self._query_vector(q.text)
                if self._query_vector is not None
                else self.embedder.embed_query(q.text)
            )
        rows = unit_features(
            q, units, self.kb, self.vectors.vectors if self.vectors else _no_vectors, vector
        )
        probs = self.model.probabilities(rows)
        order = np.argsort(-probs, kind="stable")
        confidence = self.model.question_confidence(probs[order], rows[order])
        return Scored(tuple(units), probs, rows, confidence)

    def rerank(self, scored: Scored, passages: Sequence[Passage], k: int) -> tuple[Passage, ...]:
        """The ``k`` passages whose best unit scores highest (retrieval order breaks ties)."""
        best: dict[str, float] = {}
        for u, p in zip(scored.units, scored.probabilities, strict=True):
            cid = u.passage.chunk.id
            best[cid] = max(best.get(cid, 0.0), float(p))
        ordered = sorted(passages, key=lambda p: (-best.get(p.chunk.id, 0.0), p.rank))
        return tuple(replace(p, rank=i) for i, p in enumerate(ordered[:k], start=1))

    def choose(self, q: QuestionFacts, scored: Scored) -> list[int]:
        """Indexes of the units to answer with, best first; empty means refuse."""
        probs = scored.probabilities
        if not len(probs):
            return []
        order = [int(i) for i in np.argsort(-probs, kind="stable")]
        top = float(probs[order[0]])
        if scored.confidence < self.threshold:
            return []
        chosen = [order[0]]
        floor = self.model.second_ratio * top
        if self.model.confidence is None:
            floor = max(self.threshold, floor)
        for i in order[1:]:
            if len(chosen) >= MAX_UNITS or float(probs[i]) < floor:
                break
            if not any(_overlap(scored.units[i], scored.units[j]) for j in chosen):
                chosen.append(i)
        return chosen

    def sub_questions(
        self, q: QuestionFacts, scored: Scored, passages: Sequence[Passage]
    ) -> tuple[list[int], float]:
        """Units answering the parts of a question with several (two clauses that each ask, or
        two profiles), each part scored by the same model as a question of its own."""
        texts = split_parts(q.text)
        subs: list[tuple[QuestionFacts, str]] = []
        if len(texts) > 1:
            subs = [(question_facts(t, self.kb), "") for t in texts]
        elif len(q.profiles) > 1:
            # Each part asks about one profile: the other names would only pull its units
            # towards passages about them.
            for m in q.profiles:
                text = _without_names(q.text, [o for o in q.profiles if o is not m])
                subs.append(
                    (replace(question_facts(text, self.kb), profiles=(m,)), m.profile.subject)
                )
        # A question that is answered answers each of its parts: a part then needs no
        # confidence of its own; a refused question is answered only by confident parts.
        answered = scored.confidence >= self.threshold
        chosen: list[int] = []
        best = 0.0
        for sub, subject in subs:
            part = self.score(sub, passages, scored.units)  # same candidates, same indexes
            best = max(best, part.confidence)
            if not answered and part.confidence < self.threshold:
                continue
            order = [int(i) for i in np.argsort(-part.probabilities, kind="stable")]
            own = [
                i for i in order if not subject or part.units[i].passage.chunk.subject == subject
            ]
            if own:
                chosen.append(own[0])
        return chosen, best

    def generate(self, q: QuestionFacts, passages: Sequence[Passage], k: int) -> Draft:
        """A cited answer for ``q`` from ``passages`` (reranked to ``k``), or a refusal."""
        if not passages:
            return Draft(refusal_text(q), (), True, confidence=0.0, passages=())
        scored = self.score(q, passages)
        ranked = self.rerank(scored, passages, k)
        confidence = scored.confidence
        chosen = self.choose(q, scored)
        parts, part_confidence = self.sub_questions(q, scored, passages)
        for i in parts:  # the same candidates in the same order: indexes agree
            if len(chosen) < MAX_UNITS + 1 and not any(
                _overlap(scored.units[i], scored.units[j]) for j in chosen
            ):
                chosen.append(i)
        if parts:
            confidence = max(confidence, part_confidence)
        if not chosen:
            return Draft(refusal_text(q), (), True, confidence=confidence, passages=ranked)
        # Cite the reranked passage objects (same chunk), so citations point into the answer's
        # passages; a unit of a passage that fell out of the top k brings its passage back.
        by_chunk = {p.chunk.id: p for p in ranked}
        units = []
        for i in chosen:
            u = scored.units[i]
            if u.passage.chunk.id not in by_chunk:
                extra = replace(u.passage, rank=len(ranked) + 1)
                ranked = (*ranked, extra)
                by_chunk[extra.chunk.id] = extra
            units.append(replace(u, passage=by_chunk[u.passage.chunk.id]))
        draft = compose(q, units, self.kb)
        return replace(draft, confidence=confidence, passages=ranked)


def _without_names(text: str, names: Sequence[ProfileMatch]) -> str:
    for m in names:
        text = text.replace(m.alias, "")
    return text


def _overlap(a: Unit, b: Unit) -> bool:
    return a.passage.chunk.article_id == b.passage.chunk.article_id and (
        a.start < b.end and b.start < a.end
    )


def _no_vectors(texts: Sequence[str]) -> np.ndarray:
    return np.zeros((len(texts), 1), dtype=np.float32)
