"""The language table, question facts, short answers and follow-ups, table-style."""

from __future__ import annotations

import pytest

from qa import language
from qa.compose import short_answer
from qa.features import question_facts
from qa.followup import resolve
from qa.knowledge import KnowledgeBase
from qa.units import candidate_units, is_heading


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("某局协调捐赠了多少辆救护车？", {"number"}),
        ("这家企业成立于哪一年？", {"date"}),
        ("该公司的总经理是谁？", {"person"}),
        ("哪家服装企业帮助绣娘脱贫？", {"org"}),
        ("他们为哪些重大活动定制过服装？", {"list"}),
        ("工人是怎么倒班的？", {"how"}),
        ("How many ambulances were donated?", {"number"}),
        ("When was the company founded?", {"date"}),
    ],
)
def test_what_a_question_asks(question: str, asked: set[str]) -> None:
    flags = language.asks(question)
    assert asked <= {k for k, v in flags.items() if v}


@pytest.mark.parametrize(
    ("question", "unit"),
    [("协调捐赠了多少辆救护车？", "辆"), ("流转多少件次文电？", "件次"), ("建了几座基站？", "座"),
     ("有多少户居民？", "户"), ("修了多少公里？", "公里"), ("产量是多少？", "")],
)  # fmt: skip
def test_counted_unit(question: str, unit: str) -> None:
    assert language.counted_unit(question) == unit


@pytest.mark.parametrize(
    ("question", "text", "short"),
    [
        ("协调捐赠了多少辆MPV？", "协调捐赠负压救护车329辆、MPV50辆，调拨防护服4万多套", "50辆"),
        ("防护服日产量提高到多少套？", "口罩从日产50万只提高到350万只，医用防护服从日产1000套增至"
         "20000套以上。", "20000套以上"),
        ("该公司成立于哪一年？", "该集团成立于1994年，是服装行业的领军企业。", "1994年"),
        ("平台施工在什么时候前完成？", "在规定的2020年3月10日前顺利完成部级平台的施工",
         "2020年3月10日前"),
        ("组织成立了多少个驻厂专班？", "紧急组织成立23个驻厂专班，24小时驻点。", "23个"),
        ("设立的组织一共有多少人？", "設立共800餘人的兩級組織", "800餘人"),
        ("How many days did he work?", "他四处奔走，连续奋战59天。", ""),
        ("他做了什么？", "紧急组织成立23个驻厂专班。", ""),
    ],
)  # fmt: skip
def test_short_answer_is_cut_only_when_one_value_fits(
    kb: KnowledgeBase, question: str, text: str, short: str
) -> None:
    assert short_answer(question_facts(question, kb), text, kb) == short


@pytest.mark.parametrize(
    ("question", "unknown"),
    [
        ("华为公司捐赠了多少口罩？", ("华为公司",)),
        ("北京协和医院捐了多少？", ("北京协和医院",)),
        ("夏局长每天工作多长时间？", ()),
    ],
)
def test_names_the_articles_never_mention(
    kb: KnowledgeBase, question: str, unknown: tuple[str, ...]
) -> None:
    assert question_facts(question, kb).unknown == unknown


def test_units_are_sentences_and_pairs_with_their_spans(kb: KnowledgeBase) -> None:
    from qa.model import Passage

    chunk = kb.chunks[3]
    units = candidate_units(kb, [Passage(chunk, 1, 1.0)])
    assert units and all(u.text in chunk.text for u in units)
    assert all(chunk.start <= u.start < u.end <= chunk.end for u in units)
    assert any(u.is_window for u in units) and any(not u.is_window for u in units)
    assert is_heading("——记某某公司") and not is_heading("公司捐赠口罩20万只。")


@pytest.mark.parametrize(
    ("previous", "question", "resolved"),
    [
        (["三奇公司口罩日产量提高到多少？"], "那防护服呢？", "三奇公司防护服日产量提高到多少？"),
        (["天隆科技是做什么的？"], "它获得了什么荣誉？", "天隆科技获得了什么荣誉？"),
        (["依文集团是哪一年成立的？"], "它帮助了多少名绣娘走出大山？",
         "依文集团帮助了多少名绣娘走出大山？"),
        (["三奇公司是做什么的？"], "那天隆科技呢？", "天隆科技是做什么的？"),
        (["中国通服设立的PMO一线组织有多少人？"], "平台施工是在什么时间前完成的？",
         "中国通服平台施工是在什么时间前完成的？"),
        (["三奇公司口罩日产量提高到多少？"], "工业和信息化部在哪一天举行的工作会议？",
         "工业和信息化部在哪一天举行的工作会议？"),
        ([], "那防护服呢？", "那防护服呢？"),
    ],
)  # fmt: skip
def test_rule_based_follow_up(
    kb: KnowledgeBase, previous: list[str], question: str, resolved: str
) -> None:
    assert resolve(question, previous, kb) == resolved
