"""Extractive helpers: what a profile did, what it is, and the sentence a lead announces."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from qa.compose import Pick
from qa.knowledge import KnowledgeBase, Sentence
from qa.model import Passage
from qa.question import Question

_ACTION = re.compile(
    r"协调|组织|完成|带领|成立|建立|生产|捐赠|提供|推动|帮助|保障|解决|制定|安排|"
    r"部署|支援|放弃|转产|研发|牵头|检测|服务|督办|起草|动员|调研|提出|担任"
)
_ANNOUNCES = re.compile(r"[几两三四五六七八九十][个大种项条点]|如下|一是|：$")
_LEAD_CHARS = 30  # a shorter sentence in a how/list answer is a paragraph lead
HEADING = re.compile(r"^[^。！？；]{0,30}$|^——")  # a title line, not a sentence
MAX_SENTENCES = 4


def activity_picks(
    q: Question,
    candidates: list[tuple[Sentence, Passage]],
    coverage: Callable[[Question, str], float],
) -> list[Pick]:
    """What X did: the sentences richest in actions and figures, in article order."""
    scored = []
    for s, p in candidates:
        text = s.text
        if text.startswith("“") or len(text) < 12:
            continue
        score = len(_ACTION.findall(text)) * 0.4 + 0.5 * bool(re.search(r"\d", text))
        score += 0.3 * coverage(q, text) + 0.05 / p.rank
        score -= 0.3 * (len(text) > 150)
        scored.append(Pick(s, p, score, "", tuple(_ACTION.findall(text))))
    scored.sort(key=lambda x: -x.score)
    chosen = scored[:4]
    return sorted(chosen, key=lambda x: (x.passage.chunk.article_id, x.sentence.start))


def definition_picks(q: Question, candidates: list[tuple[Sentence, Passage]]) -> list[Pick]:
    """What X is: the first sentence saying X 是/作为/成立于 ..."""
    aliases = [a for m in q.profiles for a in m.profile.aliases]
    for s, p in sorted(candidates, key=lambda c: c[0].start):
        text = s.text
        for alias in aliases:
            i = text.find(alias)
            if i < 0:
                continue
            if re.match(r"(，)?(是|作为|成立于)", text[i + len(alias) :]) or re.search(
                r"(身为|作为)[^，。]{2,40}的$", text[:i]
            ):
                return [Pick(s, p, 1.0, "", (alias,))]
    return []


def continued(kb: KnowledgeBase, picks: list[Pick]) -> list[Pick]:
    """A paragraph lead (全力守好基层联防联控生命线。) or an announced enumeration is only
    answered by the sentence after it: add that one."""
    out = list(picks)
    have = {p.sentence.start for p in picks}
    for pick in picks:
        text = pick.sentence.text
        if len(text) >= _LEAD_CHARS and not _ANNOUNCES.search(text):
            continue
        sentences = kb.sentences[pick.sentence.chunk_index]
        later = [x for x in sentences if x.start > pick.sentence.start]
        nxt = next((x for x in later if not HEADING.match(x.text)), None)
        if nxt is None:
            continue
        if nxt.start in have:  # already picked: show it from its start, not cut to words
            out = [replace(x, keep=()) if x.sentence.start == nxt.start else x for x in out]
        elif len(out) < MAX_SENTENCES:
            out.append(replace(pick, sentence=nxt, focus="", keep=(), strong=False))
            have.add(nxt.start)
    return out
