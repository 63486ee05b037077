"""What a question asks: its type, the unit it expects, its key terms and the names it uses."""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.knowledge import KnowledgeBase
from qa.lexical import STOPWORDS, content_terms
from qa.normalize import is_mostly_latin
from qa.profiles import ProfileMatch, match_profiles


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(alternatives), re.I)


# Order matters: the first kind whose pattern matches wins.
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("definition", _rx(r"是做什么的|是干什么的|是(一家)?什么(样的)?(企业|公司|单位|机构|组织)",
                       r"介绍一下|^[^，,的]{2,12}是谁[？?。]*$",
                       r"what (is|does) .* do\b|^who (is|was) ")),
    ("date", _rx(r"什么时候|何时|哪一?天|哪一?年|哪个月|几月|几号|哪日|什么时间|什么日期",
                 r"\bwhen\b|what (year|date|day)|which (year|date|day)")),
    ("quantity", _rx(r"多少|几[个名家辆只套次项件张条位人天年月倍所座批]|多长|多久|多大|多高",
                     r"how (many|much|long)|what (number|amount)")),
    ("activity", _rx(r"做了(什么|哪些)|(哪些|什么)(工作|事迹|贡献|事情)|有何贡献|事迹是什么",
                     r"what did .* do|what work")),
    ("name", _rx(r"谁|哪家|哪个|哪位|哪一家|哪一位|哪所|什么(单位|企业|公司|机构|人)",
                 r"\bwho\b|which (company|organi[sz]ation|unit|person)")),
    ("list", _rx(r"哪些|分别|哪几|哪[两三四五]|有什么", r"\bwhich\b|\blist\b")),
    ("what", _rx(r"什么|啥|哪项|哪种|哪类", r"\bwhat\b")),
    ("how", _rx(r"怎样|如何|怎么", r"\bhow\b")),
)  # fmt: skip
# Question phrases removed before key terms are cut ("多长时间" must not yield "长时间").
_QUESTION_PHRASES = _rx(
    r"多长时间|多少时间|什么时候|什么时间|什么日期|哪一天|哪一年|哪个月|多少|多长|多久|几[个名家辆只套次项件张条位人天年月倍所座批]?",
    r"什么|哪[一个些家位项种类所天年日里儿]?|谁|何时|怎样|如何|怎么|是否|吗|呢",
)  # fmt: skip
INTERROGATIVE = re.compile(
    r"多少|几[个名家辆只套次项件张条位人天年月倍所座批]|多长|多久|什么|啥|哪|谁|何时|怎样|如何|怎么|吗|是否|呢"
    r"|\b(how|what|when|which|who|where|why)\b",
    re.I,
)
CLASSIFIERS = (
    "件次", "批次", "个", "名", "位", "人", "家", "辆", "只", "套", "次", "项", "件", "张", "条",
    "箱", "天", "日", "小时", "年", "月", "周", "分钟", "元", "瓶", "支", "台", "座", "所", "倍",
    "省", "批", "份", "吨",
)  # fmt: skip
_CLASSIFIER_AFTER = re.compile(r"(?:多少|几)(" + "|".join(CLASSIFIERS) + ")")
PEOPLE_NOUNS = (
    "员工",
    "人员",
    "工人",
    "党员",
    "干部",
    "居民",
    "志愿者",
    "同志",
    "职工",
    "人数",
    "员",
)
MONEY_NOUNS = (
    "钱",
    "价值",
    "金额",
    "收入",
    "价格",
    "单价",
    "费用",
    "资金",
    "营业额",
    "利润",
    "出厂价",
)
TIME_WORDS = ("多长时间", "多久", "多少时间", "多长")
# Answer-type nouns a sentence need not repeat (担任什么职务 -> "...组长").
_GENERIC_SLOT_TEXT = (
    "职务 职位 身份 单位 名字 名称 时间 时候 地方 地点 内容 东西 事情 工作 情况 方面 作用 企业 公司"
    " 机构 部门 方式 人 价值 金额 钱 数量 人数 年份 日期 天 年 措施 办法 关系 问题 原因"
)
GENERIC_SLOTS = frozenset(_GENERIC_SLOT_TEXT.split())
_ENGLISH_UNITS = (
    (re.compile(r"\bdays?\b", re.I), "天"),
    (re.compile(r"\bhours?\b", re.I), "小时"),
    (re.compile(r"\byears?\b", re.I), "年"),
    (re.compile(r"\b(people|persons|staff|employees|members)\b", re.I), "people"),
    (re.compile(r"\b(yuan|money|cost|price)\b", re.I), "money"),
)
_ENGLISH_COUNTED = re.compile(
    r"how (?:many|much|long)((?:\s+(?!(?:did|do|does|was|were|is|are|has|have|per|of|in|on|at|for"
    r"|to|by|with)\b)[\w'-]+){0,3})",
    re.I,
)
# A small English -> Chinese glossary of everyday words (no names: those are aliases).
_GLOSSARY: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rf"\b({en})\b", re.I), zh)
    for en, zh in (
        ("per day|daily|a day|each day", "日均"),
        ("per day|daily|a day|each day", "每天"),
        ("documents?|telegrams?|files", "文电"),
        ("meetings?", "会"),
        ("masks?", "口罩"),
        ("protective (suits?|clothing|gowns?)", "防护服"),
        ("ambulances?", "救护车"),
        ("founded|established|set up", "成立"),
        ("standards?", "标准"),
        ("platforms?", "平台"),
        ("hospitals?", "医院"),
        ("employees?|staff|workers", "员工"),
        ("volunteers?", "志愿者"),
        (r"donat\w*", "捐"),
        (r"produc\w*|output", "生产"),
        ("tests?|testing", "检测"),
        ("consecutive", "连续"),
        ("front line|frontline", "一线"),
        ("party members?", "党员"),
        ("honou?rs?|awards?", "荣誉"),
    )
)
_COUNTED_LIST = re.compile(r"[两二三四五六七八九十几]+[个大种项类条点方]")
_ENTITY_TAGS = ("nr", "nrt", "nt", "nz", "ns")
_ANCHOR_TAGS = ("nr", "nrt", "nt")
_GENERIC_NAMES = frozenset(
    ("有限公司", "股份有限公司", "公司", "集团", "医院", "企业", "单位", "政府")
)
_COMMON_NAME_SHARE = 0.3  # a name in more than this share of the chunks is no anchor
_NOUN_TAGS = ("n", "nz", "nr", "ns", "nt", "nrt", "eng", "vn", "nl", "ng")


