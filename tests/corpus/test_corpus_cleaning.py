"""Each cleaning rule, table-style, on real lines from the seed articles."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from corpus import clean_text, normalize_for_match
from corpus.cleaning import (
    drop_boilerplate,
    is_boilerplate,
    join_broken_paragraphs,
    normalize_chars,
    normalize_punctuation,
    remove_stray_superscripts,
    should_join,
)


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        # Page breaks in 000: the fragment before is a long paragraph cut mid-word.
        (
            "全力打通医疗物资供应链。迅速建立紧缺物资战时保障机制，"
            "协调捐赠（采购）负压救护车329辆、MPV50辆，调拨调配防",
            "护服4万多套、口罩200多万只；",
            True,
        ),
        (
            "全力稳定通信供电保障线。协调发供电企业高效完成91个防疫用户配套电力工程，"
            "37小时为最大方舱医院通电。协调通信企业36小时完成雷神山医院4G/5G网络覆盖，"
            "24小时完成雷神山",
            "医院网络部署，满足5万人并发通信需求。",
            True,
        ),
        ("奉献。危难面前，从未缺席，应急救", "援，爱心义举显胸怀。", True),
        (
            "通过建立专门台账、下达任务书、上门督办等形式，向中办国办报送有关疫情防控督查台账近300",
            "项。两天内起草并协调国办印发督促重点物资生产企业复工复产的通知。",
            True,
        ),
        # A short line without sentence punctuation counts as a heading, so a page break
        # right after a short comma-only fragment is left alone (documented limit).
        (
            "协调通信企业36小时完成雷神山医院4G/5G网络覆盖，24小时完成雷神山",
            "医院网络部署。",
            False,
        ),
        # Real paragraph ends stay.
        ("疫后社会经济快速复苏。", "全力打通医疗物资供应链。", False),
        ("本期刊登18家先进集体事迹（详见4、5版）。", "不舍昼夜坚守抗疫最前线", False),
        ("高标准做好疫情防控建议提案的办理：", "对涉及疫情防控的建议提案……", False),
        # Titles and headings are never glued to what follows.
        ("不舍昼夜坚守抗疫最前线", "——记武汉市经济和信息化局新冠肺炎疫情防控专班", False),
        (
            "——记日照三奇医疗卫生用品有限公司",
            "舍弃。疫情之初，三奇公司毅然放弃国外大额订单。",
            False,
        ),
        (
            "鲜花和掌声献给抗击新冠肺炎疫情的工信先锋",
            "新冠肺炎疫情发生以来，工业和信息化系统……",
            False,
        ),
        ("夏昆山：全力以赴保供应，倾心攻打疫情战", "困难时刻显本色，越是艰难越向前。", False),
        (
            "主动出击 最快速度助企业复工 为疫情防控提供有力保障",
            "3月11日，位于深圳市坪山区的深中海医疗用品有限公司生产车间。",
            False,
        ),
        (
            "为深圳打赢这场攻坚战奠定了坚实基础，产能实现大幅跃升而且还在继续提升当中没有停下",
            "日夜兼程把践行初心使命写在疫情防控第一线",
            False,
        ),
    ],
)
def test_should_join(before: str, after: str, expected: bool) -> None:
    assert should_join(before, after) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "全力打通医疗物资供应链。迅速建立紧缺物资战时保障机制,调拨调配防\n\n护服4万多套。",
            "全力打通医疗物资供应链。迅速建立紧缺物资战时保障机制，调拨调配防护服4万多套。",
        ),
        (
            "周密部署,全力确保疫情防控通信畅通。确保了疫情最前线和重灾区武汉地区网络不中断、"
            "服务不掉线、质量不\n\n降低。组织协调",
            "周密部署，全力确保疫情防控通信畅通。确保了疫情最前线和重灾区武汉地区网络不中断、"
            "服务不掉线、质量不降低。组织协调",
        ),
        (
            "奉献。危难面前,从未缺席,应急救\n\n援,爱心义举显胸怀。",
            "奉献。危难面前，从未缺席，应急救援，爱心义举显胸怀。",
        ),
        (
            "在项目实施过程中,中国通服严格按照职责要求做好项目设计、集成工作以及项目整体实施的"
            "进度和质量管控,保质保\n\n量完成了以下工作:大数据平台总体建设方案编制等。",
            "在项目实施过程中，中国通服严格按照职责要求做好项目设计、集成工作以及项目整体实施的"
            "进度和质量管控，保质保量完成了以下工作：大数据平台总体建设方案编制等。",
        ),
        (
            "哪里有疫情,哪里就有天隆科技的产品和服务。在武汉以及后续暴发疫情的黑龙江绥芬河、"
            "吉林舒兰、北京、新疆、辽宁大\n\n连、成都等地区,天隆科技做出了力所能及的努力。",
            "哪里有疫情，哪里就有天隆科技的产品和服务。在武汉以及后续暴发疫情的黑龙江绥芬河、"
            "吉林舒兰、北京、新疆、辽宁大连、成都等地区，天隆科技做出了力所能及的努力。",
        ),
        (
            "三种情怀彰显民企担当\n\n——记日照三奇医疗卫生用品有限公司",
            "三种情怀彰显民企担当\n——记日照三奇医疗卫生用品有限公司",
        ),
        (
            "hard wrapped English line that runs on and\non to the next line.",
            "hard wrapped English line that runs on and on to the next line.",
        ),
    ],
)
def test_clean_text_rejoins_page_breaks(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_join_keeps_several_paragraphs() -> None:
    paragraphs = [
        "克服万难力保通信服务不降级",
        "——记湖北省通管局疫情防控通信保障武汉市专项工作组",
        "周密部署，全力确保疫情防控通信畅通。确保了疫情最前线和重灾区武汉地区网络不中断、"
        "服务不掉线、质量不",
        "降低。组织协调各电信企业。",
        "迎难而上，积极解决通信保障工作中的实际困难。",
    ]
    assert join_broken_paragraphs(paragraphs) == [
        paragraphs[0],
        paragraphs[1],
        paragraphs[2] + paragraphs[3],
        paragraphs[4],
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("护目镜5000个⁹、隔离衣20000件", "护目镜5000个、隔离衣20000件"),
        ("面积120m²的车间", "面积120m²的车间"),  # a real unit stays
        ("约10⁵个病毒颗粒", "约10⁵个病毒颗粒"),  # a real exponent stays
    ],
)
def test_remove_stray_superscripts(raw: str, expected: str) -> None:
    assert remove_stray_superscripts(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # ASCII punctuation inside Chinese text becomes full-width ...
        ("疫情防控,物资保障是重中之重。", "疫情防控，物资保障是重中之重。"),
        ("夏昆山:全力以赴保供应,倾心攻打疫情战", "夏昆山：全力以赴保供应，倾心攻打疫情战"),
        (
            "调拨调配防护服4万多套、口罩200多万只;帮助医用防护服",
            "调拨调配防护服4万多套、口罩200多万只；帮助医用防护服",
        ),
        ("协调捐赠(采购)负压救护车329辆", "协调捐赠（采购）负压救护车329辆"),
        ("全国31个省(区、市)电信大数据分析平台", "全国31个省（区、市）电信大数据分析平台"),
        ("《YY/T1717-2020 核酸提取试剂盒(磁珠法)》", "《YY/T1717-2020 核酸提取试剂盒（磁珠法）》"),
        ("保质保量完成了以下工作:大数据平台", "保质保量完成了以下工作：大数据平台"),
        ("口罩1200万只,第二天", "口罩1200万只，第二天"),
        ("没办法出厂配送!这些问题", "没办法出厂配送！这些问题"),
        ('三奇人"只说行,不说不"', "三奇人“只说行，不说不”"),
        # ... but numbers, units and codes are never touched.
        ("36小时完成雷神山医院4G/5G网络覆盖", "36小时完成雷神山医院4G/5G网络覆盖"),
        ("口罩1.35亿只、防护服180万套", "口罩1.35亿只、防护服180万套"),
        ("建立24小时值班值守制度", "建立24小时值班值守制度"),
        ("以“5+2”“7×24”的快速响应模式", "以“5+2”“7×24”的快速响应模式"),
        ("YY/T1717-2020", "YY/T1717-2020"),
        ("2020-03-24 14:35:12", "2020-03-24 14:35:12"),
        ("共1,000套 (ISO 9001)", "共1,000套 (ISO 9001)"),
        ("深中海医疗用品(深圳)有限公司", "深中海医疗用品（深圳）有限公司"),
        # Section headings keep the spaces that separate their phrases.
        (
            "主动出击 最快速度助企业复工 为疫情防控提供有力保障",
            "主动出击 最快速度助企业复工 为疫情防控提供有力保障",
        ),
    ],
)
def test_normalize_punctuation(raw: str, expected: str) -> None:
    assert normalize_punctuation(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "主动出击 最快速度助企业复工\u00a0为疫情防控提供有力保障",
            "主动出击 最快速度助企业复工 为疫情防控提供有力保障",
        ),
        ("\u00a0\u00a0\u00a0", " "),
        ("帐\u3000\u3000号", "帐 号"),
        ("ＹＹ／Ｔ１７１７", "YY／T1717"),  # full-width letters/digits become ASCII
        ("第一\r\n第二\r第三", "第一\n第二\n第三"),
        ("\ufeff鲜花和掌声\u200b献给", "鲜花和掌声献给"),
    ],
)
def test_normalize_chars(raw: str, expected: str) -> None:
    assert normalize_chars(raw) == expected


BOILERPLATE_LINES = [
    "欢迎登陆中企经济网",
    "新人限时福利",
    "浏览:2123",
    "Tags:昆山 全力以赴 供应 倾心 攻打 疫情 发布者:少枫",
    "发布者:少枫",
    "打印繁体】【投稿】【收藏】 【推荐】【举报】【评论】 【关闭】 【返回顶部",
    "【打印】【繁体】【投稿】【收藏】【推荐】【举报】【评论】【关闭】【返回顶部】",
    "上一篇良心揭露柿饼市场惊天骗局!亲赴产地,发现富平柿饼真相! "
    "下一篇志愿战“疫”显担当 爱心书法家题..",
    "评论",
    "帐 号: 密码: (新用户注册)",
    "验 证 码:",
    "表 情:",
    "内 容:",
    "热门推荐",
    "推荐文章",
    "图片主题",
    "热门文章",
    "最新文章",
    "相关文章",
]


@pytest.mark.parametrize("line", BOILERPLATE_LINES)
def test_boilerplate_lines_are_recognised(line: str) -> None:
    assert is_boilerplate(line)


@pytest.mark.parametrize(
    "line",
    [
        "困难时刻显本色，越是艰难越向前。",
        "一名党员，就是一面旗帜。",
        "主动出击 最快速度助企业复工 为疫情防控提供有力保障",
        "“疫情就是命令，生产就是保障”。夏昆山全身心投入战“疫”工作。",
        "推荐文章显示，三奇公司口罩日产350万只。",
        "三种情怀彰显民企担当",
    ],
)
def test_article_lines_are_not_boilerplate(line: str) -> None:
    assert not is_boilerplate(line)


def test_footer_cuts_everything_after_it() -> None:
    lines = ["夏昆山：全力以赴保供应", "正文。", "Tags:昆山", "某条热门推荐的标题", "另一条标题"]
    assert drop_boilerplate(lines) == ["夏昆山：全力以赴保供应", "正文。"]


def test_byline_is_removed_from_text() -> None:
    text = (
        "夏昆山:全力以赴保供应,倾心攻打疫情战\n"
        "2020-03-24 14:35:12 来源: 浏览:2123\n\n"
        "困难时刻显本色。"
    )
    assert clean_text(text) == "夏昆山：全力以赴保供应，倾心攻打疫情战\n困难时刻显本色。"


def test_clean_text_is_idempotent_on_the_seeds(seed_articles_dir: Path) -> None:
    for path in sorted(seed_articles_dir.glob("*.txt")):
        once = clean_text(path.read_text(encoding="utf-8"))
        assert clean_text(once) == once


def test_clean_seed_has_no_ascii_punctuation_between_chinese(seed_articles_dir: Path) -> None:
    for path in sorted(seed_articles_dir.glob("*.txt")):
        text = clean_text(path.read_text(encoding="utf-8"))
        assert not re.search(r"[\u4e00-\u9fff][,:;()!?]|[,:;()!?][\u4e00-\u9fff]", text)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("调拨调配防\n\n护服4万多套", "调拨调配防护服4万多套"),
        ("疫情防控,物资保障是重中之重。", "疫情防控，物资保障是重中之重"),
        ("协调捐赠(采购)负压救护车", "协调捐赠（采购）负压救护车"),
        ("主动出击 最快速度助企业复工\u00a0为", "主动出击最快速度助企业复工为"),
        ("ＭＰＶ５０辆", "mpv50辆"),
        ("“疫情就是命令，生产就是保障”。", '"疫情就是命令,生产就是保障".'),
    ],
)
def test_normalize_for_match_equates_surface_variants(a: str, b: str) -> None:
    assert normalize_for_match(a) == normalize_for_match(b)


def test_normalize_for_match_keeps_numbers_apart() -> None:
    assert normalize_for_match("口罩1.35亿只") != normalize_for_match("口罩135亿只")
    assert normalize_for_match("2020-03-24 14:35:12") == "2020-03-2414:35:12"
    assert normalize_for_match("雷神山医院4G/5G网络") == "雷神山医院4g/5g网络"
    assert normalize_for_match("防护服180万套") in normalize_for_match(
        "三奇共支援武汉、北京等相关地区口罩1.35亿只、防护服180万套"
    )


def test_a_traditional_profile_mark_is_a_profile_mark() -> None:
    from corpus.cleaning import is_profile_mark

    assert is_profile_mark("——記某某科技有限公司") and is_profile_mark("——记某某科技有限公司")
