"""Question cleaning: what a visitor types becomes what retrieval sees."""

from __future__ import annotations

import pytest

from profile_qa.errors import InvalidQuestionError
from qa.normalize import clean_question, fold_width, is_mostly_latin, to_simplified


@pytest.mark.parametrize(
    ("typed", "cleaned"),
    [
        ("  武汉市经信局协调捐赠了多少辆ＭＰＶ？ ", "武汉市经信局协调捐赠了多少辆MPV？"),
        ("三奇口罩\u200b日产量\x00提高到多少？", "三奇口罩日产量提高到多少？"),
        ("天隆科技\n牵头制订了\t什么标准？", "天隆科技 牵头制订了 什么标准？"),
        ("中国通服在什么时候前\u3000完成了平台施工？", "中国通服在什么时候前 完成了平台施工？"),
        ("\u202e夏昆山做了哪些工作？", "夏昆山做了哪些工作？"),
    ],
)
def test_clean_question(typed: str, cleaned: str) -> None:
    assert clean_question(typed, 500) == cleaned


@pytest.mark.parametrize("typed", ["", "   ", "\x00\x01", "\u200b\n\t"])
def test_empty_question_is_refused_with_a_clear_message(typed: str) -> None:
    with pytest.raises(InvalidQuestionError, match="empty"):
        clean_question(typed, 500)


def test_too_long_question_names_the_limit() -> None:
    with pytest.raises(InvalidQuestionError, match="at most 500"):
        clean_question("口罩" * 251, 500)
    assert clean_question("口罩" * 250, 500) == "口罩" * 250


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("武漢市經信局協調捐贈了多少輛MPV？", "武汉市经信局协调捐赠了多少辆MPV？"),
        ("夏昆山連續奮戰在保障生產第一線多少天？", "夏昆山连续奋战在保障生产第一线多少天？"),
        ("依文集團成立於哪一年？", "依文集团成立于哪一年？"),
        ("三奇公司口罩日产量提高到多少？", "三奇公司口罩日产量提高到多少？"),
        ("How many MPVs?", "How many MPVs?"),
    ],
)
def test_to_simplified(traditional: str, simplified: str) -> None:
    assert to_simplified(traditional) == simplified


def test_fold_width_keeps_chinese_punctuation() -> None:
    assert fold_width("ＹＹ／Ｔ１７１７－２０２０，（磁珠法）？") == "YY/T1717-2020，（磁珠法）？"


@pytest.mark.parametrize(
    ("question", "latin"),
    [
        ("How many MPVs did the Wuhan bureau coordinate?", True),
        ("武汉市经信局协调捐赠了多少辆MPV？", False),
        ("What did 夏昆山 do?", True),
    ],
)
def test_is_mostly_latin(question: str, latin: bool) -> None:
    assert is_mostly_latin(question) is latin
