"""The two seed articles load into the sections and chunks an editor expects."""

from __future__ import annotations

from pathlib import Path

import pytest

import corpus
from corpus import Article

SEED_000 = "000_55cfba9dcf3082ae"
SEED_004 = "004_cc9c6a30d5e618a3"

PROFILES_000 = [
    ("不舍昼夜坚守抗疫最前线", "武汉市经济和信息化局新冠肺炎疫情防控专班"),
    ("克服万难力保通信服务不降级", "湖北省通管局疫情防控通信保障武汉市专项工作组"),
    ("三种情怀彰显民企担当", "日照三奇医疗卫生用品有限公司"),
    ("就地转产全力以赴支援一线", "依文服饰股份有限公司"),
    ("“火眼金睛”病毒无所遁形", "西安天隆科技有限公司"),
    ("抽调精兵集中攻坚建平台", "中国通信服务股份有限公司"),
    ("高速运转守住机要“生命线”", "工业和信息化部办公厅机要督办处"),
]

BOILERPLATE_004 = [
    "欢迎登陆",
    "新人限时福利",
    "浏览",
    "Tags",
    "发布者",
    "打印",
    "返回顶部",
    "上一篇",
    "下一篇",
    "柿饼",
    "验 证 码",
    "热门推荐",
    "相关文章",
    "新用户注册",
]


@pytest.fixture(scope="module")
def seeds(seed_articles_dir: Path) -> dict[str, Article]:
    report = corpus.load_articles(seed_articles_dir)
    assert report.skipped == ()
    return {a.id: a for a in report.articles}


def test_both_seeds_load_in_file_order(seeds: dict[str, Article]) -> None:
    assert list(seeds) == [SEED_000, SEED_004]


def test_000_metadata(seeds: dict[str, Article]) -> None:
    article = seeds[SEED_000]
    assert article.title == "鲜花和掌声献给抗击新冠肺炎疫情的工信先锋"
    assert article.date == ""
    assert article.source_file == f"{SEED_000}.txt"
    assert len(article.content_hash) == 64


def test_000_has_intro_then_seven_profiles(seeds: dict[str, Article]) -> None:
    article = seeds[SEED_000]
    sections = article.sections
    assert [s.kind for s in sections] == ["intro"] + ["profile"] * 7
    assert sections[0].subject == ""
    assert sections[0].title == article.title
    assert [(s.title, s.subject) for s in sections[1:]] == PROFILES_000
    assert [s.index for s in sections] == list(range(8))


def test_000_sections_hold_their_own_text(seeds: dict[str, Article]) -> None:
    article = seeds[SEED_000]
    texts = [article.text[s.start : s.end] for s in article.sections]
    assert texts[0].startswith("新冠肺炎疫情发生以来")
    assert texts[0].endswith("本期刊登18家先进集体事迹（详见4、5版）。")
    assert "——记" not in texts[0]
    assert texts[3].startswith("三种情怀彰显民企担当\n——记日照三奇医疗卫生用品有限公司\n舍弃。")
    assert "口罩1.35亿只" in texts[3]
    assert "天隆" not in texts[3]
    assert texts[-1].endswith("相关工作得到了中央领导同志高度认可。")


def test_004_metadata(seeds: dict[str, Article]) -> None:
    article = seeds[SEED_004]
    assert article.title == "夏昆山：全力以赴保供应，倾心攻打疫情战"
    assert article.date == "2020-03-24 14:35:12"
    assert article.source == ""


def test_004_is_one_profile_of_xia_kunshan(seeds: dict[str, Article]) -> None:
    article = seeds[SEED_004]
    assert len(article.sections) == 1
    section = article.sections[0]
    assert (section.kind, section.subject) == ("profile", "夏昆山")
    assert section.title == "全力以赴保供应，倾心攻打疫情战"
    text = article.text[section.start : section.end]
    assert text.startswith("困难时刻显本色，越是艰难越向前。")
    assert text.endswith(
        "“疫情就是命令，生产就是保障”。夏昆山全身心投入战“疫”工作，不辞辛劳有担当，"
        "破解难题勇创新，多方失策敢作为，用实际行动践行着共产党员的初心使命和责任担当，"
        "为抗击肺炎疫情贡献着自己的一份力量。"
    )
    assert "主动出击 最快速度助企业复工 为疫情防控提供有力保障\n" in text


@pytest.mark.parametrize("needle", BOILERPLATE_004)
def test_004_has_no_site_boilerplate(seeds: dict[str, Article], needle: str) -> None:
    assert needle not in seeds[SEED_004].text


def test_004_superscript_artefact_is_gone(seeds: dict[str, Article]) -> None:
    assert "护目镜5000个、隔离衣20000件" in seeds[SEED_004].text


def test_page_breaks_are_rejoined_in_000(seeds: dict[str, Article]) -> None:
    text = seeds[SEED_000].text
    for joined in [
        "调拨调配防护服4万多套",
        "24小时完成雷神山医院网络部署",
        "质量不降低。",
        "应急救援，爱心义举显胸怀",
        "辽宁大连、成都",
        "保质保量完成了以下工作",
        "督查台账近300项。两天内",
    ]:
        assert joined in text
    assert "\n\n" not in text


def test_load_article_matches_folder_load(
    seeds: dict[str, Article], seed_articles_dir: Path
) -> None:
    assert corpus.load_article(seed_articles_dir / f"{SEED_004}.txt") == seeds[SEED_004]
