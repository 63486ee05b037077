"""How uvicorn serves the app: no proxy headers of its own, and limits for slow clients.

uvicorn closes idle keep-alive connections but has no timeout for a client that sends its
request headers or body a byte at a time; each such connection would be held for ever.
:class:`SlowClientProtocol` closes a connection whose headers are not complete within
``client_header_timeout`` seconds, or whose body is not complete within
``client_body_timeout`` seconds after the headers.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from profile_qa.settings import Settings

# Most connections waiting on slow clients that one process keeps; beyond it uvicorn
# answers 503 at once instead of queueing.
LIMIT_CONCURRENCY = 1000


class SlowClientProtocol(H11Protocol):
    """uvicorn's h11 protocol with header and body read deadlines."""

    header_timeout = 10.0
    body_timeout = 30.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._read_timer: asyncio.TimerHandle | None = None
        self._reading_body = False
        self._arm(self.header_timeout)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        state = self.conn.their_state
        if state is h11.IDLE:
            if self._read_timer is None:  # the next request on a kept-alive connection
                self._reading_body = False
                self._arm(self.header_timeout)
        elif state is h11.SEND_BODY:
            if not self._reading_body:
                self._reading_body = True
                self._arm(self.body_timeout)
        else:  # the request is complete (or the connection is closing): no deadline
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._reading_body = False  # uvicorn's keep-alive timeout covers the idle time

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._read_timer = self.loop.call_later(seconds, self._too_slow)

    def _disarm(self) -> None:
        if getattr(self, "_read_timer", None) is not None:
            self._read_timer.cancel()  # type: ignore[union-attr]
            self._read_timer = None

    def _too_slow(self) -> None:
        self._read_timer = None
        if self.conn.their_state in (h11.IDLE, h11.SEND_BODY) and not self.transport.is_closing():
            # A request cut short this way reaches the app as a disconnect.
            self.transport.close()


def protocol_for(settings: Settings) -> type[SlowClientProtocol]:
    """The protocol class with this configuration's deadlines."""
    return type(
        "ConfiguredSlowClientProtocol",
        (SlowClientProtocol,),
        {
            "header_timeout": settings.client_header_timeout,
            "body_timeout": settings.client_body_timeout,
        },
    )


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.Config`` / ``uvicorn.run`` for this app.

    Proxy headers are handled inside the app (``server.build_app``), only from
    ``trusted_proxies``; uvicorn's own handling would trust 127.0.0.1 by default.
    """
    return {
        "http": protocol_for(settings),
        "proxy_headers": False,
        "forwarded_allow_ips": "",
        "timeout_keep_alive": 5,
        "limit_concurrency": LIMIT_CONCURRENCY,
    }
