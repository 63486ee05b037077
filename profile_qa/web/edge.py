"""ASGI middleware at the edge: rate limits, body size limits and security headers."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

from profile_qa.web.ratelimit import RateLimiter, client_address, retry_after_header

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


def chat_csp(origins: Sequence[str], nonce: str) -> str:
    """The policy of the Gradio chat page: scripts from this server or carrying the page's
    nonce only (an injected ``<script>`` or ``onerror=`` never runs), nothing from elsewhere.

    Gradio's page has inline scripts with per-request values (so no hashes) and sets inline
    styles, hence the nonce and ``style-src 'unsafe-inline'``; its HTML component renders
    through ``new Function`` (the sources panel shows "Error rendering HTML" without
    ``'unsafe-eval'``). Injected inline scripts and event handlers stay blocked.
    """
    return (
        f"default-src 'self'; script-src 'self' 'nonce-{nonce}' 'unsafe-eval'; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
        "media-src 'self' data: blob:; connect-src 'self'; worker-src 'self' blob:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; "
        f"frame-ancestors {frame_ancestors(origins)}"
    )


_SCRIPT_TAG = re.compile(rb"<script(?=[\s>])", re.I)
_SCRIPT_END = re.compile(rb"</script", re.I)


def add_nonce(html: bytes, nonce: str) -> bytes:
    """``html`` with ``nonce`` on every ``<script>`` element (not on text inside scripts,
    such as a "<script" in Gradio's JSON config, which must never be granted a nonce)."""
    attribute = b'<script nonce="' + nonce.encode() + b'"'
    out: list[bytes] = []
    pos = 0
    while (tag := _SCRIPT_TAG.search(html, pos)) is not None:
        out += [html[pos : tag.start()], attribute]
        end = _SCRIPT_END.search(html, tag.end())
        pos = end.start() if end else len(html)
        out.append(html[tag.end() : pos])
    out.append(html[pos:])
    return b"".join(out)


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
        self._origins = tuple(allowed_origins)
        self._default_csp = f"frame-ancestors {frame_ancestors(allowed_origins)}".encode()
        self._embed_csp = embed_csp(allowed_origins).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        if path == "/" and scope.get("method") in ("GET", "HEAD"):
            send = self._chat_page(send)
        else:
            send = self._with_headers(path, send)
        guard = next((g for p, g in self.guards.items() if path.startswith(p)), None)
        if guard is not None and scope.get("method") != "OPTIONS":
            if path not in _NOT_LIMITED:
                wait = self.limiter.check(client_address(scope))
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

    def _with_headers(self, path: str, send: Send, csp: bytes | None = None) -> Send:
        csp = csp or (self._embed_csp if path == "/embed" else self._default_csp)
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

    def _chat_page(self, send: Send) -> Send:
        """Gradio's page with a fresh nonce on each of its own ``<script>`` tags."""
        nonce = secrets.token_urlsafe(18)
        out = self._with_headers("/", send, chat_csp(self._origins, nonce).encode())
        start: Message | None = None
        chunks: list[bytes] = []

        async def wrapped(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                kind = dict(message.get("headers", [])).get(b"content-type", b"")
                if kind.startswith(b"text/html"):
                    start = message  # held until the whole page is here
                    return
            if start is None or message["type"] != "http.response.body":
                await out(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = add_nonce(b"".join(chunks), nonce)
            start["headers"] = [
                *[(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"],
                (b"content-length", str(len(body)).encode()),
            ]
            await out(start)
            await out({"type": "http.response.body", "body": body})

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
