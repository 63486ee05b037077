"""Per-client token buckets: a burst up to the per-minute limit, refilled evenly.

The buckets live in the process: with several server processes each one limits on its own
(a client gets up to N x the limit). Put the limit in the reverse proxy for a shared one.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Allows ``per_minute`` requests per key, refilled continuously (thread-safe).

    ``check(key)`` returns 0.0 when the request may go ahead, otherwise the seconds to wait.
    """

    def __init__(
        self,
        per_minute: int,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        self.per_minute = per_minute
        self._rate = per_minute / 60.0  # tokens per second
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """False when ``per_minute`` is 0 or less: every request goes ahead."""
        return self.per_minute > 0

    def check(self, key: str) -> float:
        """Take one token for ``key``; 0.0 if allowed, else seconds until one is available."""
        if not self.enabled:
            return 0.0
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= self._max_keys:
                    self._prune(now)
                bucket = self._buckets[key] = _Bucket(float(self.per_minute), now)
            else:
                elapsed = max(0.0, now - bucket.updated)
                bucket.tokens = min(float(self.per_minute), bucket.tokens + elapsed * self._rate)
                bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self._rate

    def _prune(self, now: float) -> None:
        # Buckets that have refilled completely carry no state worth keeping.
        full = [
            k
            for k, b in self._buckets.items()
            if b.tokens + (now - b.updated) * self._rate >= self.per_minute
        ]
        for k in full:
            del self._buckets[k]
        if len(self._buckets) >= self._max_keys:  # under attack from many keys: start afresh
            self._buckets.clear()


def client_address(scope: Mapping[str, Any]) -> str:
    """The real client's address for an ASGI scope: the one function every limit uses.

    ``scope["client"]`` is the TCP peer, replaced by the X-Forwarded-For address only by
    the proxy-header middleware (``server.build_app``), which believes the header only
    from ``settings.trusted_proxies``. So a spoofed header from anyone else changes nothing.
    """
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def retry_after_header(wait_seconds: float) -> str:
    """Whole seconds for a ``Retry-After`` header (at least 1)."""
    return str(max(1, math.ceil(wait_seconds)))
