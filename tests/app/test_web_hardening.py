"""What a black-box probe of the server found, kept as regression tests (real HTTP on
127.0.0.1, the fake-embedder index, a fake OpenAI-compatible endpoint).

- no upstream error text (keys, host names) reaches a visitor, in any channel;
- hanging model requests hold no thread: extractive answers and /api/health stay fast;
- X-Forwarded-For is believed only from trusted proxies, so the rate limit holds;
- clients that send their request slowly are disconnected.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
import statistics
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from embeddings.fake import HashingEmbedder
from profile_qa.settings import Settings
from profile_qa.web import load_service
from profile_qa.web.server import build_app
from profile_qa.web.service import ChatService
from profile_qa.web.ui import chat_turn
from tests.app.support import running_server
from tests.qa.fake_openai import FakeOpenAI

MPV = "武汉市经信局协调捐赠了多少辆MPV？"
KEY = "sk-proj-9d8c7b6a5f4e3d2c1b0a99887766554433"
UNAVAILABLE = "语言模型暂时不可用，以下为摘录式回答"
EXTRACTIVE_QUESTIONS = [
    MPV,
    "三奇公司的口罩日产量提高到了多少？",
    "夏昆山连续多少天奋战在保障生产第一线？",
    "三奇公司防护服日产量是多少？",
]


@pytest.fixture
def fake_llm() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def llm_service(settings: Settings, server: FakeOpenAI, model: str, **changes: Any) -> ChatService:
    """The production service on the seed corpus (fake embedder) with the LLM configured."""
    configured = settings.replace(
        llm_base_url=server.base_url, llm_model=model, rate_limit_per_minute=1000, **changes
    )
    return load_service(configured, embedder=HashingEmbedder())


def sse_events(text: str) -> list[tuple[str, Any]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_a_key_echoed_by_the_endpoint_never_reaches_a_visitor(
    settings: Settings, fake_llm: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    service = llm_service(
        settings.replace(answer_threshold=0.0),  # fake embedder: no trained threshold
        fake_llm,
        "fake-echo-key",
        generator="llm",
        llm_api_key=KEY,
        llm_timeout=5.0,
    )
    shown: list[str] = []
    with caplog.at_level(logging.WARNING), running_server(build_app(service, False)) as url:
        api = httpx.post(f"{url}/api/ask", json={"question": MPV}, timeout=30).json()
        assert api["note"] == UNAVAILABLE and "50" in api["answer"]
        shown.append(json.dumps(api, ensure_ascii=False))
        sse = httpx.post(f"{url}/api/ask/stream", json={"question": MPV}, timeout=30)
        events = sse_events(sse.text)
        assert events[-2][0] == "answer" and events[-2][1]["note"] == UNAVAILABLE
        shown.append(sse.text)
        v1 = httpx.post(
            f"{url}/v1/chat/completions",
            json={"model": "profile-qa", "messages": [{"role": "user", "content": MPV}]},
            timeout=30,
        )
        assert v1.status_code == 200 and UNAVAILABLE in v1.text
        shown.append(v1.text)
    # The chat's handler, as Gradio runs it: the note is in the HTML of the answer.

    async def chat() -> list[Any]:
        return [step async for step in chat_turn(service, MPV, [], "127.0.0.1")]

    *_, (_, messages, panel, _) = asyncio.run(chat())
    assert UNAVAILABLE in messages[-1]["content"]
    shown.extend([messages[-1]["content"], panel or ""])
    for text in shown:
        assert KEY not in text and "sk-" not in text and "corp.internal" not in text
        assert "Incorrect API key" not in text
    # The operator still learns what happened, with the key masked.
    assert "Incorrect API key provided: ***" in caplog.text and KEY not in caplog.text


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


@pytest.mark.slow
def test_hanging_llm_requests_do_not_stall_extractive_answers_or_health(
    settings: Settings, fake_llm: FakeOpenAI
) -> None:
    hung_count, quick_count, timeout = 50, 20, 60.0
    service = llm_service(settings, fake_llm, "fake-hang", llm_timeout=timeout)
    with running_server(build_app(service, False)) as url:

        async def scenario() -> dict[str, Any]:
            limits = httpx.Limits(max_connections=200, max_keepalive_connections=0)
            async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:

                async def hung(i: int) -> int:
                    # The three ways to ask a model: /api/ask, its SSE stream, and /v1.
                    question = f"{MPV} ({i})"
                    if i % 3 == 2:
                        messages = [{"role": "user", "content": question}]
                        v1 = {"model": "profile-qa-llm", "messages": messages, "stream": i % 2}
                        return (await client.post("/v1/chat/completions", json=v1)).status_code
                    body = {"question": question, "options": {"generator": "llm"}}
                    path = "/api/ask/stream" if i % 3 else "/api/ask"
                    return (await client.post(path, json=body)).status_code

                started = time.monotonic()
                hung_tasks = [asyncio.create_task(hung(i)) for i in range(hung_count)]
                while fake_llm.hanging < hung_count and time.monotonic() - started < 60:
                    await asyncio.sleep(0.05)
                waiting_upstream = fake_llm.hanging

                async def timed(method: str, path: str, **kw: Any) -> tuple[int, float]:
                    t = time.perf_counter()
                    r = await client.request(method, path, **kw)
                    return r.status_code, time.perf_counter() - t

                quick, health = [], []
                for i in range(quick_count):
                    q = EXTRACTIVE_QUESTIONS[i % len(EXTRACTIVE_QUESTIONS)]
                    quick.append(await timed("POST", "/api/ask", json={"question": q}))
                    health.append(await timed("GET", "/api/health"))
                still_hung = sum(not t.done() for t in hung_tasks)
                # The clients leave: their upstream requests must be cancelled too.
                for t in hung_tasks:
                    t.cancel()
                await asyncio.gather(*hung_tasks, return_exceptions=True)
                left = time.monotonic()
                while fake_llm.held and time.monotonic() - left < 10:
                    await asyncio.sleep(0.05)
                return {
                    "waiting_upstream": waiting_upstream,
                    "quick": quick,
                    "health": health,
                    "still_hung": still_hung,
                    "held_after_leaving": fake_llm.held,
                    "cancel_seconds": time.monotonic() - left,
                }

        result = asyncio.run(scenario())
    quick_s = [s for _, s in result["quick"]]
    health_s = [s for _, s in result["health"]]
    print(
        f"\n{result['waiting_upstream']} LLM questions hung upstream; {quick_count} extractive "
        f"answers p95 {_p95(quick_s) * 1000:.0f} ms (max {max(quick_s) * 1000:.0f} ms); "
        f"/api/health p95 {_p95(health_s) * 1000:.1f} ms (max {max(health_s) * 1000:.1f} ms); "
        f"upstream requests closed {result['cancel_seconds']:.2f} s after the clients left"
    )
    assert result["waiting_upstream"] == hung_count  # every hung question reached the model
    assert [code for code, _ in result["quick"]] == [200] * quick_count
    assert [code for code, _ in result["health"]] == [200] * quick_count
    assert result["still_hung"] == hung_count  # all answered while every LLM request hung
    assert result["held_after_leaving"] == 0  # leaving cancelled the upstream requests


def _limited_app(settings: Settings, per_minute: int = 3, **changes: Any) -> Any:
    from profile_qa.web import describe_answerer
    from tests.app.fakes import FakeAnswerer

    configured = settings.replace(rate_limit_per_minute=per_minute, **changes)
    return build_app(describe_answerer(configured, FakeAnswerer(configured)), with_chat=False)


def _codes(url: str, forwarded: list[str]) -> list[int]:
    return [
        httpx.post(
            f"{url}/api/ask", json={"question": MPV}, headers={"X-Forwarded-For": ip}
        ).status_code
        for ip in forwarded
    ]


def test_a_spoofed_forwarded_for_from_an_untrusted_peer_changes_nothing(
    settings: Settings,
) -> None:
    with running_server(_limited_app(settings)) as url:
        codes = _codes(url, [f"203.0.113.{i}" for i in range(6)])
    assert codes == [200, 200, 200, 429, 429, 429]


def test_a_trusted_proxy_is_believed_and_limits_each_real_client(settings: Settings) -> None:
    with running_server(_limited_app(settings, trusted_proxies=("127.0.0.1",))) as url:
        distinct = _codes(url, [f"203.0.113.{i}" for i in range(6)])
        same = _codes(url, ["198.51.100.7"] * 4)
    assert distinct == [200] * 6
    assert same == [200, 200, 200, 429]


def _raw(port: int, data: bytes) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(data)
    return s


@pytest.mark.slow
def test_slow_clients_are_disconnected(settings: Settings) -> None:
    app = _limited_app(
        settings, per_minute=1000, client_header_timeout=1.0, client_body_timeout=1.0
    )
    with running_server(app) as url:
        port = int(url.rsplit(":", 1)[1])
        slow_headers = [_raw(port, b"POST /api/ask HTTP/1.1\r\nHost: x\r\n") for _ in range(30)]
        slow_body = [
            _raw(
                port,
                b"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b'Content-Length: 200\r\n\r\n{"question":',
            )
            for _ in range(10)
        ]
        silent = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(10)]
        started = time.monotonic()
        assert httpx.get(f"{url}/api/health").status_code == 200
        closed = []
        for s in slow_headers + slow_body + silent:
            try:
                closed.append(s.recv(1024) == b"")
            except TimeoutError:  # still held after 5 s
                closed.append(False)
            except OSError:  # reset by the server
                closed.append(True)
            finally:
                s.close()
        elapsed = time.monotonic() - started
        assert httpx.get(f"{url}/api/health").status_code == 200
    print(f"\n{len(closed)} slow connections closed by the server within {elapsed:.1f} s")
    assert all(closed), [i for i, c in enumerate(closed) if not c]


def test_the_chat_page_runs_only_its_own_scripts(settings: Settings) -> None:
    from profile_qa.web import describe_answerer
    from tests.app.fakes import FakeAnswerer

    app = build_app(describe_answerer(settings, FakeAnswerer(settings)))  # with Gradio
    with running_server(app) as url:
        pages = [httpx.get(f"{url}/") for _ in range(2)]
    policies = [p.headers["content-security-policy"] for p in pages]
    nonces = [re.search(r"'nonce-([^']+)'", csp).group(1) for csp in policies]  # type: ignore[union-attr]
    assert nonces[0] != nonces[1]  # fresh for every page
    for page, csp, nonce in zip(pages, policies, nonces, strict=True):
        script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
        assert "'unsafe-inline'" not in script_src and "*" not in script_src
        assert "object-src 'none'" in csp and "frame-ancestors 'self'" in csp
        tags = re.findall(r"<script\b[^>]*>", page.text)
        assert tags and all(f'nonce="{nonce}"' in t for t in tags)
        assert int(page.headers["content-length"]) == len(page.content)
