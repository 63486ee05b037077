"""The probe's browser findings as regression tests, in headless Chromium: markup planted in
articles and typed into questions is shown as text and runs nowhere (chat page and widget),
and an endpoint echoing its API key shows nothing of it in the widget.

The answerer is the fast fake (tests/app/fakes.py) or the fake-embedder index, so these
tests need no real model; they still drive a real server and a real browser.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from embeddings.fake import HashingEmbedder
from profile_qa.settings import Settings
from profile_qa.web import describe_answerer, load_service
from profile_qa.web.server import build_app
from tests.app.fakes import FakeAnswerer
from tests.app.support import HostSite, Watched, ask_in_chat, host_page, running_server
from tests.app.test_web_browser import WAIT_MS
from tests.conftest import SEED_ARTICLES
from tests.qa.fake_openai import FakeOpenAI

pytestmark = [pytest.mark.slow, pytest.mark.browser]

# Each marks itself on the page (window.__pwned, a dialog, or an element) if it ever runs.
PAYLOADS = [
    "<script>window.__pwned=1;alert('s')</script>",
    "<img src=x onerror=\"window.__pwned=1;alert('i')\">",
    '<svg onload="window.__pwned=1"></svg>',
    '<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>',
    '<a href="javascript:window.__pwned=1">点我</a>',
    '"><script>window.__pwned=1</script>',
    "</textarea><script>window.__pwned=1</script>",
    '<details open ontoggle="window.__pwned=1">',
    '<math><mtext><table><mglyph><style><img src=x onerror="window.__pwned=1">',
    '[1](javascript:window.__pwned=1) ![x](x" onerror="window.__pwned=1)',
    "{{constructor.constructor('window.__pwned=1')()}}",
    "<style>@import 'http://evil.example/x.css';</style>",
]
TOPIC = "秦岭口罩厂日夜赶工生产防护口罩"
ARTICLE = "\n\n".join(
    [
        f"{TOPIC}的报道",
        "——记秦岭口罩厂",
        *(f"{TOPIC}，第{i}批。{p}" for i, p in enumerate(PAYLOADS)),
    ]
)
QUESTION = f'{TOPIC}多少批？<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>'


@pytest.fixture(scope="module")
def xss_server(tmp_path_factory: pytest.TempPathFactory, host_site: HostSite) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("xss") / "articles"
    shutil.copytree(SEED_ARTICLES, folder)
    (folder / "900_xss.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "<img src=x onerror=alert(9)>.txt").write_text(ARTICLE, encoding="utf-8")
    settings = Settings(
        articles_dir=folder,
        data_dir=tmp_path_factory.mktemp("xss-data"),
        allowed_origins=(host_site.origin,),
        rate_limit_per_minute=1000,
    )
    app = build_app(describe_answerer(settings, FakeAnswerer(settings)))
    with running_server(app) as url:
        yield url


def _nothing_ran(watched: Watched) -> None:
    page = watched.page
    assert page.evaluate("() => window.__pwned === undefined")
    assert watched.dialogs == []
    assert watched.foreign == []


def test_markup_in_articles_and_questions_runs_nowhere_in_the_chat(
    watched: Watched, xss_server: str
) -> None:
    from playwright.sync_api import expect

    page = watched.page
    page.goto(f"{xss_server}/")
    box = page.locator("#pq-input textarea")
    expect(box).to_be_visible(timeout=WAIT_MS)
    for question in (*PAYLOADS[:4], QUESTION):  # the last one cites the planted article
        ask_in_chat(page, question, WAIT_MS)
    expect(page.locator("#pq-sources")).to_contain_text("<script>", timeout=WAIT_MS)
    page.wait_for_timeout(1000)
    assert page.locator("#pq-chat img[src='x'], #pq-sources img, #pq-sources svg").count() == 0
    _nothing_ran(watched)
    assert watched.blocked == []  # nothing needed blocking: the markup never became code


def test_markup_in_articles_and_questions_runs_nowhere_in_the_widget(
    watched: Watched, xss_server: str, host_site: HostSite
) -> None:
    from playwright.sync_api import expect

    host_site.pages["/xss.html"] = host_page(xss_server)
    page = watched.page
    page.goto(f"{host_site.origin}/xss.html")
    page.locator("[data-profile-qa-widget] .pq-btn").click()
    frame = page.frame_locator("[data-profile-qa-widget] iframe")
    for n, question in enumerate((QUESTION, *PAYLOADS[4:8]), start=1):
        frame.locator("#pq-q").fill(question)
        frame.locator("#pq-send").click()
        expect(frame.locator(".pq-user").nth(n - 1)).to_have_text(question)
        expect(frame.locator(".pq-bot").nth(n).locator(".pq-rate, .pq-error")).to_have_count(
            1, timeout=WAIT_MS
        )
    expect(frame.locator("#pq-log")).to_contain_text("<script>")
    assert frame.locator("#pq-log img, #pq-log script, #pq-log svg, #pq-log iframe").count() == 0
    _nothing_ran(watched)
    assert page.frames[-1].evaluate("() => window.__pwned === undefined")


def test_the_widget_shows_no_key_when_the_llm_endpoint_echoes_it(
    watched: Watched, host_site: HostSite, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    key = "sk-proj-0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    with FakeOpenAI() as llm:
        settings = Settings(
            articles_dir=SEED_ARTICLES,
            data_dir=tmp_path / "data",
            allowed_origins=(host_site.origin,),
            generator="llm",
            llm_base_url=llm.base_url,
            llm_model="fake-echo-key",
            llm_api_key=key,
        )
        service = load_service(settings, embedder=HashingEmbedder())
        with running_server(build_app(service, with_chat=False)) as url:
            host_site.pages["/llm.html"] = host_page(url)
            page = watched.page
            page.goto(f"{host_site.origin}/llm.html")
            page.locator("[data-profile-qa-widget] .pq-btn").click()
            frame = page.frame_locator("[data-profile-qa-widget] iframe")
            frame.locator("#pq-q").fill("武汉市经信局协调捐赠了多少辆MPV？")
            frame.locator("#pq-send").click()
            note = frame.locator(".pq-bot").nth(1).locator(".pq-note")
            expect(note).to_have_text("语言模型暂时不可用，以下为摘录式回答", timeout=WAIT_MS)
            shown: Any = frame.locator("#pq-log").inner_text()
    assert key not in shown and "sk-" not in shown and "internal" not in shown
