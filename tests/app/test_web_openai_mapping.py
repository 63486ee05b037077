"""The OpenAI dialect's pure mapping: messages -> question and history, answers -> content."""

from __future__ import annotations

from typing import Any

import pytest

from corpus.model import Chunk
from profile_qa.settings import Settings
from profile_qa.web.openai_api import key_matches
from profile_qa.web.openai_render import (
    SOURCES_HEADING,
    answer_content,
    source_line,
    strip_sources,
)
from profile_qa.web.openai_schemas import (
    ChatCompletionRequest,
    ChatMessage,
    OpenAIError,
    edge_error,
    model_generators,
    refused_parameter,
    split_messages,
)
from qa.model import Answer, Citation

PASSAGE = "协调捐赠(采购)负压救护车329辆、MPV50辆,调拨调配防护服4万多套。"
SUBJECT = "武汉市经济和信息化局新冠肺炎疫情防控专班"
TITLE = "鲜花和掌声献给抗击新冠肺炎疫情的工信先锋"


def _chunk(text: str = PASSAGE, start: int = 100, title: str = TITLE) -> Chunk:
    return Chunk(
        id="c1",
        article_id="000_55cfba9dcf3082ae",
        section_index=1,
        text=text,
        header=f"{SUBJECT} · 不舍昼夜坚守抗疫最前线",
        start=start,
        end=start + len(text),
        subject=SUBJECT,
        section_title="不舍昼夜坚守抗疫最前线",
        article_title=title,
        date="",
        source_file="000_55cfba9dcf3082ae.txt",
    )


def _messages(*pairs: tuple[str, Any]) -> list[ChatMessage]:
    return [ChatMessage(role=r, content=c) for r, c in pairs]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("messages", "question", "history"),
    [
        ([("user", "武汉市经信局协调捐赠了多少辆MPV？")], "武汉市经信局协调捐赠了多少辆MPV？", []),
        (
            [
                ("system", "你是一个有用的助手。"),
                ("user", "夏昆山是谁？"),
                ("assistant", "夏昆山是……[1]" + SOURCES_HEADING + "- [1] 《标题》：“……”"),
                ("user", "他连续奋战了多少天？"),
            ],
            "他连续奋战了多少天？",
            [("夏昆山是谁？", "夏昆山是……[1]")],
        ),
        (  # a question whose answer failed has no reply: dropped, as on /api/ask
            [("user", "第一个问题"), ("user", "三奇公司的口罩日产量是多少？")],
            "三奇公司的口罩日产量是多少？",
            [],
        ),
        (  # content as parts, the way some front-ends send it
            [("user", [{"type": "text", "text": "那防护服呢？"}])],
            "那防护服呢？",
            [],
        ),
    ],
)
def test_last_user_message_is_the_question_earlier_turns_the_history(
    messages: list[tuple[str, Any]], question: str, history: list[tuple[str, str]]
) -> None:
    assert split_messages(_messages(*messages)) == (question, history)


@pytest.mark.parametrize(
    ("messages", "param"),
    [
        ([("user", "问题"), ("assistant", "回答")], "messages"),
        ([("system", "只有系统消息")], "messages"),
        ([("user", "问题"), ("tool", "{}")], "messages[1].role"),
        (
            [("user", [{"type": "image_url", "image_url": {"url": "data:,"}}])],
            "messages[0].content",
        ),
    ],
)
def test_unusable_conversations_are_refused_naming_the_field(
    messages: list[tuple[str, Any]], param: str
) -> None:
    with pytest.raises(OpenAIError) as err:
        split_messages(_messages(*messages))
    assert err.value.status == 400 and err.value.param == param


def _request(**fields: Any) -> ChatCompletionRequest:
    return ChatCompletionRequest.model_validate(
        {"model": "profile-qa", "messages": [{"role": "user", "content": "问题"}], **fields}
    )


