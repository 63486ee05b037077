"""/v1 over real HTTP with the real clients: the ``openai`` SDK and LangChain's ChatOpenAI."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from profile_qa.settings import Settings
from profile_qa.web import describe_answerer
from profile_qa.web.openai_render import SOURCES_HEADING
from profile_qa.web.server import build_app
from tests.app.fakes import FakeAnswerer
from tests.app.support import running_server

pytestmark = pytest.mark.slow

MPV = "武汉市经信局协调捐赠了多少辆MPV？"
SUBJECT = "武汉市经济和信息化局新冠肺炎疫情防控专班"
KEY = "sk-profile-qa-test-key"


@pytest.fixture(scope="module")
def v1(real_server: tuple[str, Settings]) -> str:
    return real_server[0] + "/v1"


def client(base_url: str, api_key: str = "x") -> Any:
    from openai import OpenAI

    # No retries: a 429 or 5xx must reach the test, not be waited out.
    return OpenAI(base_url=base_url, api_key=api_key, max_retries=0, timeout=120)


def user(content: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": content}]


def test_openai_sdk_gets_the_cited_answer(v1: str) -> None:
    completion = client(v1).chat.completions.create(model="profile-qa", messages=user(MPV))
    message = completion.choices[0].message
    text, _, sources = (message.content or "").partition(SOURCES_HEADING)
    assert "50" in text and "[1]" in text
    assert sources.startswith("- [1] 《") and SUBJECT in sources
    citations = message.model_extra["citations"]
    assert {c["subject"] for c in citations} >= {SUBJECT}
    for c in citations:
        assert c["text"][c["sentence_start"] - c["start"] :].startswith(c["sentence"])
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None and completion.usage.completion_tokens > 0


def test_openai_sdk_streams_the_same_answer(v1: str) -> None:
    sdk = client(v1)
    plain = sdk.chat.completions.create(model="profile-qa", messages=user(MPV))
    stream = sdk.chat.completions.create(
        model="profile-qa",
        messages=user(MPV),
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == plain.choices[0].message.content
    last = next(c for c in reversed(chunks) if c.choices)
    assert last.choices[0].finish_reason == "stop"
    assert last.choices[0].delta.model_extra["citations"][0]["number"] == 1
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens > 0


def test_a_follow_up_uses_the_conversation(v1: str) -> None:
    sdk = client(v1)
    first = sdk.chat.completions.create(model="profile-qa", messages=user("夏昆山是谁？"))
    messages = [
        {"role": "system", "content": "You are a helpful assistant."},
        *user("夏昆山是谁？"),
        {"role": "assistant", "content": first.choices[0].message.content or ""},
        *user("他连续奋战了多少天？"),
    ]
    follow = sdk.chat.completions.create(model="profile-qa", messages=messages)
    assert "59" in (follow.choices[0].message.content or "")
    assert follow.model_extra["profile_qa"]["resolved_question"] != "他连续奋战了多少天？"


def test_models_and_errors_through_the_sdk(v1: str) -> None:
    import openai

    sdk = client(v1)
    assert [m.id for m in sdk.models.list()] == ["profile-qa"]
    with pytest.raises(openai.NotFoundError) as missing:
        sdk.chat.completions.create(model="gpt-4o", messages=user(MPV))
    assert missing.value.code == "model_not_found"
    with pytest.raises(openai.BadRequestError) as refused:
        sdk.chat.completions.create(model="profile-qa", messages=user(MPV), n=2)
    assert refused.value.param == "n"
    with pytest.raises(openai.BadRequestError):
        sdk.chat.completions.create(model="profile-qa", messages=user("问" * 1000))


def test_langchain_chat_openai_invokes_and_streams(v1: str) -> None:
    from langchain_core.messages import AIMessage, HumanMessage
    from langchain_openai import ChatOpenAI

    llm = ChatOpenAI(model="profile-qa", base_url=v1, api_key="x", max_retries=0, timeout=120)
    reply = llm.invoke(MPV)
    assert isinstance(reply, AIMessage)
    assert "50" in str(reply.content) and "[1]" in str(reply.content)
    streamed = "".join(str(chunk.content) for chunk in llm.stream(MPV))
    assert streamed == reply.content
    follow = llm.invoke(
        [
            HumanMessage("夏昆山是谁？"),
            AIMessage("夏昆山是……"),
            HumanMessage("他连续奋战了多少天？"),
        ]
    )
    assert "59" in str(follow.content)


@pytest.fixture
def guarded(settings: Settings) -> Iterator[str]:
    """A server with an API key and a limit of 3 a minute (fake answerer)."""
    limited = settings.replace(api_keys=(KEY,), rate_limit_per_minute=3)
    app = build_app(describe_answerer(limited, FakeAnswerer(limited)), with_chat=False)
    with running_server(app) as url:
        yield url + "/v1"


def test_keys_and_rate_limit_through_the_sdk(guarded: str) -> None:
    import openai

    with pytest.raises(openai.AuthenticationError) as denied:
        client(guarded, "sk-not-the-key").chat.completions.create(
            model="profile-qa", messages=user(MPV)
        )
    assert "sk-not-the-key" not in str(denied.value)
    sdk = client(guarded, KEY)
    reply = sdk.chat.completions.create(model="profile-qa", messages=user(MPV))
    assert "MPV50辆" in (reply.choices[0].message.content or "")
    sdk.chat.completions.create(model="profile-qa", messages=user(MPV))
    with pytest.raises(openai.RateLimitError) as limited:
        sdk.chat.completions.create(model="profile-qa", messages=user(MPV), stream=True)
    assert int(limited.value.response.headers["retry-after"]) >= 1