@dataclass(frozen=True)
class Question:
    """A normalised question, analysed once and read by the generators."""

    text: str
    kind: str  # definition|activity|date|quantity|name|list|what|how|other
    classifier: str  # unit the answer must carry (辆, 只, 名...) or "people"/"money"/"time"
    terms: tuple[str, ...]  # key terms: no stopwords, no profile names, no answer-type slot
    slot: str  # the noun asked about (MPV in 多少辆MPV, 标准 in 什么标准) or ""
    slot_required: bool
    profiles: tuple[ProfileMatch, ...]
    anchors: tuple[str, ...]  # people/organisations named, not profiles, found in the articles
    places: tuple[str, ...]  # other names (places, events) found in the articles
    unknown: tuple[str, ...]  # names the articles never mention (华为公司, 张三)
    latin: bool
    multi: bool  # asks for several facts (分别, two 多少...)


def question_kind(text: str) -> str:
    """The first matching kind (definition, activity, date, quantity, name, list, what, how)."""
    for kind, pattern in _KINDS:
        if pattern.search(text):
            return kind
    return "other"


def _classifier(text: str, slot: str) -> str:
    if any(w in text for w in TIME_WORDS):
        return "time"
    m = _CLASSIFIER_AFTER.search(text)
    if m:
        # 多少人 is answered in 名 or 位 as often as in 人 (上千名依文人).
        return "people" if m.group(1) == "人" else m.group(1)
    if any(n in slot for n in PEOPLE_NOUNS) or re.search(r"多少人|几人", text):
        return "people"
    if any(n in text for n in MONEY_NOUNS):
        return "money"
    # English: the unit is the noun counted ("how many consecutive days"), not "per day".
    counted = _ENGLISH_COUNTED.search(text)
    if counted:
        hits = [(m.start(), unit) for pattern, unit in _ENGLISH_UNITS
                for m in [pattern.search(counted.group(1))] if m]  # fmt: skip
        if hits:
            return min(hits)[1]  # "hours a day" counts hours
    return ""


_SKIP_RIGHT = ("m", "q", "uj", "a", "d", "b", "v", "f", "ad", "c")
_SKIP_LEFT = ("uj", "ul", "p", "m", "d", "c", "r", "y")


