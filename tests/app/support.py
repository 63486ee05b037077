"""Helpers for the web tests and the screenshot script: servers, a host site, Chromium."""

from __future__ import annotations

import contextlib
import http.server
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def free_port() -> int:
    """A port nothing listens on right now (127.0.0.1)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_server(app: Any, port: int | None = None) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a background thread, as ``profile-qa serve`` does
    (the app's settings decide proxies and slow-client timeouts); yields its base URL."""
    import uvicorn

    from profile_qa.web.serving import uvicorn_options

    port = port or free_port()
    options = uvicorn_options(app.state.service.settings)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", **options
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
    "--no-first-run",
    "--disable-sync",
]


class HostSite:
    """A stand-in for the ministry's site: pages served from another localhost port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.pages: dict[str, bytes] = {}
        pages = self.pages

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path.split("?")[0])
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body or b"not found")

            def log_message(self, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def host_page(server_url: str, attributes: str = "") -> bytes:
    """A news page with the one-line embed snippet and CSS that would break a naive widget."""
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>工业和信息化部 · 新闻动态</title>
<style>
body {{ font-family: serif; margin: 0; background: #f3f3f3; }}
header {{ background: #1d4e89; color: #fff; padding: 20px 40px; font-size: 24px; }}
main {{ padding: 30px 40px; max-width: 760px; line-height: 1.8; }}
button {{ all: unset; background: red; }} iframe {{ border: 10px solid lime; }}
div {{ color: green !important; font-size: 40px !important; }}
</style></head>
<body><header>工业和信息化部 · 新闻动态</header>
<main><h2>鲜花和掌声献给抗击新冠肺炎疫情的工信先锋</h2>
<p>工业和信息化部授予武汉市经济和信息化局新冠肺炎疫情防控专班等100个集体“工业和信息化系统抗击新冠肺炎疫情先进集体”称号、授予张喆等300名同志“工业和信息化系统抗击新冠肺炎疫情先进个人”称号。</p>
</main>
<script src="{server_url}/widget.js" {attributes} async></script>
</body></html>""".encode()


class Watched:
    """A page plus what it did that a user would never want: dialogs, foreign requests,
    and scripts or styles the page's Content-Security-Policy had to block."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.foreign: list[str] = []
        self.blocked: list[str] = []
        page.on("dialog", self._dialog)
        page.on("request", self._request)
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.blocked.append(message.text)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _request(self, request: Any) -> None:
        if not request.url.startswith(("http://127.0.0.1:", "data:", "blob:", "about:")):
            self.foreign.append(request.url)


# True once the chat shows ``question`` as its last user message and an answer to it that is
# no longer the pending "…" (Gradio re-renders the whole message list on every update).
_CHAT_SETTLED = """question => {
  const users = document.querySelectorAll("#pq-chat [data-testid='user']");
  const bots = document.querySelectorAll("#pq-chat [data-testid='bot']");
  if (!users.length || users.length !== bots.length) return false;
  const last = users[users.length - 1].textContent || "";
  return last.includes(question.trim()) && !(bots[bots.length - 1].textContent || "").includes("…");
}"""


def ask_in_chat(page: Any, question: str, timeout_ms: float) -> None:
    """Type ``question`` into the Gradio chat page, send it and wait for its whole answer.

    Gradio ignores a send while the previous answer is still pending (trigger_mode "once"),
    and on a loaded machine a send can be lost; so a question that has not shown up is sent
    again rather than waited on for the whole timeout.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        page.locator("#pq-input textarea").fill(question)
        page.locator("#pq-send").click()
        left_ms = (deadline - time.monotonic()) * 1000
        try:
            page.wait_for_function(
                _CHAT_SETTLED, arg=question, timeout=max(1.0, min(left_ms, 20_000))
            )
            return
        except PlaywrightTimeout:
            if time.monotonic() >= deadline:
                raise
