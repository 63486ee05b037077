"""Benchmark the OpenAI-compatible /v1 against /api/ask on the same server and questions.

Starts ``python app.py`` on a free port (``--data-dir``, default a temporary one: the model is
unpacked and the index built first) or uses ``--url`` of a running server, then asks every
question ``--rounds`` times, one at a time, through:

* ``POST /api/ask`` (httpx),
* ``/v1/chat/completions`` with the ``openai`` SDK, plain,
* the same streamed: time to the first content chunk and to ``[DONE]``.

Prints latency p50/p95 per path (ms, client side); asserts nothing. The difference between the
first two is what the OpenAI dialect costs (request mapping, sources list, token counts).

    .venv/bin/python benchmarks/bench_v1.py --data-dir .profile-qa
    .venv/bin/python benchmarks/bench_v1.py --url http://127.0.0.1:7860 --rounds 10
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._app_server import AppProcess
from benchmarks.bench_app import QUESTIONS


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(url: str, rounds: int) -> dict[str, list[float]]:
    from openai import OpenAI

    sdk = OpenAI(base_url=f"{url}/v1", api_key="x", max_retries=0, timeout=120)
    times: dict[str, list[float]] = {
        "/api/ask": [],
        "/v1 plain": [],
        "/v1 stream, first content": [],
        "/v1 stream, done": [],
    }
    with httpx.Client(timeout=120) as http:
        for q in QUESTIONS:  # warm-up: first answers load lazy parts
            http.post(f"{url}/api/ask", json={"question": q}).raise_for_status()
        for _ in range(rounds):
            for q in QUESTIONS:
                messages = [{"role": "user", "content": q}]
                t = time.perf_counter()
                http.post(f"{url}/api/ask", json={"question": q}).raise_for_status()
                times["/api/ask"].append(time.perf_counter() - t)
                t = time.perf_counter()
                sdk.chat.completions.create(model="profile-qa", messages=messages)
                times["/v1 plain"].append(time.perf_counter() - t)
                t = time.perf_counter()
                first = None
                stream = sdk.chat.completions.create(
                    model="profile-qa", messages=messages, stream=True
                )
                for chunk in stream:
                    if first is None and chunk.choices and chunk.choices[0].delta.content:
                        first = time.perf_counter() - t
                times["/v1 stream, done"].append(time.perf_counter() - t)
                times["/v1 stream, first content"].append(first or float("nan"))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="a running server (default: start app.py)")
    parser.add_argument("--data-dir", type=Path, help="data dir for the started server")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} at start")
    app = None
    if args.url:
        url = args.url.rstrip("/")
    else:
        data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="bench-v1-"))
        log = Path(tempfile.mkdtemp(prefix="bench-v1-log-")) / "app.log"
        app = AppProcess(data_dir.resolve(), log, rate_limit_per_minute="100000")
        app.wait_ready()
        url = app.url
    try:
        times = measure(url, args.rounds)
    finally:
        if app is not None:
            app.stop()
    n = len(times["/api/ask"])
    print(f"{n} requests per path ({len(QUESTIONS)} questions x {args.rounds} rounds), serial\n")
    print("| path | p50 ms | p95 ms | mean ms |")
    print("|---|---|---|---|")
    for label, values in times.items():
        ms = [v * 1000 for v in values]
        print(f"| {label} | {pct(ms, 0.5):.1f} | {pct(ms, 0.95):.1f} | {statistics.mean(ms):.1f} |")
    print(f"\n(load average at the end {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
