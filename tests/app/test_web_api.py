"""The HTTP API in-process (fake answerer, no Gradio): contract, errors, limits, headers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from profile_qa.settings import Settings
from profile_qa.web import describe_answerer
from profile_qa.web.server import build_app
from tests.app.fakes import FakeAnswerer

SITE = "https://www.miit.gov.cn"
QUESTION = "武汉市经信局协调捐赠了多少辆MPV？"


def make_app(settings: Settings, answerer: Any = None, **changes: Any) -> FastAPI:
    settings = settings.replace(**changes) if changes else settings
    answerer = answerer or FakeAnswerer(settings)
    return build_app(describe_answerer(settings, answerer), with_chat=False)


@pytest.fixture
def client(settings: Settings) -> TestClient:
    return TestClient(make_app(settings, allowed_origins=(SITE,)))


def parse_sse(text: str) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_ask_returns_answer_with_cited_passage(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": QUESTION})
    assert r.status_code == 200
    body = r.json()
    assert "MPV50辆" in body["answer"] and "[1]" in body["answer"]
    assert body["refused"] is False and body["generator"] == "extractive"
    cite = body["citations"][0]
    assert cite["subject"] == "武汉市经济和信息化局新冠肺炎疫情防控专班"
    assert (
        cite["text"][cite["sentence_start"] - cite["start"] : cite["sentence_end"] - cite["start"]]
        == cite["sentence"]
    )
    assert "MPV50辆" in cite["sentence"]
    assert set(body["timings_ms"]) >= {"total"}
    assert body["passages"][0]["rank"] == 1


def test_ask_speaks_the_same_json_as_the_cli(settings: Settings) -> None:
    from qa import answer_to_dict

    fake = FakeAnswerer(settings)
    body = TestClient(make_app(settings, fake)).post("/api/ask", json={"question": QUESTION}).json()
    assert body == json.loads(json.dumps(answer_to_dict(fake.answer(QUESTION))))


@pytest.mark.parametrize(
    "history",
    [
        [["武汉市经信局做了什么？", "协调捐赠负压救护车329辆[1]"]],
        [
            {"role": "user", "content": "武汉市经信局做了什么？"},
            {"role": "assistant", "content": "协调捐赠负压救护车329辆[1]"},
        ],
    ],
)
def test_both_history_formats_reach_the_answerer(settings: Settings, history: list[Any]) -> None:
    fake = FakeAnswerer(settings)
    client = TestClient(make_app(settings, fake))
    r = client.post("/api/ask", json={"question": "MPV呢？", "history": history})
    assert r.status_code == 200
    assert fake.calls[-1] == ("MPV呢？", [("武汉市经信局做了什么？", "协调捐赠负压救护车329辆[1]")])


def test_history_is_cut_to_the_configured_turns(settings: Settings) -> None:
    fake = FakeAnswerer(settings)
    client = TestClient(make_app(settings, fake, max_history_turns=2))
    history = [[f"问题{i}", f"回答{i}"] for i in range(6)]
    assert client.post("/api/ask", json={"question": QUESTION, "history": history}).is_success
    assert fake.calls[-1][1] == [("问题4", "回答4"), ("问题5", "回答5")]


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({}, 422, "question"),
        ({"question": ""}, 422, "question"),
        ({"question": 42}, 422, "question"),
        ({"question": QUESTION, "history": [["only one"]]}, 422, "history"),
        ({"question": QUESTION, "options": {"top_k": 0}}, 422, "options"),
        ({"question": QUESTION, "options": {"generator": "gpt"}}, 422, "options"),
        ({"question": QUESTION, "colour": "red"}, 422, "colour"),
    ],
)
def test_invalid_requests_get_a_clean_422(
    client: TestClient, payload: dict[str, Any], status: int, field: str
) -> None:
    r = client.post("/api/ask", json=payload)
    assert r.status_code == status
    body = r.json()
    assert body["error"] == "invalid request"
    assert any(d["field"].startswith(field) for d in body["detail"])
    assert "Traceback" not in r.text and "/work" not in r.text


def test_unusable_question_is_a_400_with_the_reason(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": "   "})
    assert r.status_code == 400
    assert r.json() == {"error": "invalid question", "detail": "the question is empty"}


def test_unavailable_option_is_a_400(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": QUESTION, "options": {"generator": "llm"}})
    assert r.status_code == 400
    assert r.json()["error"] == "option not available"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "at character 1"),
        ('{"question": "口罩"}'.encode("gbk"), "not valid UTF-8"),
        (b"[" * 5000 + b"]" * 5000, "nested too deeply"),
    ],
)
def test_bad_json_is_a_400_with_the_reason(client: TestClient, body: bytes, reason: str) -> None:
    r = client.post("/api/ask", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.json()["error"] == "invalid JSON" and reason in r.json()["detail"]


@pytest.mark.parametrize("top_k", [True, False, "5", 2.0])
def test_top_k_takes_integers_only(client: TestClient, top_k: Any) -> None:
    r = client.post("/api/ask", json={"question": QUESTION, "options": {"top_k": top_k}})
    assert r.status_code == 422 and r.json()["detail"][0]["field"].startswith("options.top_k")


def test_oversized_body_is_a_413(client: TestClient) -> None:
    r = client.post(
        "/api/ask", json={"question": QUESTION, "history": [["问" * 3000, "答" * 3000]]}
    )
    assert r.status_code == 413
    assert r.json()["error"] == "request too large"


def test_internal_errors_hide_details(settings: Settings) -> None:
    broken = FakeAnswerer(settings, fail_with=RuntimeError("/secret/path/index.faiss exploded"))
    client = TestClient(make_app(settings, broken), raise_server_exceptions=False)
    r = client.post("/api/ask", json={"question": QUESTION})
    assert r.status_code == 500
    assert r.json() == {"error": "internal error"}
    stream = client.post("/api/ask/stream", json={"question": QUESTION})
    assert "secret" not in stream.text


def test_rate_limit_answers_429_with_retry_after(settings: Settings) -> None:
    client = TestClient(make_app(settings, rate_limit_per_minute=2))
    codes = [client.post("/api/ask", json={"question": QUESTION}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    r = client.post("/api/ask/stream", json={"question": QUESTION})
    assert r.status_code == 429
    assert r.json()["error"] == "too many requests"
    assert int(r.headers["Retry-After"]) >= 1
    assert client.get("/api/health").status_code == 200  # monitors are never limited


def test_stream_sends_deltas_then_the_answer_then_done(client: TestClient) -> None:
    r = client.post("/api/ask/stream", json={"question": QUESTION})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(r.text)
    kinds = [e for e, _ in events]
    assert kinds[-2:] == ["answer", "done"] and set(kinds[:-2]) == {"delta"}
    answer = events[-2][1]
    assert "".join(d["text"] for e, d in events if e == "delta") == answer["answer"]
    assert answer["citations"][0]["number"] == 1


def test_stream_rejects_a_bad_question_before_streaming(client: TestClient) -> None:
    r = client.post("/api/ask/stream", json={"question": "  "})
    assert r.status_code == 400


def test_health_reports_corpus_model_and_version(client: TestClient) -> None:
    body = client.get("/api/health").json()
    assert body["status"] == "ok" and body["index_loaded"] is True
    assert body["article_count"] == 2 and body["chunk_count"] > 10
    assert body["model_id"] == "fake:overlap" and body["version"]


def test_feedback_endpoint_stores_a_rating(client: TestClient, settings: Settings) -> None:
    r = client.post(
        "/api/feedback",
        json={"rating": "dislike", "question": QUESTION, "answer": "MPV50辆[1]", "sources": []},
    )
    assert r.status_code == 201
    service = client.app.state.service
    assert service.feedback.all()[-1]["rating"] == "dislike"


def test_cors_allows_only_configured_sites(client: TestClient) -> None:
    ok = client.post("/api/ask", json={"question": QUESTION}, headers={"Origin": SITE})
    assert ok.headers["access-control-allow-origin"] == SITE
    other = client.post(
        "/api/ask", json={"question": QUESTION}, headers={"Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in other.headers
    pre = client.options(
        "/api/ask/stream",
        headers={
            "Origin": SITE,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert pre.status_code == 200 and pre.headers["access-control-allow-origin"] == SITE


def test_frame_ancestors_name_self_and_the_configured_sites(client: TestClient) -> None:
    embed = client.get("/embed")
    assert embed.status_code == 200 and "<html" in embed.text
    csp = embed.headers["content-security-policy"]
    assert f"frame-ancestors 'self' {SITE}" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    api = client.get("/api/health")
    assert api.headers["content-security-policy"] == f"frame-ancestors 'self' {SITE}"


def test_default_lets_only_this_server_frame_the_chat(settings: Settings) -> None:
    client = TestClient(make_app(settings))
    assert (
        client.get("/embed").headers["content-security-policy"].endswith("frame-ancestors 'self'")
    )


def test_widget_script_and_embed_assets_are_served(client: TestClient) -> None:
    js = client.get("/widget.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert "document.currentScript" in js.text and "https://" not in js.text.split("*/", 1)[1]
    assert client.get("/embed/app.js").status_code == 200
    assert client.get("/embed/app.css").headers["content-type"].startswith("text/css")


def test_openapi_describes_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/api/ask", "/api/ask/stream", "/api/health"} <= set(spec["paths"])
    assert "AskRequest" in spec["components"]["schemas"]
    assert "AskResponse" in spec["components"]["schemas"]


def test_unknown_api_path_is_a_json_404(client: TestClient) -> None:
    r = client.get("/api/nope")
    assert r.status_code == 404 and r.json() == {"error": "not found"}
