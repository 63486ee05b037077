"""A small OpenAI-compatible chat server for tests: real HTTP on 127.0.0.1, real SSE.

The model name picks the behaviour, so one server serves every case:

- ``fake-ok``: answers from passage [1] of the request and cites it;
- ``fake-cite9``: cites [1] and a passage [9] that does not exist;
- ``fake-only9``: cites only [9];
- ``fake-refuse``: the agreed refusal;
- ``fake-500``: HTTP 500 with an OpenAI-style error body;
- ``fake-slow``: sleeps ``slow_seconds`` before answering (beyond a test's timeout);
- ``fake-midstream``: streams two chunks, then drops the connection;
- ``fake-rewrite``: for follow-up rewrites, answers with ``rewrite_reply``;
- ``fake-echo-key``: HTTP 401 echoing the Authorization header and an internal host name,
  as many proxies do;
- ``fake-hang``: accepts the request and never answers (until the server stops).

Every request body is kept in ``server.requests`` so tests can check the prompt.

Usage::

    with FakeOpenAI() as server:
        settings = settings.replace(llm_base_url=server.base_url, llm_model="fake-ok")
"""

from __future__ import annotations

import json
import re
import select
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def _reply_for(model: str, body: dict[str, Any], server: FakeOpenAI) -> str:
    messages = body.get("messages", [])
    system = next((m["content"] for m in messages if m.get("role") == "system"), "")
    user = next((m["content"] for m in reversed(messages) if m.get("role") == "user"), "")
    if "改写" in system:
        return server.rewrite_reply
    if model == "fake-refuse":
        return "资料中没有找到相关信息"
    first = re.search(r"\[1\][^\n]*\n([^\n]+)", user)
    quote = first.group(1).split("。")[0][:40] if first else "资料"
    if model == "fake-cite9":
        return f"根据资料，{quote}[1]。另见[9]。"
    if model == "fake-only9":
        return f"根据资料，{quote}[9]。"
    return server.answer_reply or f"根据资料，{quote}[1]。"


def _chunk(model: str, content: str | None, finish: str | None = None) -> bytes:
    delta = {} if content is None else {"content": content}
    payload = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        return

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        owner = self.server.owner
        owner.requests.append(body)
        if not self.path.endswith("/chat/completions"):
            self._json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
            return
        model = str(body.get("model", "fake-ok"))
        if model == "fake-500":
            self._json(500, {"error": {"message": "boom", "type": "server_error"}})
            return
        if model == "fake-echo-key":
            key = str(self.headers.get("Authorization", "")).removeprefix("Bearer ")
            message = f"Incorrect API key provided: {key} (upstream llm-gw.corp.internal:8443)"
            self._json(401, {"error": {"message": message, "type": "invalid_request_error"}})
            return
        if model == "fake-hang":
            self._hang(owner)
            return
        if model == "fake-slow":
            time.sleep(owner.slow_seconds)
        reply = _reply_for(model, body, owner)
        if body.get("stream"):
            self._stream(model, reply)
        else:
            self._json(
                200,
                {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion",
                    "created": 0,
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": reply},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                },
            )

    def _hang(self, owner: FakeOpenAI) -> None:
        with owner.lock:
            owner.hanging += 1
            owner.held += 1
        try:
            # Hold the request until the server stops or the client goes away (a cancelled
            # upstream request closes its connection).
            while not owner.stopped.is_set():
                # Blocks without the GIL; wakes when the client sends or closes.
                ready, _, _ = select.select([self.connection], [], [], 0.5)
                if ready and not self.connection.recv(1, socket.MSG_PEEK):
                    return
        finally:
            with owner.lock:
                owner.held -= 1

    def _json(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _stream(self, model: str, reply: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        pieces = [reply[i : i + 4] for i in range(0, len(reply), 4)]
        if model == "fake-midstream":
            for piece in pieces[:2]:
                self._write_chunk(_chunk(model, piece))
            # Drop the connection without the terminating chunk: a broken stream.
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self._write_chunk(_chunk(model, ""))
        for piece in pieces:
            self._write_chunk(_chunk(model, piece))
            time.sleep(0.001)
        self._write_chunk(_chunk(model, None, "stop"))
        self._write_chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the hang tests open many connections at once
    owner: FakeOpenAI


class FakeOpenAI:
    """Starts on a free port of 127.0.0.1 in a daemon thread; use as a context manager."""

    def __init__(self, slow_seconds: float = 3.0) -> None:
        self.slow_seconds = slow_seconds
        self.requests: list[dict[str, Any]] = []
        self.rewrite_reply = ""
        self.answer_reply = ""
        self.hanging = 0  # requests fake-hang received so far
        self.held = 0  # fake-hang requests whose client is still connected
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> FakeOpenAI:
        """Serve in the background."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        self.stopped.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
