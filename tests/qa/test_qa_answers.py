"""The answering chain's plumbing on the seed articles (fake embedder): citations that point
into the given passages, clean refusals, follow-ups, streaming, limits. Whether the answers
are right is tested with the real model (test_qa_real_model.py) and measured by the eval."""

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


QUESTIONS = [
    "武汉市经信局协调捐赠了多少辆MPV？",
    "依文集团成立于哪一年？",
    "三奇公司的口罩和防护服日产量分别提高到多少？",
    "华为公司捐赠了多少口罩？",
    "How many MPVs did the Wuhan bureau coordinate?",
]


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_answer_is_cited_or_refused_cleanly(answerer: Answerer, question: str) -> None:
    answer = answerer.answer(question)
    assert answer.confidence is not None and 0.0 <= answer.confidence <= 1.0
    assert len(answer.passages) <= answerer.settings.top_k
    if answer.refused:
        assert answer.citations == () and "[" not in answer.text
    else:
        assert answer.citations
        _assert_cited(answer)


def test_passages_are_reranked_to_top_k(answerer: Answerer) -> None:
    passages = answerer.retrieve("三奇口罩日产量提高到多少？")
    assert len(passages) == answerer.settings.top_k
    assert [p.rank for p in passages] == list(range(1, len(passages) + 1))


@pytest.mark.parametrize(
    ("history", "question", "resolved"),
    [
        (["三奇公司口罩日产量提高到多少？"], "那防护服呢？", "三奇公司防护服日产量提高到多少？"),
        (["天隆科技是做什么的？"], "它获得了什么荣誉？", "天隆科技获得了什么荣誉？"),
        (["夏昆山连续奋战了多少天？"], "他有多少年党龄？", "夏昆山有多少年党龄？"),
        (["武汉市经信局协调捐赠了多少辆负压救护车？"], "MPV呢？",
         "武汉市经信局协调捐赠了多少辆MPV？"),
        (["三奇公司是做什么的？"], "那天隆科技呢？", "天隆科技是做什么的？"),
    ],
)  # fmt: skip
def test_follow_ups_are_resolved_before_retrieval(
    answerer: Answerer, history: list[str], question: str, resolved: str
) -> None:
    answer = answerer.answer(question, [(h, "") for h in history])
    assert answer.resolved_question == resolved


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
    assert answer.question == "武汉市经信局协调捐赠了多少辆MPV？"


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
    assert isinstance(answer, Answer) and answer.resolved_question.startswith("三奇公司防护服")
    streamed = list(chain.stream({"question": "依文集团成立于哪一年？"}))
    assert isinstance(streamed[-1], Answer)
    texts = (chain | RunnableLambda(lambda a: a.text)).batch(
        [{"question": "夏昆山有多少年党龄？"}, {"question": "华为公司捐赠了多少口罩？"}]
    )
    assert len(texts) == 2 and all(texts)
