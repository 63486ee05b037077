"""Rule-based follow-up resolution: "那防护服呢？" after a question about a company's masks."""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa.knowledge import KnowledgeBase
from qa.language import GENERIC_NOUNS, INTERROGATIVE, PRONOUNS
from qa.profiles import ProfileMatch, match_profiles

_ELLIPSIS = re.compile(r"^(?:那么?|还有|那)?(?P<x>.+?)(?:呢|怎么样|如何|又如何)[？?。]*$")
_NOUN_TAGS = ("n", "nz", "eng", "vn", "nt", "nr", "ns")
# How much of its best match a question must keep inside the previous profile to inherit it.
_SAME_TOPIC = 0.9
_SHORT = 20  # characters: a longer question usually says what it is about


def resolve(question: str, previous: Sequence[str], kb: KnowledgeBase) -> str:
    """``question`` made self-contained using the previous (already resolved) user questions."""
    if not previous:
        return question
    prev = previous[-1]
    prev_profiles = match_profiles(prev, kb.profiles)
    own = match_profiles(question, kb.profiles)
    ellipsis = _ELLIPSIS.match(question)
    if ellipsis and not INTERROGATIVE.search(ellipsis.group("x")):
        return _substitute(prev, ellipsis.group("x").strip(), own, prev_profiles, kb)
    if own or not prev_profiles:
        return question
    alias = prev_profiles[0].alias
    for pronoun in PRONOUNS:
        if pronoun in question:
            return question.replace(pronoun, alias, 1)
    if len(question) <= _SHORT and _about_profile(question, prev_profiles[0], kb):
        return alias + question
    return question


def _substitute(
    prev: str,
    x: str,
    own: Sequence[ProfileMatch],
    prev_profiles: Sequence[ProfileMatch],
    kb: KnowledgeBase,
) -> str:
    """The previous question with its subject or its measured thing replaced by ``x``."""
    if own and prev_profiles:  # 那某某科技呢？ -> same question about another profile
        p = prev_profiles[0]
        return prev[: p.start] + own[0].alias + prev[p.end :]
    if own:
        return x + "是做什么的？"
    spans = [(m.start, m.end) for m in prev_profiles]
    nouns: list[tuple[int, str]] = []
    pos = 0
    for word, flag in kb.lexicon.tag(prev):
        start = prev.find(word, pos)
        pos = start + len(word)
        inside = any(s <= start < e for s, e in spans)
        if inside or not flag.startswith(_NOUN_TAGS) or word in GENERIC_NOUNS:
            continue
        nouns.append((start, word))
    # Single nouns and runs of adjacent ones (负压 + 救护车 -> 负压救护车).
    candidates = [(start, word) for start, word in nouns if len(word) >= 2]
    for i, (start, word) in enumerate(nouns):
        run, end = word, start + len(word)
        for nxt_start, nxt in nouns[i + 1 :]:
            if nxt_start != end:
                break
            run, end = run + nxt, end + len(nxt)
            candidates.append((start, run))
    if not candidates:
        return (prev_profiles[0].alias if prev_profiles else "") + x + "的情况如何？"
    # Replace the word that plays x's role: the one most often named next to x (口罩 ~ 防护服).
    start, word = max(candidates, key=lambda c: (_cooccurrence(kb, x, c[1]), len(c[1]), -c[0]))
    return prev[:start] + x + prev[start + len(word) :]


def _cooccurrence(kb: KnowledgeBase, a: str, b: str) -> int:
    a, b = a.lower(), b.lower()
    return sum(1 for s in kb.unique_sentences if a in s and b in s)


def _about_profile(question: str, profile: ProfileMatch, kb: KnowledgeBase) -> bool:
    """Whether the question's words are found in that profile about as well as anywhere."""
    coverage = kb.lexical.coverage(kb.lexicon.cut_for_search(question))
    if not coverage.size or float(coverage.max()) == 0.0:
        return True  # nothing to go on: a bare follow-up like "具体是哪天？"
    own = [i for i in kb.subject_chunks([profile.profile.subject])]
    best_own = max((float(coverage[i]) for i in own), default=0.0)
    return best_own >= _SAME_TOPIC * float(coverage.max())
