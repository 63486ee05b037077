"""The one table of language knowledge the answerer reads: what a question asks for, and how
an article writes numbers, dates, measure words and names.

These are facts about Chinese and English, never about a particular article. Whether a
sentence answers a question is decided by the trained scorer (``qa.scorer``); this table only
gives it features ("the question asks for a number; the sentence holds one with the same
measure word") and lets the composer cut a short answer out of a chosen sentence.
"""

from __future__ import annotations

import re

# Measure words and units that follow a number (件次 before 件: longest first in the regex).
MEASURE_WORDS: tuple[str, ...] = (
    "件次", "批次", "人次", "架次", "台次", "小时", "个月", "分钟", "公里", "千米", "平方米",
    "平方公里", "公斤", "千克", "美元", "欧元", "英镑", "日元", "港元", "亿元", "万元", "百分点",
    "个", "名", "位", "人", "家", "辆", "只", "套", "次", "项", "件", "张", "条", "箱", "天",
    "日", "年", "周", "元", "瓶", "支", "台", "座", "所", "倍", "批", "份", "吨", "户", "基",
    "岁", "米", "克", "秒", "届", "期", "场", "部", "本", "首", "篇", "种", "类", "层", "间",
    "头", "匹", "架", "艘", "枚", "颗", "株", "亩", "度", "斤", "片", "根", "块", "处", "点",
    "例", "剂", "针", "卷", "册", "集", "季", "轮", "段", "票", "分", "%", "％",
)  # fmt: skip
_UNITS = "|".join(sorted(map(re.escape, MEASURE_WORDS), key=len, reverse=True))
_DIGITS = r"(?:\d+(?:[.,]\d+)*|[零〇一二两三四五六七八九十百千万亿]+)"
# A number, optionally approximate (约, 近, 超过, 多), with a magnitude (万, 亿) and a unit.
NUMBER = re.compile(
    rf"(?:近|约|超过|逾|上|达)?{_DIGITS}(?:多|余)?[十百千万亿]*(?:多|余)?(?:{_UNITS})?"
    r"(?:以上|多|余|左右)?"
)
QUANTITY = re.compile(
    rf"(?:近|约|超过|逾)?{_DIGITS}(?:多|余)?[十百千万亿]*(?:多|余)?(?:{_UNITS})(?:以上|多|余|左右)?"
    r"|\d+(?:[.,]\d+)*"
)
DATE = re.compile(
    r"(?:\d{4}|[零〇一二三四五六七八九]{4})年(?:\d{1,2}|[一二三四五六七八九十]{1,3})月"
    r"(?:(?:\d{1,2}|[一二三四五六七八九十]{1,3})[日号])?"
    r"|(?:\d{1,2}|[一二三四五六七八九十]{1,3})月(?:\d{1,2}|[一二三四五六七八九十]{1,3})[日号]"
    r"|(?<!\d)(?:\d{4}|[零〇一二三四五六七八九]{4})年(?:代)?"
    r"|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|(?:公元前?|西元前?)\d+年|\d+世纪(?:\d+年代)?"
)
# What may follow a date and belongs to the answer: 3月10日前, 1994年以来.
DATE_SUFFIX = re.compile(r"(?:前|以前|之前|后|以后|之后|起|以来|至今)")
# A question asking what something rose or fell to (提高到多少) wants the number after 到/至.
TO_QUESTION = re.compile(r"(?:到|至|达)(?:了)?(?:多少|几)")
TO_BEFORE_NUMBER = re.compile(r"(?:到|至|达|为|成)$")
# What a question asks for, by the words that ask it (Simplified Chinese, then English).
ASKS: dict[str, re.Pattern[str]] = {
    "number": re.compile(
        r"多少|几[^乎]|多长|多久|多大|多高|多远|多重|多快|比例|百分之|第几|几$"
        r"|how (many|much|long|old|far|big|large|high)|what (number|percentage|share)",
        re.I,
    ),
    "date": re.compile(
        r"什么时候|何时|哪一?天|哪一?年|哪个月|几月|几号|几日|什么时间|什么日期|哪个时期|何年|年份|日期"
        r"|\bwhen\b|what (year|date|day|time)|which (year|date|day|month)",
        re.I,
    ),
    "person": re.compile(r"谁|哪位|哪个人|什么人|何人|\bwho(m|se)?\b", re.I),
    "place": re.compile(r"哪里|哪儿|在哪|何处|什么地方|哪个(国家|城市|省|地区)|\bwhere\b", re.I),
    "org": re.compile(
        r"哪家|哪个(单位|部门|机构|公司|企业|组织)|什么(单位|部门|机构|公司|企业|组织)"
        r"|which (company|organi[sz]ation|unit|department)",
        re.I,
    ),
    "list": re.compile(r"哪些|分别|哪几|哪[两三四五]|有什么|\blist\b|\bwhich\b", re.I),
    "how": re.compile(r"怎样|如何|怎么|为什么|为何|原因|\bhow\b|\bwhy\b", re.I),
    "what": re.compile(r"什么|啥|哪项|哪种|哪类|是谁|介绍|\bwhat\b", re.I),
}
# Words of a question that ask rather than name: removed before its words are matched.
QUESTION_WORDS = re.compile(
    r"多少|多长时间|多长|多久|多大|什么时候|什么|哪一?[个些家位项种类所天年日里儿]?|谁|何时|怎样"
    r"|如何|怎么|为什么|是否|吗|呢|请问|几",
)
# The measure word a Chinese question counts in: 多少辆 -> 辆, 几个 -> 个.
COUNTED = re.compile(rf"(?:多少|几)({_UNITS})")
# A clause that asks something (a follow-up without one, "那防护服呢", borrows the last question).
INTERROGATIVE = re.compile(
    r"多少|几[个名家辆只套次项件张条位人天年月倍所座批]|多长|多久|什么|啥|哪|谁|何时|怎样|如何|怎么|吗"
    r"|是否|呢|\b(how|what|when|which|who|where|why)\b",
    re.I,
)
# Nouns that name the kind of answer rather than a thing (职务, 时间): never the topic itself.
_GENERIC_NOUN_TEXT = (
    "职务 职位 身份 单位 名字 名称 时间 时候 地方 地点 内容 东西 事情 工作 情况 方面 作用 企业"
    " 公司 机构 部门 方式 人 价值 金额 钱 数量 人数 年份 日期 天 年 措施 办法 关系 问题 原因"
)
GENERIC_NOUNS = frozenset(_GENERIC_NOUN_TEXT.split())
# Words that carry no meaning for matching: particles, copulas, question words. Question words
# are handled by the question analysis, not by overlap.
_STOPWORD_TEXT = """的 了 是 在 和 与 及 并 也 都 又 还 就 而 或 把 被 将 从 向 对 为 于 以 由 给 让
    吗 呢 吧 啊 呀 么 嘛 着 过 地 得 之 其 这 那 这个 那个 这些 那些 有 没有 一个 一 个
    多少 几 什么 哪 哪些 哪个 哪家 哪位 哪项 哪种 哪里 哪儿 哪天 哪年 哪一天 哪一年 谁 何 何时
    怎么 怎样 如何 为什么 是否 请问 请 一下 什么样 多长 多久 多大 多高 时候 时间 分别 各 一共 共
    总共 呢 它 他 她 它们 他们 她们 我 我们 你 你们 该 此 能 会 可以 已经 曾 要 想 做 了解 告诉
    what how many much when which who whom whose where why did do does is are was were the a
    an of in on at to for by with from and or as that this these those it its they them their
    he she his her has have had be been being can could would should will about per"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
# Common abbreviations of government bodies (full form, short form); both directions are used.
ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    ("经济和信息化局", "经信局"),
    ("经济和信息化委员会", "经信委"),
    ("经济和信息化厅", "经信厅"),
    ("工业和信息化部", "工信部"),
    ("工业和信息化厅", "工信厅"),
    ("工业和信息化局", "工信局"),
    ("通信管理局", "通管局"),
    ("市场监督管理局", "市场监管局"),
    ("卫生健康委员会", "卫健委"),
    ("发展和改革委员会", "发改委"),
    ("药品监督管理局", "药监局"),
    ("人力资源和社会保障局", "人社局"),
    ("新冠肺炎疫情防控", "疫情防控"),
)
TITLES = (
    "局长", "副局长", "书记", "主任", "处长", "组长", "总指挥", "部长", "厅长", "市长",
    "总经理", "经理", "同志", "先生", "女士", "老师", "院士", "总",
)  # fmt: skip
# Words that point back to the profile of the previous question.
PRONOUNS = (
    "它们", "他们", "她们", "该公司", "该企业", "该单位", "这家公司", "这家企业", "这个单位",
    "该局", "它", "他", "她",
)  # fmt: skip
# Ideographs of Chinese (Simplified or Traditional) text.
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def asks(question: str) -> dict[str, bool]:
    """What ``question`` (Simplified or English) asks for, one flag per kind of answer."""
    return {kind: bool(pattern.search(question)) for kind, pattern in ASKS.items()}


def counted_unit(question: str) -> str:
    """The measure word the question counts in ("多少辆MPV" -> "辆"), or ""."""
    m = COUNTED.search(question)
    return m.group(1) if m else ""


def split_parts(text: str) -> list[str]:
    """The questions inside one question: clauses that ask something, each with the clauses
    before it that ask nothing ("复工复产这块，A带动了多少家企业？B又保住了多少工人？" -> 2)."""
    parts: list[str] = []
    for sentence in re.split(r"[？?；;]", text):
        pending = ""
        for clause in re.split(r"[，,]", sentence):
            if not clause.strip():
                continue
            if INTERROGATIVE.search(clause):
                parts.append(pending + clause)
                pending = ""
            else:
                pending += clause + "，"
        if pending and parts:
            parts[-1] += "，" + pending.rstrip("，")
    return parts if len(parts) > 1 else [text]
