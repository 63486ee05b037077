"""Extractive answers on the seed articles: right facts, valid citations, honest refusals."""

from __future__ import annotations

import pytest

from profile_qa.errors import InvalidQuestionError
from qa.chain import Answerer
from qa.citations import markers
from qa.model import Answer


def _assert_cited(answer: Answer) -> None:
    """Every marker maps to a citation whose sentence lies inside a given passage."""
    numbers = sorted(set(markers(answer.text)))
    assert numbers == [c.number for c in answer.citations] == list(range(1, len(numbers) + 1))
    given = {p.chunk.id for p in answer.passages}
    for c in answer.citations:
        assert c.chunk.id in given
        assert c.chunk.start <= c.sentence_start < c.sentence_end <= c.chunk.end
        assert c.sentence.strip() and c.sentence in c.chunk.text


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("武汉市经信局协调捐赠了多少辆MPV？", ["50辆"]),
        ("湖北省通管局组织召开了多少次全市通信行业视频调度会？", ["18次"]),
        ("三奇口罩日产量提高到多少？", ["350万只"]),
        ("依文集团成立于哪一年？", ["1994年"]),
        ("天隆科技牵头制订了什么标准？", ["YY/T1717-2020"]),
        ("中国通服在什么时候前完成了平台施工？", ["2020年3月10日前"]),
        ("机要督办处日均流转多少件次文电？", ["690件次"]),
        ("夏昆山有多少年党龄？", ["37年"]),
        ("夏局长紧急组织成立了多少个驻厂专班？", ["23个"]),
        ("武漢市經信局協調捐贈了多少輛MPV？", ["50辆"]),
        ("三奇公司的口罩和防护服日产量分别提高到多少？", ["350万只", "20000套"]),
        ("依文集团为哪些重大活动定制过服装？", ["奥运会", "残奥会"]),
        ("深中海医疗用品有限公司的总经理是谁？", ["杜量衡"]),
        ("深中海医疗用品有限公司位于深圳市哪个区？", ["坪山区"]),
        ("谁被大家称为口罩保障第一人？", ["夏昆山"]),
        ("日照三奇现在一天能做出多少只口罩？", ["350万只"]),
    ],
)
def test_answers_carry_the_fact_and_cite_it(
    answerer: Answerer, question: str, expected: list[str]
) -> None:
    answer = answerer.answer(question)
    assert not answer.refused, answer.text
    for fact in expected:
        assert fact in answer.text
        assert any(fact in c.sentence or fact in c.chunk.subject for c in answer.citations)
    _assert_cited(answer)


@pytest.mark.parametrize(
    ("question", "focus"),
    [
        ("武汉市经信局协调捐赠了多少辆MPV？", "50辆"),
        ("三奇公司防护服日产量提高到多少？", "20000套以上"),
        ("中国通服在什么时候前完成了平台施工？", "2020年3月10日前"),
        ("机要督办处日均流转多少件次文电？", "690件次"),
    ],
)
def test_the_short_answer_comes_first(answerer: Answerer, question: str, focus: str) -> None:
    assert answerer.answer(question).text.startswith(focus + "。")


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("天隆科技是做什么的？", "西安天隆科技有限公司"),
        ("夏昆山做了哪些工作？", "夏昆山"),
        ("三奇做了什么？", "日照三奇医疗卫生用品有限公司"),
    ],
)
def test_open_questions_quote_several_sentences_of_the_profile(
    answerer: Answerer, question: str, subject: str
) -> None:
    answer = answerer.answer(question)
    assert not answer.refused and answer.citations
    assert all(c.chunk.subject == subject for c in answer.citations)
    _assert_cited(answer)


def test_what_work_gives_several_key_sentences(answerer: Answerer) -> None:
    answer = answerer.answer("夏昆山做了哪些工作？")
    assert len(answer.citations) >= 3


@pytest.mark.parametrize(
    "question",
    [
        "三奇公司有多少名员工？",
        "华为公司捐赠了多少口罩？",
        "张三是谁？",
        "北京协和医院捐了多少钱？",
        "依文集团2020年的营业收入是多少？",
        "天隆科技的核酸检测试剂盒单价是多少？",
        "中国通服建设电信大数据分析平台花了多少钱？",
        "李兰娟院士在武汉做了哪些工作？",
        "钟南山院士获得了什么荣誉称号？",
        "三奇公司捐赠了多少辆MPV？",
    ],
)
def test_what_the_articles_do_not_say_is_refused(answerer: Answerer, question: str) -> None:
    answer = answerer.answer(question)
    assert answer.refused, answer.text
    assert answer.text.startswith("资料中没有找到")
    assert answer.citations == () and "[" not in answer.text


