"""The embedded generator: picks the sentences that answer and cites them, or says so."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from embeddings.base import Embedder
from qa import facts
from qa.compose import Draft, Pick, compose, refusal_text
from qa.extractive_kinds import (
    HEADING,
    MAX_SENTENCES,
    activity_picks,
    continued,
    definition_picks,
)
from qa.knowledge import KnowledgeBase, Sentence
from qa.model import Passage
from qa.question import GENERIC_SLOTS, Question, analyse, split_parts

_GENERIC_ORGS = frozenset(("有限公司", "股份有限公司", "公司", "集团", "医院", "企业", "单位"))
_PLACE_SLOT = re.compile(r"^(区|市|省|县|地方|地点|城市|国家|地区)$")
_COMMON_WORD = 1000  # jieba frequency above which a "name" is an ordinary word
_NEAR = 15  # characters between a named person and the organisation answering "which unit"
MIN_COVERAGE = 0.34  # share of the question's IDF mass a sentence must hold to answer alone
MIN_COVERAGE_TYPED = 0.15  # when the sentence also has the asked-for quantity/date and noun
_WEAK_SHARE = 0.4  # a list item below the threshold must still score this close to the best
_MIN_GAIN = 0.1  # share of the question's IDF mass a further sentence must add
_CLOSE_SCORE = 0.7  # "how" questions also take steps scoring this close to the best
_FALLBACK_COVERAGE = 0.6  # question words a profile's top-passage sentence must hold to answer
_WINDOW_WEIGHT = 0.85  # coverage earned with the previous sentence's help counts a bit less


class ExtractiveGenerator:
    """Answers from the passages' own sentences; no model, no network."""

    name = "extractive"

    def __init__(
        self,
        kb: KnowledgeBase,
        embedder: Embedder | None = None,
        query_vector: Callable[[str], np.ndarray] | None = None,
    ) -> None:
        self.kb = kb
        self.embedder = embedder
        # The retriever has usually embedded the same question already: reuse its vector.
        self._query_vector = query_vector

    def generate(self, question: Question, passages: Sequence[Passage]) -> Draft:
        """Compose a cited answer for ``question`` from ``passages`` or refuse."""
        if question.unknown or not passages:
            return Draft(refusal_text(question), (), True)
        if question.latin and not question.profiles and not question.terms:
            # Nothing in an English question meets the articles (no profile, no shared word):
            # sentence similarity alone would always find "something".
            return Draft(refusal_text(question), (), True)
        picks: list[Pick] = []
        for part in self._parts(question):
            for sub in self._per_profile(part):
                picks.extend(self._answer_part(sub, passages))
        unique: dict[tuple[str, int], Pick] = {}
        for p in picks:
            unique.setdefault((p.passage.chunk.article_id, p.sentence.start), p)
        if not unique:
            return Draft(refusal_text(question), (), True)
        return compose(question, list(unique.values()))

    def _parts(self, question: Question) -> list[Question]:
        texts = split_parts(question.text)
        if len(texts) < 2:
            return [question]
        parts = []
        for text in texts:
            part = analyse(text, self.kb)
            if not part.profiles:
                part = replace(part, profiles=question.profiles)
            parts.append(part)
        return parts

    def _per_profile(self, question: Question) -> list[Question]:
        if len(question.profiles) < 2:
            return [question]
        aliases = "".join(m.alias for m in question.profiles)
        terms = tuple(t for t in question.terms if t not in aliases)
        return [replace(question, profiles=(m,), terms=terms) for m in question.profiles]

    def _candidates(
        self, question: Question, passages: Sequence[Passage]
    ) -> list[tuple[Sentence, Passage]]:
        subjects = {m.profile.subject for m in question.profiles}
        seen: set[tuple[str, int]] = set()
        out = []
        for p in passages:
            if subjects and p.chunk.subject not in subjects:
                continue
            for s in self.kb.sentences[self.kb.position[p.chunk.id]]:
                key = (p.chunk.article_id, s.start)
                if key not in seen and not HEADING.match(s.text):
                    seen.add(key)
                    out.append((s, p))
        return out

    def _answer_part(self, q: Question, passages: Sequence[Passage]) -> list[Pick]:
        candidates = self._candidates(q, passages)
        if not candidates:
            return []
        if q.kind == "activity":
            return activity_picks(q, candidates, self._coverage)
        if q.kind == "definition":
            definition = definition_picks(q, candidates)
            if definition:
                return definition
        dense = self._dense_scores(q, candidates) if q.latin else None
        scored = []
        for i, (s, p) in enumerate(candidates):
            pick = self._score(q, s, p, None if dense is None else float(dense[i]))
            if pick is not None:
                scored.append(pick)
        scored.sort(key=lambda x: (not x.strong, -x.score))
        if not scored or not scored[0].strong:
            return self._fallback(q, candidates)
        if q.kind in ("list", "how") or q.multi:
            return continued(self.kb, self._several(q, scored))
        return [scored[0]]

    def _fallback(self, q: Question, candidates: list[tuple[Sentence, Passage]]) -> list[Pick]:
        """A profile's own top passage holding most question words answers a how/list/who
        question even when no sentence names the asked-for slot (怎么倒班, 哪个部门发布)."""
        if not q.profiles or q.kind in ("quantity", "date", "definition") or len(q.terms) < 2:
            return []
        top = min(p.rank for _, p in candidates)
        best = max(
            ((self._coverage(q, s.text), -s.start, s, p) for s, p in candidates if p.rank == top),
            key=lambda x: x[:2],
            default=None,
        )
        if best is None or best[0] < _FALLBACK_COVERAGE:
            return []
        pick = Pick(best[2], best[3], best[0], "", q.terms)
        return continued(self.kb, [pick]) if q.kind in ("list", "how") else [pick]

    def _several(self, q: Question, scored: list[Pick]) -> list[Pick]:
        """Greedy cover: add sentences while they bring question terms not yet shown."""
        chosen = [scored[0]]
        shown = self._hits(q, scored[0].sentence.text)
        scored = [x for x in scored if x.strong or x.score >= _WEAK_SHARE * chosen[0].score]
        for pick in scored[1:]:
            if len(chosen) == MAX_SENTENCES:
                break
            if pick.passage.chunk.subject != chosen[0].passage.chunk.subject and not pick.strong:
                continue
            hits = self._hits(q, pick.sentence.text)
            gain = sum(self.kb.idf(t) for t in hits - shown)
            close = pick.score >= _CLOSE_SCORE * chosen[0].score
            if gain > _MIN_GAIN * self._mass(q) or (q.kind == "how" and close):
                chosen.append(pick)
                shown |= hits
        return chosen

    def _hits(self, q: Question, text: str) -> set[str]:
        low = text.lower()
        return {t for t in q.terms if t.lower() in low}

    def _mass(self, q: Question) -> float:
        return sum(self.kb.idf(t) for t in q.terms if self.kb.in_corpus(t)) or 1.0

    def _coverage(self, q: Question, text: str) -> float:
        if not q.terms:
            return 0.5
        low = text.lower()
        # A word the articles never use cannot tell sentences apart (paraphrase, English);
        # unknown names and slots are refused elsewhere.
        weights = [(self.kb.idf(t), t.lower() in low) for t in q.terms if self.kb.in_corpus(t)]
        total = sum(w for w, _ in weights)
        return sum(w for w, hit in weights if hit) / total if total else 0.0

    def _slot_hit(self, q: Question, text: str, chunk_text: str = "") -> bool:
        if not q.slot:
            return False
        if q.kind == "name" and chunk_text:
            text = chunk_text  # 哪家服装企业: the profile says 服装 somewhere, not in each sentence
        if q.slot in text:
            return True
        parts = [w for w in self.kb.lexicon.cut_for_search(q.slot) if len(w) >= 2]
        return any(w in text and w not in GENERIC_SLOTS for w in parts)

    def _score(self, q: Question, s: Sentence, p: Passage, dense: float | None) -> Pick | None:
        text = s.text
        slot_hit = self._slot_hit(q, text, p.chunk.indexed_text)
        if q.slot_required and not slot_hit:
            return None
        window = self._window(s)
        anchored = not q.anchors or any(a in window for a in q.anchors)
        several = q.kind in ("list", "how") or q.multi
        if not anchored and not several:
            return None  # a list names several things: each item sentence holds only one
        if q.places and not any(x in p.chunk.indexed_text for x in q.places):
            return None
        focus, typed = "", False
        anchor = self._anchor(q, text)
        if q.kind == "quantity":
            found = facts.quantities(text, q.classifier)
            if not found:
                return None
            weights = {t: self.kb.idf(t) for t in q.terms}
            focus = facts.pick_quantity(text, found, anchor, q.text, list(q.terms), weights)
            typed = True
        elif q.kind == "date":
            found_dates = facts.dates(text)
            if not found_dates:
                return None
            weights = {t: self.kb.idf(t) for t in q.terms}
            focus = facts.best_clause(text, found_dates, list(q.terms), weights)[0].group()
            typed = True
        elif q.kind == "name":
            focus = self._name_in(q, text, p)
            if not focus and ((q.anchors and anchored) or _PLACE_SLOT.search(q.slot or "-")):
                return None
        coverage = max(self._coverage(q, text), _WINDOW_WEIGHT * self._coverage(q, window))
        if dense is not None:
            # English: sentence similarity (rescaled 0..1), shared with the words that do meet.
            coverage = 0.5 * coverage + 0.5 * dense if q.terms else dense
        needed = MIN_COVERAGE_TYPED if typed and (slot_hit or not q.slot) else MIN_COVERAGE
        if coverage < MIN_COVERAGE_TYPED:
            return None
        score = coverage + 0.25 * slot_hit + 0.05 / p.rank
        keep = (focus, q.slot, *q.terms)
        strong = coverage >= needed and anchored
        return Pick(s, p, score, focus, tuple(k for k in keep if k), strong)

    def _anchor(self, q: Question, text: str) -> int:
        """Where the thing asked about sits in the sentence: the slot, else the rarest term."""
        if q.slot and q.slot in text:
            return text.find(q.slot)
        low = text.lower()
        present = [t for t in q.terms if t.lower() in low]
        if not present:
            return -1
        return low.find(max(present, key=self.kb.idf).lower())

    def _name_in(self, q: Question, text: str, p: Passage) -> str:
        """A person or organisation the sentence names that the question does not.

        When the question names someone (张喆是哪个单位的), the answer must sit next to them
        in the sentence; a name far away in a long list is not their relation.
        """
        near = [text.find(a) for a in q.anchors if a in text]
        tags = ("ns",) if _PLACE_SLOT.search(q.slot or "-") else ("nr", "nt")
        if tags == ("ns",):
            return self._place_in(q, text)
        pos = 0
        for word, flag in self.kb.lexicon.tag(text):
            start = text.find(word, pos)
            pos = start + len(word)
            if not flag.startswith(tags) or len(word) < 2 or word in q.text:
                continue
            if word in _GENERIC_ORGS or self.kb.lexicon.frequency(word) > _COMMON_WORD:
                continue  # 弘扬 is tagged nr by jieba's HMM, but it is a common word
            if near and min(abs(start - n) for n in near) > _NEAR:
                continue
            return word
        if near or tags == ("ns",):
            return ""
        # A profile's sentences often leave out their subject: "是大家心目中的口罩保障第一人".
        return p.chunk.subject if p.chunk.subject and p.chunk.subject not in q.text else ""

    def _place_in(self, q: Question, text: str) -> str:
        """The place right inside a place the question names: 深圳市 -> 坪山区."""
        for word, flag in self.kb.lexicon.tag(q.text):
            if flag.startswith("ns") and word in text:
                m = re.search(re.escape(word) + r"([\u4e00-\u9fff]{1,4}?[区县市镇])", text)
                if m:
                    return m.group(1)
        return ""

    def _window(self, s: Sentence) -> str:
        sentences = self.kb.sentences[s.chunk_index]
        i = next(i for i, x in enumerate(sentences) if x.start == s.start)
        return "".join(x.text for x in sentences[max(0, i - 1) : i + 1])

    def _dense_scores(
        self, q: Question, candidates: list[tuple[Sentence, Passage]]
    ) -> np.ndarray | None:
        if self.embedder is None:
            return None
        vector = self._query_vector(q.text) if self._query_vector else None
        sims = self.kb.sentence_similarities(
            self.embedder, q.text, [s for s, _ in candidates], vector
        )
        low, high = float(sims.min()), float(sims.max())
        # Rescaled to 0..1 within the candidates: only the order matters across languages.
        return (sims - low) / (high - low) if high > low else np.ones_like(sims)
