"""Profile names and their short forms, derived from the seed subjects."""

from __future__ import annotations

import pytest

from qa.knowledge import KnowledgeBase, corpus_names
from qa.lexical import Lexicon
from qa.profiles import build_profiles, derive_aliases, is_person, match_profiles

SEED_SUBJECTS = [
    "武汉市经济和信息化局新冠肺炎疫情防控专班",
    "湖北省通管局疫情防控通信保障武汉市专项工作组",
    "日照三奇医疗卫生用品有限公司",
    "依文服饰股份有限公司",
    "西安天隆科技有限公司",
    "中国通信服务股份有限公司",
    "工业和信息化部办公厅机要督办处",
    "夏昆山",
]


def test_the_seed_corpus_has_eight_profiles(kb: KnowledgeBase) -> None:
    assert sorted(p.subject for p in kb.profiles) == sorted(SEED_SUBJECTS)


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("三奇口罩日产量提高到多少？", "日照三奇医疗卫生用品有限公司"),
        ("日照三奇现在一天能做出多少只口罩？", "日照三奇医疗卫生用品有限公司"),
        ("天隆是做什么的？", "西安天隆科技有限公司"),
        ("通服设立了多少人的PMO？", "中国通信服务股份有限公司"),
        ("中国通服在什么时候前完成了平台施工？", "中国通信服务股份有限公司"),
        ("依文集团成立于哪一年？", "依文服饰股份有限公司"),
        ("夏局长每天工作多长时间？", "夏昆山"),
        ("武汉市经信局协调捐赠了多少辆MPV？", "武汉市经济和信息化局新冠肺炎疫情防控专班"),
        ("武汉市经济和信息化局调拨了多少只口罩？", "武汉市经济和信息化局新冠肺炎疫情防控专班"),
        ("湖北省通管局组织了多少次调度会？", "湖北省通管局疫情防控通信保障武汉市专项工作组"),
        ("湖北省通信管理局做了什么？", "湖北省通管局疫情防控通信保障武汉市专项工作组"),
        ("机要督办处日均流转多少件次？", "工业和信息化部办公厅机要督办处"),
        ("工信部办公厅机要督办处采用了什么模式？", "工业和信息化部办公厅机要督办处"),
    ],
)
def test_short_forms_name_their_profile(kb: KnowledgeBase, question: str, subject: str) -> None:
    assert [m.profile.subject for m in match_profiles(question, kb.profiles)] == [subject]


@pytest.mark.parametrize(
    "question",
    [
        "华为公司捐赠了多少口罩？",
        "工信部表彰了多少个集体？",
        "中国通信行业有多少企业？",
        "张三是谁？",
    ],
)
def test_no_profile_is_named(kb: KnowledgeBase, question: str) -> None:
    assert match_profiles(question, kb.profiles) == []


def test_two_profiles_in_order_of_mention(kb: KnowledgeBase) -> None:
    found = match_profiles("天隆科技和中国通服都覆盖了多少个省？", kb.profiles)
    assert [m.alias for m in found] == ["天隆科技", "中国通服"]


@pytest.mark.parametrize(
    ("subject", "person"),
    [("夏昆山", True), ("依文服饰股份有限公司", False), ("工业和信息化部办公厅机要督办处", False)],
)
def test_is_person(subject: str, person: bool) -> None:
    assert is_person(subject) is person


def test_extra_aliases_are_added() -> None:
    lexicon = Lexicon()
    profiles = build_profiles(["夏昆山"], lexicon, {"夏昆山": ["Xia Kunshan"]})
    assert match_profiles("What did xia kunshan do?", profiles)[0].alias == "Xia Kunshan"


def test_common_words_are_not_aliases() -> None:
    aliases = derive_aliases("中国通信服务股份有限公司", Lexicon())
    assert "通服" in aliases and "中国通服" in aliases
    assert "通信" not in aliases and "通信服务" not in aliases


@pytest.mark.parametrize(
    ("subject", "short_form", "common_word"),
    [
        ("清河市中心医院", "中心医院", "医院"),
        ("某市疫情防控指挥部", "某市疫情防控指挥部", "指挥部"),
        ("长沙市卫生健康委员会", "长沙卫生健康委员会", "委员会"),
    ],
)
def test_a_common_word_is_no_short_form(subject: str, short_form: str, common_word: str) -> None:
    profiles = build_profiles([subject], Lexicon())
    assert short_form in profiles[0].aliases and common_word not in profiles[0].aliases
    assert match_profiles(f"方舱{common_word}有多少张床位？", profiles) == []


@pytest.mark.parametrize(
    "word", ["雷神山医院", "西安天隆科技有限公司", "天隆科技", "夏昆山", "三奇"]
)
def test_corpus_names_stay_whole(kb: KnowledgeBase, word: str) -> None:
    assert word in kb.lexicon.cut(f"据报道{word}完成了任务")


def test_corpus_names_finds_repeated_institutions(kb: KnowledgeBase) -> None:
    names = corpus_names([c.text for c in kb.chunks])
    assert "雷神山医院" in names
    assert not any(n.startswith(("为", "夜为", "完成")) for n in names)
