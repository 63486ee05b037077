"""/v1 in-process (fake answerer, no Gradio): OpenAI shapes, streaming, errors, keys, limits."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from profile_qa.settings import Settings
from profile_qa.web import describe_answerer
from profile_qa.web.openai_render import SOURCES_HEADING
from profile_qa.web.server import build_app
from tests.app.fakes import FakeAnswerer

QUESTION = "武汉市经信局协调捐赠了多少辆MPV？"
SUBJECT = "武汉市经济和信息化局新冠肺炎疫情防控专班"
KEY = "sk-profile-qa-test-key"


def make_app(settings: Settings, answerer: Any = None, **changes: Any) -> FastAPI:
    settings = settings.replace(**changes) if changes else settings
    answerer = answerer or FakeAnswerer(settings)
    return build_app(describe_answerer(settings, answerer), with_chat=False)


@pytest.fixture
def client(settings: Settings) -> TestClient:
    return TestClient(make_app(settings))


def ask(content: str = QUESTION, **fields: Any) -> dict[str, Any]:
    return {"model": "profile-qa", "messages": [{"role": "user", "content": content}], **fields}


def chunks(text: str) -> list[Any]:
    out = []
    for block in text.strip().split("\n\n"):
        assert block.startswith("data: ")
        data = block[6:]
        out.append(data if data == "[DONE]" else json.loads(data))
    return out


def assert_openai_error(r: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert set(error) >= {"message", "type", "code"} and error["message"]
    if code is not None:
        assert error["code"] == code
    assert "Traceback" not in r.text and "/work" not in r.text
    return error


def test_models_lists_profile_qa(client: TestClient) -> None:
    body = client.get("/v1/models").json()
    assert body["object"] == "list"
    assert [m["id"] for m in body["data"]] == ["profile-qa"]
    assert client.get("/v1/models/profile-qa").json()["object"] == "model"
    assert_openai_error(client.get("/v1/models/gpt-4o"), 404, "model_not_found")


def test_completion_carries_cited_answer_sources_and_citations(client: TestClient) -> None:
    r = client.post("/v1/chat/completions", json=ask(temperature=0.3, max_tokens=5))
    assert r.status_code == 200
    body = r.json()
    assert body["object"] == "chat.completion" and body["id"].startswith("chatcmpl-")
    assert body["model"] == "profile-qa"
    (choice,) = body["choices"]
    assert choice["finish_reason"] == "stop"
    message = choice["message"]
    assert message["role"] == "assistant"
    text, _, sources = message["content"].partition(SOURCES_HEADING)
    assert "MPV50辆" in text and "[1]" in text
    assert sources.startswith("- [1] 《") and SUBJECT in sources and "MPV50辆" in sources
    cite = message["citations"][0]
    assert cite["number"] == 1 and cite["subject"] == SUBJECT
    assert cite["text"][cite["sentence_start"] - cite["start"] :].startswith(cite["sentence"])
    assert body["profile_qa"]["refused"] is False
    assert body["usage"]["completion_tokens"] > 0


def test_stream_sends_openai_chunks_then_done(client: TestClient) -> None:
    r = client.post("/v1/chat/completions", json=ask(stream=True))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    events = chunks(r.text)
    assert events[-1] == "[DONE]"
    data = events[:-1]
    assert {e["object"] for e in data} == {"chat.completion.chunk"}
    assert len({e["id"] for e in data}) == 1
    assert data[0]["choices"][0]["delta"]["role"] == "assistant"
    text = "".join(e["choices"][0]["delta"].get("content") or "" for e in data)
    plain = client.post("/v1/chat/completions", json=ask()).json()
    assert text == plain["choices"][0]["message"]["content"]
    last = data[-1]
    assert last["choices"][0]["finish_reason"] == "stop"
    assert last["choices"][0]["delta"]["citations"][0]["subject"] == SUBJECT


def test_stream_usage_when_asked(client: TestClient) -> None:
    r = client.post(
        "/v1/chat/completions", json=ask(stream=True, stream_options={"include_usage": True})
    )
    usage_chunk = chunks(r.text)[-2]
    assert usage_chunk["choices"] == [] and usage_chunk["usage"]["total_tokens"] > 0


def test_history_reaches_the_answerer_as_on_the_chat(settings: Settings) -> None:
    fake = FakeAnswerer(settings)
    client = TestClient(make_app(settings, fake))
    first = client.post("/v1/chat/completions", json=ask("武汉市经信局做了什么？")).json()
    reply = first["choices"][0]["message"]["content"]
    messages = [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "武汉市经信局做了什么？"},
        {"role": "assistant", "content": reply},
        {"role": "user", "content": "MPV呢？"},
    ]
    r = client.post("/v1/chat/completions", json={"model": "profile-qa", "messages": messages})
    assert r.status_code == 200
    question, history = fake.calls[-1]
    assert question == "MPV呢？"
    assert history == [("武汉市经信局做了什么？", reply.partition(SOURCES_HEADING)[0])]


@pytest.mark.parametrize(
    ("payload", "param"),
    [
        (ask(n=2), "n"),
        (ask(tools=[{"type": "function", "function": {"name": "search"}}]), "tools"),
        (ask(response_format={"type": "json_object"}), "response_format"),
        ({"model": "profile-qa", "messages": []}, "messages"),
        ({"messages": [{"role": "user", "content": QUESTION}]}, "model"),
        ({"model": "profile-qa", "messages": [{"role": "robot", "content": "x"}]}, "messages"),
    ],
)
def test_unsupported_or_malformed_requests_are_400(
    client: TestClient, payload: dict[str, Any], param: str
) -> None:
    error = assert_openai_error(client.post("/v1/chat/completions", json=payload), 400)
    assert error["param"].startswith(param)


def test_malformed_json_is_400(client: TestClient) -> None:
    r = client.post(
        "/v1/chat/completions", content=b"{oops", headers={"Content-Type": "application/json"}
    )
    assert_openai_error(r, 400)


def test_unusable_question_is_400_also_when_streaming(client: TestClient) -> None:
    assert_openai_error(client.post("/v1/chat/completions", json=ask("   ")), 400)
    r = client.post("/v1/chat/completions", json=ask("问" * 600, stream=True))
    assert "longer than" in assert_openai_error(r, 400, "invalid_question")["message"]


def test_unknown_model_is_404(client: TestClient) -> None:
    r = client.post("/v1/chat/completions", json={**ask(), "model": "gpt-4o"})
    assert_openai_error(r, 404, "model_not_found")


def test_unknown_path_and_method_speak_openai(client: TestClient) -> None:
    assert_openai_error(client.get("/v1/embeddings"), 404)
    assert_openai_error(client.get("/v1/chat/completions"), 405)


def test_oversized_body_is_413_in_openai_shape(client: TestClient) -> None:
    long = [{"role": "user", "content": "问" * 30000}] * 4
    r = client.post("/v1/chat/completions", json={"model": "profile-qa", "messages": long})
    assert_openai_error(r, 413, "request_too_large")


def test_a_long_conversation_fits_where_api_ask_would_be_413(client: TestClient) -> None:
    reply = "协调捐赠MPV50辆[1]。" + SOURCES_HEADING + "- [1] " + "很长的引文" * 200
    turn = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": reply}]
    messages = [*turn * 6, {"role": "user", "content": QUESTION}]
    assert len(json.dumps(messages)) > 16 * 1024
    r = client.post("/v1/chat/completions", json={"model": "profile-qa", "messages": messages})
    assert r.status_code == 200


def test_rate_limit_is_shared_and_answers_429_with_retry_after(settings: Settings) -> None:
    client = TestClient(make_app(settings, rate_limit_per_minute=2))
    assert client.post("/api/ask", json={"question": QUESTION}).status_code == 200
    assert client.post("/v1/chat/completions", json=ask()).status_code == 200
    r = client.post("/v1/chat/completions", json=ask(stream=True))
    assert_openai_error(r, 429, "rate_limit_exceeded")
    assert int(r.headers["Retry-After"]) >= 1


def test_internal_errors_hide_details(settings: Settings) -> None:
    broken = FakeAnswerer(settings, fail_with=RuntimeError("/secret/path/index.faiss exploded"))
    client = TestClient(make_app(settings, broken), raise_server_exceptions=False)
    error = assert_openai_error(client.post("/v1/chat/completions", json=ask()), 500)
    assert error["type"] == "server_error" and "secret" not in error["message"]


def test_a_generator_the_server_cannot_run_is_503(settings: Settings) -> None:
    # An LLM is configured, so profile-qa-llm is listed, but this service has no variants.
    client = TestClient(make_app(settings, llm_base_url="http://127.0.0.1:9/v1", llm_model="qwen"))
    ids = [m["id"] for m in client.get("/v1/models").json()["data"]]
    assert ids == ["profile-qa", "profile-qa-extractive", "profile-qa-llm"]
    r = client.post("/v1/chat/completions", json={**ask(), "model": "profile-qa-llm"})
    assert_openai_error(r, 503, "model_not_available")


def test_api_keys_are_required_on_v1_only_and_never_echoed(settings: Settings) -> None:
    client = TestClient(make_app(settings, api_keys=(KEY,)))
    for headers in ({}, {"Authorization": "Bearer sk-wrong-key-123"}, {"Authorization": KEY}):
        r = client.post("/v1/chat/completions", json=ask(), headers=headers)
        assert_openai_error(r, 401, "invalid_api_key")
        assert "sk-" not in r.text and r.headers["www-authenticate"] == "Bearer"
    assert_openai_error(client.get("/v1/models"), 401)
    good = {"Authorization": f"Bearer {KEY}"}
    assert client.post("/v1/chat/completions", json=ask(), headers=good).status_code == 200
    assert client.get("/v1/models", headers=good).status_code == 200
    assert client.post("/api/ask", json={"question": QUESTION}).status_code == 200
    assert KEY not in repr(client.app.state.service.settings)


def test_api_keys_come_from_the_environment_comma_separated(settings: Settings) -> None:
    from profile_qa.errors import ConfigError
    from profile_qa.settings import load_settings

    env = {"PROFILE_QA_API_KEYS": "sk-one-1234567, sk-two-7654321"}
    assert load_settings(env=env).api_keys == ("sk-one-1234567", "sk-two-7654321")
    with pytest.raises(ConfigError, match="api_keys") as err:
        load_settings(env={"PROFILE_QA_API_KEYS": "short"})
    assert "short" not in str(err.value)


def test_v1_spec_is_served_and_cors_allows_the_key_header(settings: Settings) -> None:
    site = "https://chat.example.gov.cn"
    client = TestClient(make_app(settings, allowed_origins=(site,)))
    spec = client.get("/v1/openapi.json").json()
    assert "/chat/completions" in spec["paths"] and "/models" in spec["paths"]
    pre = client.options(
        "/v1/chat/completions",
        headers={
            "Origin": site,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert pre.status_code == 200 and pre.headers["access-control-allow-origin"] == site


class _BreaksMidStream(FakeAnswerer):
    def stream(self, question: str, history: Any = ()) -> Any:
        yield "协调捐赠"
        raise RuntimeError("/secret/path exploded")


def test_a_failure_after_the_stream_started_is_an_error_event(settings: Settings) -> None:
    client = TestClient(make_app(settings, _BreaksMidStream(settings)))
    r = client.post("/v1/chat/completions", json=ask(stream=True))
    assert r.status_code == 200
    events = chunks(r.text)
    assert events[-1] == "[DONE]"
    assert events[-2]["error"]["type"] == "server_error"
    assert "secret" not in r.text and "协调捐赠" not in r.text  # no half answer either