def _slot(tagged: list[tuple[str, str]], names: str) -> str:
    """The noun asked about: right of 多少辆/什么/哪项 (MPV, 标准), else left of 是多少 (日产量).

    Words of the profile names in ``names`` are never the slot.
    """
    for i, (word, _) in enumerate(tagged):
        if not _QUESTION_PHRASES.fullmatch(word):
            continue
        for w, flag in tagged[i + 1 : i + 5]:
            if flag == "x" or w in names:
                break
            if w in CLASSIFIERS or (flag.startswith(_SKIP_RIGHT) and not flag.startswith("vn")):
                continue
            if flag.startswith(_NOUN_TAGS) and w not in STOPWORDS:
                return w
            break
        if not re.fullmatch(r"多少|几|多长|多久", word):
            continue
        for w, flag in reversed(tagged[max(0, i - 4) : i]):
            if w in names or flag == "x":
                break
            if (
                w in STOPWORDS
                or flag.startswith(_SKIP_LEFT)
                or (flag.startswith("v") and flag != "vn")
            ):
                continue
            if flag.startswith(_NOUN_TAGS):
                return w
            break
    return ""


def analyse(text: str, kb: KnowledgeBase) -> Question:
    """Analyse a normalised (Simplified, width-folded) question against one corpus."""
    profiles = tuple(match_profiles(text, kb.profiles))
    covered = [(m.start, m.end) for m in profiles]
    tagged = kb.lexicon.tag(text)
    anchors: list[str] = []
    places: list[str] = []
    unknown: list[str] = []
    pos = 0
    for word, flag in tagged:
        start = text.find(word, pos)
        pos = start + len(word) if start >= 0 else pos
        in_profile = any(s <= start < e for s, e in covered)
        if in_profile or len(word) < 2 or not flag.startswith(_ENTITY_TAGS):
            continue
        if not re.search(r"[\u4e00-\u9fff]", word):
            continue
        if not kb.in_corpus(word):
            unknown.append(word)
        elif word in _GENERIC_NAMES or kb.chunk_share(word) > _COMMON_NAME_SHARE:
            continue  # 有限公司, 中国: names that do not single anything out
        elif flag.startswith(_ANCHOR_TAGS):
            anchors.append(word)
        else:
            places.append(word)
    alias_text = "".join(m.alias for m in profiles)
    slot = _slot(tagged, alias_text)
    terms = [
        t
        for t in content_terms(kb.lexicon.cut_for_search(_QUESTION_PHRASES.sub(" ", text)))
        if t not in alias_text
        and not re.fullmatch(r"\d+(\.\d+)?", t)
        and t not in GENERIC_SLOTS
        and t not in CLASSIFIERS
        and not re.fullmatch(r"[\u4e00-\u9fff]", t)  # 到, 大: single characters are noise
        and not _COUNTED_LIST.fullmatch(t)  # 两大(困难), 五个: the size of a list, not its words
    ]
    latin = is_mostly_latin(text)
    if latin:
        # English words cannot meet Chinese sentences; keep the ones the articles contain (MPV)
        # and the Chinese of a few common question words.
        terms = [t for t in terms if len(t) > 1 and kb.in_corpus(t)]
        terms += [zh for pattern, zh in _GLOSSARY if pattern.search(text) and kb.in_corpus(zh)]
    kind = question_kind(text)
    classifier = _classifier(text, slot) if kind == "quantity" else ""
    slot_required = bool(slot) and slot not in GENERIC_SLOTS and kind not in ("date", "how")
    if classifier in ("money", "time", "people") and slot in (*MONEY_NOUNS, *PEOPLE_NOUNS):
        slot_required = slot not in MONEY_NOUNS and slot_required
    multi = len(re.findall(r"多少|几[个名家辆只套次项件张条位]", text)) > 1 or "分别" in text
    return Question(
        text=text,
        kind=kind,
        classifier=classifier,
        terms=tuple(terms),
        slot=slot,
        slot_required=slot_required and not latin,
        profiles=profiles,
        anchors=tuple(dict.fromkeys(anchors)),
        places=tuple(dict.fromkeys(places)),
        unknown=tuple(dict.fromkeys(unknown)),
        latin=latin,
        multi=multi,
    )


def split_parts(text: str) -> list[str]:
    """Sub-questions of a compound question; a clause with no question word joins the next."""
    clauses = [c for c in re.split(r"[，,；;]|[？?](?=.)|又|并且|同时", text) if c.strip()]
    parts: list[str] = []
    pending = ""
    for clause in clauses:
        if INTERROGATIVE.search(clause):
            parts.append(pending + clause)
            pending = ""
        else:
            pending += clause + "，"
    if pending:
        if parts:
            parts[-1] += "，" + pending.rstrip("，")
        else:
            parts.append(pending.rstrip("，"))
    return parts or [text]
