"""Benchmark the web server: start-up time, memory at rest, answers per second under load.

Runs ``python app.py`` as a child process on a free port (its own data dir), then:

* start-up: seconds from spawn to a healthy /api/health and a loaded chat page, for a first
  start (empty data dir: the model is unpacked and the index built), a start with the model
  cached but no index, and a warm start (everything on disk);
* memory: RSS of the server at rest after start-up, and after the load run;
* load: ``--clients`` concurrent API clients (threads) send ``--requests`` questions in total
  to /api/ask on the extractive generator, with the rate limit raised for the run
  (PROFILE_QA_RATE_LIMIT_PER_MINUTE); it reports answers/s, latency p50/p95/max and every
  status code (anything but 200 is an error, except 429s, which are counted apart).
  A second short burst with the default limit shows the deliberate 429s.

Prints figures; asserts nothing.

    .venv/bin/python benchmarks/bench_app.py
    .venv/bin/python benchmarks/bench_app.py --skip-cold --requests 200 --clients 20
"""

from __future__ import annotations

import argparse
import collections
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._app_server import AppProcess

QUESTIONS = [
    "武汉市经信局协调捐赠了多少辆MPV？",
    "三奇公司的口罩日产量从多少提高到了多少？",
    "夏昆山连续多少天奋战在保障生产第一线？",
    "依文集团新建的防护服生产线哪天正式投产？",
    "中国通服在什么时间前完成了电信大数据分析平台的施工？",
    "工信部办公厅机要督办处日均流转多少件次文电？",
    "湖北省通管局专项工作组组织召开了多少次全市通信行业视频调度会？",
    "西安天隆科技在抗疫中做了什么？",
]


def timed_start(data_dir: Path, label: str, logs: Path, **env: str) -> AppProcess:
    # The model cache is the run's own, so the first start really builds the model.
    env.setdefault("model_cache_dir", str(logs / "models"))
    app = AppProcess(data_dir, logs / f"{label}.log", **env)
    health, page = app.wait_ready()
    print(f"| {label} | {health:.1f} | {page:.1f} |")
    return app


def load(url: str, clients: int, total: int) -> dict[str, object]:
    """``clients`` threads share ``total`` requests; returns codes, latencies, wall time."""
    codes: collections.Counter[int | str] = collections.Counter()
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(total))

    def worker() -> None:
        with httpx.Client(timeout=120) as client:
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                started = time.perf_counter()
                try:
                    r = client.post(
                        f"{url}/api/ask", json={"question": QUESTIONS[i % len(QUESTIONS)]}
                    )
                    code: int | str = r.status_code
                except httpx.HTTPError as exc:
                    code = type(exc).__name__
                elapsed = time.perf_counter() - started
                with lock:
                    codes[code] += 1
                    if code == 200:
                        latencies.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"codes": codes, "latencies": latencies, "wall": time.perf_counter() - started}


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--skip-cold", action="store_true", help="only the warm start")
    parser.add_argument("--data-dir", type=Path, help="reuse this data dir (default: fresh)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-app-"))
    data_dir = args.data_dir or work / "data"
    print(
        f"# bench_app — {platform.node()}, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}; logs in {work}\n"
    )
    print("| start | /api/health ready (s) | chat page ready (s) |")
    print("|---|---|---|")
    if not args.skip_cold:
        timed_start(data_dir, "first start (nothing cached)", work).stop()
        shutil.rmtree(data_dir / "index", ignore_errors=True)
        timed_start(data_dir, "model cached, index missing", work).stop()
    elif not (data_dir / "index").exists():
        timed_start(data_dir, "first start (nothing cached)", work).stop()

    app = timed_start(data_dir, "warm", work, rate_limit_per_minute="1000000")
    try:
        time.sleep(3)
        rest = app.rss_mb()
        with httpx.Client(timeout=60) as c:
            single = []
            for q in QUESTIONS * 2:
                t = time.perf_counter()
                c.post(f"{app.url}/api/ask", json={"question": q}).raise_for_status()
                single.append(time.perf_counter() - t)
        result = load(app.url, args.clients, args.requests)
        after = app.rss_mb()
    finally:
        app.stop()

    codes = result["codes"]
    lat = result["latencies"]
    ok = codes.get(200, 0)
    errors = sum(n for code, n in codes.items() if code not in (200, 429))
    print(f"\nRSS at rest after start-up: {rest:.0f} MiB; after the load run: {after:.0f} MiB")
    print(
        f"Sequential /api/ask latency: p50 {statistics.median(single) * 1000:.0f} ms, "
        f"max {max(single) * 1000:.0f} ms ({len(single)} requests)"
    )
    print(f"\nLoad: {args.clients} clients, {args.requests} requests, extractive generator")
    print(f"  answers/s: {ok / result['wall']:.1f} ({ok} answers in {result['wall']:.1f} s)")
    print(
        f"  latency p50 {pct(lat, 0.5) * 1000:.0f} ms, p95 {pct(lat, 0.95) * 1000:.0f} ms, "
        f"max {max(lat, default=float('nan')) * 1000:.0f} ms"
    )
    print(f"  status codes: {dict(codes)}; errors (not 200/429): {errors}")

    # The default limit, to show that the limiter answers 429 rather than failing.
    limited = AppProcess(data_dir, work / "limited.log", model_cache_dir=str(work / "models"))
    try:
        limited.wait_ready()
        burst = load(limited.url, 5, 60)
    finally:
        limited.stop()
    print(f"\nBurst of 60 requests at the default rate limit: {dict(burst['codes'])}")


if __name__ == "__main__":
    main()
