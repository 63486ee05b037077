"""The running server over real HTTP: the real answerer and model on the seed corpus."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from profile_qa.settings import Settings
from profile_qa.web import describe_answerer
from profile_qa.web.server import build_app
from tests.app.fakes import FakeAnswerer
from tests.app.support import HostSite, running_server

pytestmark = pytest.mark.slow

MPV = "武汉市经信局协调捐赠了多少辆MPV？"


@pytest.fixture(scope="module")
def base(real_server: tuple[str, Settings]) -> str:
    return real_server[0]


def test_first_start_built_the_index_and_health_says_so(real_server: tuple[str, Settings]) -> None:
    url, settings = real_server
    body = httpx.get(f"{url}/api/health").json()
    assert body["index_loaded"] is True
    assert body["model_id"] == settings.embedding_model
    assert body["article_count"] == 2 and body["chunk_count"] > 10
    assert (settings.index_dir).is_dir()


def test_ask_answers_a_seed_question_with_its_source(base: str) -> None:
    r = httpx.post(f"{base}/api/ask", json={"question": MPV}, timeout=60)
    assert r.status_code == 200
    body = r.json()
    assert "50" in body["answer"] and "[1]" in body["answer"]
    assert not body["refused"]
    subjects = {c["subject"] for c in body["citations"]}
    assert "武汉市经济和信息化局新冠肺炎疫情防控专班" in subjects
    for c in body["citations"]:
        assert (
            c["text"][c["sentence_start"] - c["start"] : c["sentence_end"] - c["start"]]
            == c["sentence"]
        )


def test_follow_up_uses_the_history(base: str) -> None:
    history = [{"role": "user", "content": "夏昆山是谁？"}, {"role": "assistant", "content": "……"}]
    r = httpx.post(
        f"{base}/api/ask", json={"question": "他连续奋战了多少天？", "history": history}, timeout=60
    )
    assert r.status_code == 200
    assert "59" in r.json()["answer"]


def test_validation_errors_are_clean_json(base: str) -> None:
    r = httpx.post(f"{base}/api/ask", json={"question": 1, "history": "no"})
    assert r.status_code == 422
    assert r.json()["error"] == "invalid request"
    big = httpx.post(f"{base}/api/ask", json={"question": "问" * 20000})
    assert big.status_code == 413
    long = httpx.post(f"{base}/api/ask", json={"question": "问" * 1000})
    assert long.status_code in (400, 422)
    assert "Traceback" not in long.text


def test_stream_arrives_as_server_sent_events(base: str) -> None:
    events: list[tuple[str, Any]] = []
    with httpx.stream("POST", f"{base}/api/ask/stream", json={"question": MPV}, timeout=60) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        event = ""
        for line in r.iter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                events.append((event, json.loads(line[6:])))
    kinds = [e for e, _ in events]
    assert kinds[0] == "delta" and kinds[-2:] == ["answer", "done"]
    answer = events[-2][1]
    assert "".join(d["text"] for e, d in events if e == "delta").strip() == answer["answer"].strip()
    assert answer["citations"]


def test_concurrent_clients_get_the_same_answers_as_one_client(base: str) -> None:
    questions = [
        "三奇公司的口罩日产量提高到了多少？",
        MPV,
        "夏昆山连续多少天奋战在保障生产第一线？",
    ]

    def ask(q: str) -> tuple[int, str]:
        r = httpx.post(f"{base}/api/ask", json={"question": q}, timeout=120)
        return r.status_code, r.json().get("answer", "")

    alone = {q: ask(q) for q in questions}
    with ThreadPoolExecutor(max_workers=12) as pool:
        together = list(pool.map(ask, questions * 6))
    assert together == [alone[q] for q in questions * 6]


def test_cors_and_frame_ancestors_allow_the_configured_site(base: str, host_site: HostSite) -> None:
    r = httpx.post(f"{base}/api/ask", json={"question": MPV}, headers={"Origin": host_site.origin})
    assert r.headers["access-control-allow-origin"] == host_site.origin
    evil = httpx.get(f"{base}/api/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in evil.headers
    for path in ("/embed", "/"):
        page = httpx.get(f"{base}{path}")
        assert page.status_code == 200
        assert (
            f"frame-ancestors 'self' {host_site.origin}" in page.headers["content-security-policy"]
        )


def test_openapi_spec_is_served(base: str) -> None:
    spec = httpx.get(f"{base}/openapi.json").json()
    assert "/api/ask/stream" in spec["paths"]


def test_rate_limit_over_http(settings: Settings) -> None:
    limited = settings.replace(rate_limit_per_minute=3)
    app = build_app(describe_answerer(limited, FakeAnswerer(limited)), with_chat=False)
    with running_server(app) as url:
        codes = [httpx.post(f"{url}/api/ask", json={"question": MPV}).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        r = httpx.post(f"{url}/api/ask/stream", json={"question": MPV})
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        body = r.json()
        assert body["error"] == "too many requests" and "per minute" in body["detail"]