@pytest.mark.parametrize(
    ("fields", "refused"),
    [
        ({"temperature": 0.2, "top_p": 0.9, "max_tokens": 10, "seed": 1, "user": "x"}, None),
        ({"n": 1, "response_format": {"type": "text"}, "tool_choice": "none"}, None),
        ({"n": 2}, "n"),
        ({"tools": [{"type": "function", "function": {"name": "f"}}]}, "tools"),
        ({"functions": [{"name": "f"}]}, "functions"),
        ({"tool_choice": "required"}, "tool_choice"),
        ({"response_format": {"type": "json_object"}}, "response_format"),
        ({"response_format": {"type": "json_schema", "json_schema": {}}}, "response_format"),
        ({"logprobs": True}, "logprobs"),
    ],
)
def test_parameters_are_ignored_or_refused_as_documented(
    fields: dict[str, Any], refused: str | None
) -> None:
    error = refused_parameter(_request(**fields))
    assert (error.param if error else None) == refused
    if error:
        assert error.status == 400 and error.code == "unsupported_parameter"


def test_source_line_names_title_profile_and_quotes_the_sentence() -> None:
    chunk = _chunk()
    start = PASSAGE.index("MPV50辆")
    citation = Citation(1, chunk, chunk.start, chunk.end)
    assert source_line(citation) == (f"- [1] 《{TITLE}》 · {SUBJECT}：“{PASSAGE}”")
    assert "MPV50辆" in source_line(Citation(2, chunk, chunk.start + start, chunk.end))


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("见*附件*与[链接](http://x)", "见\\*附件\\*与\\[链接\\](http://x)"),
        ("口罩" * 100, "口罩" * 59 + "口…"),
    ],
)
def test_source_sentences_are_text_not_markdown_and_kept_short(text: str, shown: str) -> None:
    chunk = _chunk(text)
    assert source_line(Citation(1, chunk, chunk.start, chunk.end)).endswith(f"“{shown}”")


def _answer(refused: bool = False, note: str = "") -> Answer:
    chunk = _chunk()
    citations = () if refused else (Citation(1, chunk, chunk.start, chunk.end),)
    text = "文章中没有找到这个问题的答案。" if refused else "协调捐赠MPV50辆[1]。"
    return Answer("问", "问", text, citations, (), "extractive", refused, note)


def test_answer_content_keeps_markers_and_ends_with_the_sources() -> None:
    content = answer_content(_answer())
    text, heading, sources = content.partition(SOURCES_HEADING)
    assert text == "协调捐赠MPV50辆[1]。" and heading
    assert sources.splitlines() == [f"- [1] 《{TITLE}》 · {SUBJECT}：“{PASSAGE}”"]
    assert strip_sources(content) == "协调捐赠MPV50辆[1]。"


def test_refusal_has_no_sources_and_a_note_is_shown() -> None:
    assert answer_content(_answer(refused=True)) == "文章中没有找到这个问题的答案。"
    noted = answer_content(_answer(note="语言模型暂时不可用"))
    assert "（注：语言模型暂时不可用）" in noted.partition(SOURCES_HEADING)[0]


def test_one_model_unless_an_llm_endpoint_adds_a_second_generator(settings: Settings) -> None:
    assert model_generators(settings) == {"profile-qa": None}
    with_llm = settings.replace(llm_base_url="http://127.0.0.1:9/v1", llm_model="qwen")
    assert model_generators(with_llm) == {
        "profile-qa": None,
        "profile-qa-extractive": "extractive",
        "profile-qa-llm": "llm",
    }


@pytest.mark.parametrize(
    ("token", "ok"),
    [("sk-local-123456", True), ("sk-other-654321", True), ("sk-local-12345", False), ("", False)],
)
def test_api_keys_match_exactly(token: str, ok: bool) -> None:
    assert key_matches(token, ("sk-local-123456", "sk-other-654321")) is ok


def test_edge_refusals_read_as_openai_errors() -> None:
    body = edge_error(429, "too many requests", "at most 2 requests per minute")
    assert body["error"]["code"] == "rate_limit_exceeded"
    assert "2 requests per minute" in body["error"]["message"]
    assert edge_error(413, "request too large", "")["error"]["code"] == "request_too_large"