def test_refusal_names_the_unknown_organisation(answerer: Answerer) -> None:
    assert "华为公司" in answerer.answer("华为公司捐赠了多少口罩？").text


@pytest.mark.parametrize(
    ("history", "question", "resolved", "fact"),
    [
        (["三奇公司口罩日产量提高到多少？"], "那防护服呢？", "三奇公司防护服日产量提高到多少？",
         "20000套"),
        (["天隆科技是做什么的？"], "它获得了什么荣誉？", "天隆科技获得了什么荣誉？", "先进集体"),
        (["夏昆山连续奋战了多少天？"], "他有多少年党龄？", "夏昆山有多少年党龄？", "37年"),
        (["武汉市经信局协调捐赠了多少辆负压救护车？"], "MPV呢？",
         "武汉市经信局协调捐赠了多少辆MPV？", "50辆"),
        (["三奇公司是做什么的？"], "那天隆科技呢？", "天隆科技是做什么的？", "核酸检测"),
        (["中国通服设立的PMO一线组织有多少人？"], "平台施工是在什么时间前完成的？",
         "中国通服平台施工是在什么时间前完成的？", "3月10日前"),
        (["三奇公司是做什么的？", "那防护服呢？"], "工业和信息化部在哪一天举行的工作会议？",
         "工业和信息化部在哪一天举行的工作会议？", "12月29日"),
    ],
)  # fmt: skip
def test_follow_ups_are_resolved_before_retrieval(
    answerer: Answerer, history: list[str], question: str, resolved: str, fact: str
) -> None:
    answer = answerer.answer(question, [(h, "") for h in history])
    assert answer.resolved_question == resolved
    assert fact in answer.text
    _assert_cited(answer)


def test_history_is_truncated_to_the_most_recent_turns(answerer: Answerer) -> None:
    a = Answerer(
        answerer.settings.replace(max_history_turns=1),
        answerer.kb,
        answerer.retriever.index,
        answerer.retriever.embedder,
    )
    history = [("天隆科技是做什么的？", ""), ("三奇公司口罩日产量提高到多少？", "")]
    assert a.answer("那防护服呢？", history).resolved_question.startswith("三奇公司")
    history.reverse()
    assert a.answer("它获得了什么荣誉？", history).resolved_question.startswith("天隆科技")


@pytest.mark.parametrize("question", ["", "   ", "\x00\u200b"])
def test_empty_questions_raise(answerer: Answerer, question: str) -> None:
    with pytest.raises(InvalidQuestionError, match="empty"):
        answerer.answer(question)


def test_a_too_long_question_is_refused_with_a_message(answerer: Answerer) -> None:
    with pytest.raises(InvalidQuestionError, match="too long"):
        answerer.answer("三奇" * 300)


def test_control_characters_are_stripped(answerer: Answerer) -> None:
    answer = answerer.answer("武汉市经信局\x07协调捐赠了多少辆\u200bMPV？")
    assert answer.question == "武汉市经信局协调捐赠了多少辆MPV？" and "50辆" in answer.text


def test_timings_are_reported(answerer: Answerer) -> None:
    timings = answerer.answer("三奇口罩日产量提高到多少？").timings_ms
    assert {"retrieval", "generation", "total"} <= set(timings)
    assert timings["total"] >= timings["retrieval"] > 0


def test_stream_yields_text_then_the_answer(answerer: Answerer) -> None:
    items = list(answerer.stream("三奇口罩日产量提高到多少？"))
    assert isinstance(items[-1], Answer)
    assert "".join(i for i in items[:-1] if isinstance(i, str)) == items[-1].text


def test_the_chain_is_a_langchain_runnable(answerer: Answerer) -> None:
    from langchain_core.runnables import Runnable, RunnableLambda

    chain = answerer.as_runnable()
    assert isinstance(chain, Runnable)
    answer = chain.invoke(
        {"question": "那防护服呢？", "history": [["三奇公司口罩日产量提高到多少？", ""]]}
    )
    assert isinstance(answer, Answer) and "20000套" in answer.text
    streamed = list(chain.stream({"question": "依文集团成立于哪一年？"}))
    assert isinstance(streamed[-1], Answer) and "1994年" in streamed[-1].text
    texts = (chain | RunnableLambda(lambda a: a.text)).batch(
        [{"question": "夏昆山有多少年党龄？"}, {"question": "华为公司捐赠了多少口罩？"}]
    )
    assert "37年" in texts[0] and texts[1].startswith("资料中没有找到")
