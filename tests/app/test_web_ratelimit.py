"""The token bucket: bursts up to the limit, then one request per refill interval."""

from __future__ import annotations

import pytest

from profile_qa.web.ratelimit import RateLimiter, retry_after_header


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_wait_then_refill() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=3, clock=clock)
    assert [limiter.check("1.2.3.4") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.check("1.2.3.4")
    assert wait == pytest.approx(20.0)  # 3 per minute: one token every 20 s
    clock.now += 20
    assert limiter.check("1.2.3.4") == 0.0
    assert limiter.check("1.2.3.4") > 0


def test_clients_are_limited_separately() -> None:
    limiter = RateLimiter(per_minute=1, clock=Clock())
    assert limiter.check("10.0.0.1") == 0.0
    assert limiter.check("10.0.0.1") > 0
    assert limiter.check("10.0.0.2") == 0.0


def test_zero_disables_the_limit() -> None:
    limiter = RateLimiter(per_minute=0)
    assert all(limiter.check("x") == 0.0 for _ in range(100))


def test_many_clients_do_not_grow_memory_without_bound() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=5, clock=clock, max_keys=50)
    for i in range(500):
        limiter.check(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter._buckets) <= 50


@pytest.mark.parametrize(("wait", "header"), [(0.2, "1"), (1.0, "1"), (19.01, "20")])
def test_retry_after_is_whole_seconds(wait: float, header: str) -> None:
    assert retry_after_header(wait) == header
