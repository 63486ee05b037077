"""Benchmark the server while a language model hangs: do extractive answers and /api/health
stay fast?

Starts a fake OpenAI-compatible endpoint whose model ``fake-hang`` accepts requests and
never answers (tests/qa/fake_openai.py, in its own process so its threads do not share the
server's GIL), and ``python app.py`` as a child process with that endpoint configured. Then:

1. ``--hung`` clients ask with ``options.generator = "llm"`` (half /api/ask, half the SSE
   stream) and are left hanging upstream;
2. meanwhile ``--quick`` extractive questions are asked one after another, each followed by
   a GET /api/health, and their latencies are recorded;
3. the hung clients disconnect; the time until the endpoint sees every upstream request
   closed is measured.

Prints figures; asserts nothing. Only 127.0.0.1 is used.

    .venv/bin/python benchmarks/bench_hang.py
    .venv/bin/python benchmarks/bench_hang.py --hung 200 --quick 50
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._app_server import AppProcess

QUESTIONS = [
    "武汉市经信局协调捐赠了多少辆MPV？",
    "三奇公司的口罩日产量从多少提高到了多少？",
    "夏昆山连续多少天奋战在保障生产第一线？",
    "依文集团新建的防护服生产线哪天正式投产？",
]


def _serve_fake(port_out: Any, stats: Any, stop: Any) -> None:
    from tests.qa.fake_openai import FakeOpenAI

    with FakeOpenAI() as fake:
        port_out.put(fake.base_url)
        while not stop.is_set():
            stats["hanging"], stats["held"] = fake.hanging, fake.held
            time.sleep(0.02)


def _pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


async def scenario(url: str, stats: Any, hung_count: int, quick_count: int) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=hung_count + 20, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=url, timeout=600, limits=limits) as client:

        async def hung(i: int) -> None:
            body = {"question": f"{QUESTIONS[i % 4]}（{i}）", "options": {"generator": "llm"}}
            await client.post("/api/ask/stream" if i % 2 else "/api/ask", json=body)

        tasks = [asyncio.create_task(hung(i)) for i in range(hung_count)]
        started = time.monotonic()
        while stats.get("hanging", 0) < hung_count and time.monotonic() - started < 120:
            await asyncio.sleep(0.05)
        reached = stats.get("hanging", 0)
        quick: list[float] = []
        health: list[float] = []
        codes: list[int] = []
        for i in range(quick_count):
            t = time.perf_counter()
            r = await client.post("/api/ask", json={"question": QUESTIONS[i % 4]})
            quick.append(time.perf_counter() - t)
            codes.append(r.status_code)
            t = time.perf_counter()
            r = await client.get("/api/health")
            health.append(time.perf_counter() - t)
            codes.append(r.status_code)
        still_hung = sum(not t.done() for t in tasks)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        left = time.monotonic()
        while stats.get("held", 0) and time.monotonic() - left < 60:
            await asyncio.sleep(0.02)
        return {
            "reached": reached,
            "still_hung": still_hung,
            "quick": quick,
            "health": health,
            "codes": codes,
            "held": stats.get("held", 0),
            "cancel_s": time.monotonic() - left,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hung", type=int, default=50, help="LLM questions left hanging")
    parser.add_argument("--quick", type=int, default=20, help="extractive questions meanwhile")
    args = parser.parse_args()

    ctx = multiprocessing.get_context("spawn")
    manager = ctx.Manager()
    stats, stop, port_out = manager.dict(), manager.Event(), manager.Queue()
    fake = ctx.Process(target=_serve_fake, args=(port_out, stats, stop), daemon=True)
    fake.start()
    base_url = port_out.get(timeout=60)
    with tempfile.TemporaryDirectory() as tmp:
        app = AppProcess(
            Path(tmp) / "data",
            Path(tmp) / "app.log",
            llm_base_url=base_url,
            llm_model="fake-hang",
            llm_timeout="300",
            rate_limit_per_minute="100000",
        )
        try:
            app.wait_ready()
            result = asyncio.run(scenario(app.url, stats, args.hung, args.quick))
        finally:
            app.stop()
            stop.set()
            fake.join(timeout=10)
    quick, health = result["quick"], result["health"]
    bad = [c for c in result["codes"] if c != 200]
    print(f"hung LLM questions reaching the endpoint: {result['reached']} of {args.hung}")
    print(f"still hung after the quick questions:     {result['still_hung']} of {args.hung}")
    print(
        f"{len(quick)} extractive answers: p50 {_pct(quick, 50) * 1000:.0f} ms, "
        f"p95 {_pct(quick, 95) * 1000:.0f} ms, max {max(quick) * 1000:.0f} ms"
    )
    print(
        f"{len(health)} /api/health: p50 {_pct(health, 50) * 1000:.1f} ms, "
        f"p95 {_pct(health, 95) * 1000:.1f} ms, max {max(health) * 1000:.1f} ms"
    )
    print(f"non-200 answers: {len(bad)} {sorted(set(bad))}")
    print(
        f"upstream requests still open after the clients left: {result['held']} "
        f"(closed within {result['cancel_s']:.2f} s)"
    )


if __name__ == "__main__":
    main()
