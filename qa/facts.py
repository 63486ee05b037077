"""Facts inside a Chinese sentence: quantities with units, dates, names; clause trimming."""

from __future__ import annotations

import re

_DIGITS = r"(?:\d+(?:\.\d+)?|[一二两三四五六七八九十百千万亿]+)"
_NUMBER = rf"(?:近|约|超过|逾|上)?{_DIGITS}(?:多|余)?[十百千万亿]*(?:多|余)?"
UNIT_GROUPS: dict[str, str] = {
    "people": r"名|人|位",
    "money": r"元|美元",
    "time": r"小时|个月|天|日|年|周|分钟",
}
ANY_UNIT = (
    r"件次|批次|小时|个月|分钟|美元|个|名|位|人|家|辆|只|套|次|项|件|张|条|箱|天|日|年|周|元|瓶|"
    r"支|台|座|所|倍|批|份|吨|%|省"
)
_SUFFIX = r"(?:以上|多|余|左右)?"
DATE = re.compile(
    r"(?:\d{4}年)?\d{1,2}月\d{1,2}日(?:晚|前|以前|之前|后|起|以来|至今)?"
    r"|\d{4}年\d{1,2}月(?:前|以来)?"
    r"|(?<!\d)\d{4}年(?:前|以来)?"
    r"|\d{4}-\d{2}-\d{2}"
)
_CLAUSE = re.compile(r"[^，；：,;]+[，；：,;]?")


def quantity_pattern(classifier: str) -> re.Pattern[str]:
    """Numbers carrying the unit a question expects (辆, people, money...), or any unit."""
    if not classifier:
        units = ANY_UNIT
    elif classifier in UNIT_GROUPS:
        units = UNIT_GROUPS[classifier]
    elif classifier in ("天", "日"):
        units = "天|日"
    elif classifier == "个":
        units = r"个|名|家|项|次"
    else:
        units = re.escape(classifier)
    # A Chinese numeral alone is too common ("一线"): it counts only with the unit right after.
    return re.compile(rf"{_NUMBER}(?:{units}){_SUFFIX}")


def quantities(text: str, classifier: str = "") -> list[re.Match[str]]:
    """Quantity expressions of ``text`` with the expected unit (date parts excluded)."""
    dates = [(m.start(), m.end()) for m in DATE.finditer(text)]
    out = []
    for m in quantity_pattern(classifier).finditer(text):
        if any(s <= m.start() < e for s, e in dates) and classifier not in ("time",):
            continue
        if not re.search(r"\d|[两三四五六七八九十百千万亿]", m.group()):
            continue  # "一名" alone says nothing
        out.append(m)
    return out


def dates(text: str) -> list[re.Match[str]]:
    """Date expressions (2020年3月10日前, 1月21日, 1994年)."""
    return list(DATE.finditer(text))


_TARGET_VERBS = re.compile(r"提高到|提高至|增至|增加到|提升到|升到|达到|达|扩大到|为")


def best_clause(
    text: str, found: list[re.Match[str]], terms: list[str], weights: dict[str, float] | None = None
) -> list[re.Match[str]]:
    """The matches inside the clause that shares most question terms (ties: the first).

    "口罩从日产50万只提高到350万只，医用防护服从日产1000套增至20000套以上" asked about 防护服
    keeps the second clause's numbers.
    """
    if len(found) < 2:
        return found
    spans = [(m.start(), m.end()) for m in _CLAUSE.finditer(text)]

    def clause_of(m: re.Match[str]) -> tuple[int, int]:
        return next((s for s in spans if s[0] <= m.start() < s[1]), (0, len(text)))

    def hits(span: tuple[int, int]) -> float:
        clause = text[span[0] : span[1]]
        return sum((weights or {}).get(t, 1.0) for t in terms if t and t in clause)

    best = max({clause_of(m) for m in found}, key=lambda s: (hits(s), -s[0]))
    return [m for m in found if clause_of(m) == best]


def pick_quantity(
    text: str,
    found: list[re.Match[str]],
    anchor: int,
    question: str,
    terms: list[str],
    weights: dict[str, float] | None = None,
) -> str:
    """The quantity a question most likely asks about.

    First the clause that shares most question terms; in it, the number after a "to" verb
    (提高到, 增至) when the question asks where something rose to; else the nearest to the
    anchor (where the measured noun sits), preferring one right after it.
    """
    found = best_clause(text, found, terms, weights)
    if not found:
        return ""
    if re.search(r"提高到|增至|增加到|提升到|升到|达到|提高了", question):
        targets = [
            m for m in found if _TARGET_VERBS.search(text[max(0, m.start() - 3) : m.start()])
        ]
        if targets:
            near = [m for m in targets if m.start() >= anchor] or targets
            return near[0].group()
    if anchor >= 0:
        after = [m for m in found if 0 <= m.start() - anchor <= 12]
        if after:
            return after[0].group()
        return min(found, key=lambda m: abs(m.start() - anchor)).group()
    return found[0].group()


def trim(text: str, keep: list[str], limit: int = 90) -> str:
    """A long sentence cut to the clauses that hold ``keep`` words, gaps shown as ……."""
    if len(text) <= limit:
        return text
    clauses = _CLAUSE.findall(text)
    wanted = [i for i, c in enumerate(clauses) if any(k and k in c for k in keep)]
    if not wanted:
        return text[:limit] + "……"
    chosen = sorted(set(wanted))
    out, last = [], -1
    for i in chosen:
        if (last >= 0 and i != last + 1) or (last < 0 and i > 0):
            out.append("……")
        out.append(clauses[i])
        last = i
    result = "".join(out).rstrip("，；：,;")
    if chosen[-1] < len(clauses) - 1:
        result += "……"
    return result
