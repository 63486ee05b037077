"""Question analysis and fact extraction, table-style on seed sentences."""

from __future__ import annotations

import pytest

from qa import facts
from qa.followup import resolve
from qa.knowledge import KnowledgeBase
from qa.question import analyse, question_kind, split_parts


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("武汉市经信局协调捐赠了多少辆MPV？", "quantity"),
        ("夏昆山每天工作多长时间？", "quantity"),
        ("中国通服在什么时候前完成了平台施工？", "date"),
        ("依文集团成立于哪一年？", "date"),
        ("深中海医疗用品有限公司的总经理是谁？", "name"),
        ("哪家服装企业帮一万多名绣娘靠手艺脱贫致富？", "name"),
        ("依文集团为哪些重大活动定制过服装？", "list"),
        ("天隆科技牵头制订了什么标准？", "what"),
        ("夏昆山做了哪些工作？", "activity"),
        ("天隆科技是做什么的？", "definition"),
        ("夏昆山是谁？", "definition"),
        ("深中海的口罩产量是怎样一步步提高的？", "how"),
        ("How many MPVs did the Wuhan bureau coordinate?", "quantity"),
        ("In which year was the Yiwen Group founded?", "date"),
    ],
)
def test_question_kind(question: str, kind: str) -> None:
    assert question_kind(question) == kind


@pytest.mark.parametrize(
    ("question", "classifier", "slot"),
    [
        ("武汉市经信局协调捐赠了多少辆MPV？", "辆", "MPV"),
        ("三奇公司有多少名员工？", "名", "员工"),
        ("三奇公司有多少员工？", "people", "员工"),
        ("中国通服建设电信大数据分析平台花了多少钱？", "money", "钱"),
        ("夏昆山每天工作多长时间？", "time", ""),
        ("How many hours a day did Xia Kunshan work?", "小时", ""),
        ("How many documents per day did the division handle?", "", ""),
    ],
)
def test_classifier_and_slot(kb: KnowledgeBase, question: str, classifier: str, slot: str) -> None:
    q = analyse(question, kb)
    assert (q.classifier, q.slot) == (classifier, slot)


@pytest.mark.parametrize(
    ("question", "unknown"),
    [
        ("华为公司捐赠了多少口罩？", ("华为公司",)),
        ("李兰娟院士在武汉做了哪些工作？", ("李兰娟",)),
        ("北京协和医院捐了多少？", ("北京协和医院",)),
        ("钟南山院士获得了什么荣誉称号？", ()),  # named in the articles, not profiled
        ("夏局长每天工作多长时间？", ()),
    ],
)
def test_names_the_articles_never_mention(
    kb: KnowledgeBase, question: str, unknown: tuple[str, ...]
) -> None:
    assert analyse(question, kb).unknown == unknown


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        ("依文集团是哪一年成立的，通过文化产业扶贫帮助了多少名绣娘？",
         ["依文集团是哪一年成立的", "通过文化产业扶贫帮助了多少名绣娘？"]),
        ("武汉复工复产时，规模以上工业企业的开工率从多少升到了多少？",
         ["武汉复工复产时，规模以上工业企业的开工率从多少升到了多少？"]),
        ("中国通服设立了多少人的PMO一线组织，又在什么时间前完成了平台施工？",
         ["中国通服设立了多少人的PMO一线组织", "在什么时间前完成了平台施工？"]),
        ("三奇口罩日产量提高到多少？", ["三奇口罩日产量提高到多少？"]),
    ],
)  # fmt: skip
def test_split_parts(question: str, parts: list[str]) -> None:
    assert split_parts(question) == parts


@pytest.mark.parametrize(
    ("sentence", "classifier", "found"),
    [
        ("协调捐赠（采购）负压救护车329辆、MPV50辆，调拨调配防护服4万多套、口罩200多万只；", "辆",
         ["329辆", "50辆"]),
        ("口罩从日产50万只提高到350万只，医用防护服从日产1000套增至20000套以上。", "",
         ["50万只", "350万只", "1000套", "20000套以上"]),
        ("公司已向社会各界捐赠医用防护口罩和防护服等物资高达1350万元。", "money", ["1350万元"]),
        ("两天内起草并协调国办印发督促重点物资生产企业复工复产的通知", "天", ["两天"]),
        ("带动近百家上下游企业复工、稳产", "家", ["近百家"]),
        ("在通服总部和各省通服设立共800余人的两级PMO一线组织", "people", ["800余人"]),
        ("2020年2月2日，依文集团开始转产扩能，一周内调集设备", "", []),
        ("第一时间组织召开紧急会议", "", []),
    ],
)  # fmt: skip
def test_quantities(sentence: str, classifier: str, found: list[str]) -> None:
    assert [m.group() for m in facts.quantities(sentence, classifier)] == found


@pytest.mark.parametrize(
    ("sentence", "found"),
    [
        ("中国通服上下齐心，在规定的2020年3月10日前顺利完成部级平台的施工", ["2020年3月10日前"]),
        ("依文集团成立于1994年，是中国服装行业的领军企业。", ["1994年"]),
        ("1月30日，夏昆山带领医械处及盐田监管局的工作人员赶到", ["1月30日"]),
        ("成立26年来，多次圆满完成国家重大任务", []),
    ],
)
def test_dates(sentence: str, found: list[str]) -> None:
    assert [m.group() for m in facts.dates(sentence)] == found


def test_pick_quantity_follows_the_question() -> None:
    text = "口罩从日产50万只提高到350万只，医用防护服从日产1000套增至20000套以上。"
    found = facts.quantities(text)
    assert facts.pick_quantity(text, found, -1, "口罩日产量提高到多少？", ["口罩"]) == "350万只"
    assert facts.pick_quantity(text, found, -1, "防护服日产量提高到多少？", ["防护服"]) == (
        "20000套以上"
    )


def test_trim_keeps_the_clauses_with_the_words() -> None:
    sentence = (
        "制定专项政策措施，梳理产业链龙头企业和上下游配套企业，“一对一”协调解决各种问题，"
        "有效保证全市70余万名工业企业员工顺利到岗，仅十余天时间，规上工业企业开工率由不足10%"
        "迅速提升到90%以上。"
    )
    assert facts.trim(sentence, ["70余万名"], limit=30) == (
        "……有效保证全市70余万名工业企业员工顺利到岗……"
    )
    assert facts.trim("短句。", ["短"], limit=30) == "短句。"


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
