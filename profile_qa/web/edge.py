"""ASGI middleware at the edge: rate limits, body size limits and security headers."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

from profile_qa.web.ratelimit import RateLimiter, retry_after_header

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY_BYTES = 16 * 1024
# Health checks are polled by monitors and load balancers; they cost nothing.
_NOT_LIMITED = ("/api/health",)

ErrorBody = Callable[[int, str, str], dict[str, Any]]


def plain_error(status: int, error: str, detail: str) -> dict[str, Any]:
    """This server's own error body, as on ``/api``."""
    return {"error": error, "detail": detail}


@dataclass(frozen=True)
class Guard:
    """Limits for the paths under one prefix: the body cap and how its errors are worded."""

    max_body_bytes: int = MAX_BODY_BYTES
    error_body: ErrorBody = plain_error


def frame_ancestors(origins: Sequence[str]) -> str:
    """The CSP ``frame-ancestors`` source list: this server plus the configured sites."""
    return " ".join(["'self'", *origins])


def embed_csp(origins: Sequence[str]) -> str:
    """A strict policy for the embedded chat: own scripts and styles only, no inline code."""
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'none'; "
        f"frame-ancestors {frame_ancestors(origins)}"
    )


class EdgeMiddleware:
    """Applies limits to ``/api/*`` (and other guarded prefixes) and security headers to
    every response."""

    def __init__(
        self,
        app: ASGIApp,
        limiter: RateLimiter,
        allowed_origins: Sequence[str] = (),
        max_body_bytes: int = MAX_BODY_BYTES,
        guards: Mapping[str, Guard] | None = None,
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.max_body_bytes = max_body_bytes
        self.guards = {"/api/": Guard(max_body_bytes), **(guards or {})}
        self._default_csp = f"frame-ancestors {frame_ancestors(allowed_origins)}".encode()
        self._embed_csp = embed_csp(allowed_origins).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        send = self._with_headers(path, send)
        guard = next((g for p, g in self.guards.items() if path.startswith(p)), None)
        if guard is not None and scope.get("method") != "OPTIONS":
            if path not in _NOT_LIMITED:
                client = scope.get("client")
                wait = self.limiter.check(client[0] if client else "unknown")
                if wait:
                    seconds = retry_after_header(wait)
                    limit = self.limiter.per_minute
                    detail = f"at most {limit} requests per minute; retry after {seconds} s"
                    await _json(
                        send,
                        429,
                        guard.error_body(429, "too many requests", detail),
                        [(b"retry-after", seconds.encode())],
                    )
                    return
            if scope.get("method") in ("POST", "PUT", "PATCH"):
                body = await self._read_body(scope, receive, guard.max_body_bytes)
                if body is None:
                    limit = guard.max_body_bytes
                    await _json(
                        send,
                        413,
                        guard.error_body(
                            413, "request too large", f"the body may be at most {limit} bytes"
                        ),
                    )
                    return
                receive = _replay(body, receive)
        await self.app(scope, receive, send)

    async def _read_body(self, scope: Scope, receive: Receive, limit: int) -> bytes | None:
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    if int(value) > limit:
                        return None
                except ValueError:
                    return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    def _with_headers(self, path: str, send: Send) -> Send:
        csp = self._embed_csp if path == "/embed" else self._default_csp
        extra = [
            (b"content-security-policy", csp),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
        ]
        if path == "/widget.js":
            # Host pages with Cross-Origin-Embedder-Policy may still load the widget.
            extra.append((b"cross-origin-resource-policy", b"cross-origin"))

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in (b"content-security-policy", b"x-frame-options")
                ]
                message["headers"] = headers + extra
            await send(message)

        return wrapped


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _json(
    send: Send, status: int, content: dict[str, Any], headers: Sequence[tuple[bytes, bytes]] = ()
) -> None:
    body = json.dumps(content, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
