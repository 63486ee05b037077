"""The extractive answers of two question kinds: what a profile did, and what it is."""

from __future__ import annotations

import re
from collections.abc import Callable

from qa.compose import Pick
from qa.knowledge import Sentence
from qa.model import Passage
from qa.question import Question

_ACTION = re.compile(
    r"协调|组织|完成|带领|成立|建立|生产|捐赠|提供|推动|帮助|保障|解决|制定|安排|"
    r"部署|支援|放弃|转产|研发|牵头|检测|服务|督办|起草|动员|调研|提出|担任"
)


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
