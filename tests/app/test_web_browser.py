"""End to end in headless Chromium: the widget on another site, and the Gradio chat page."""

from __future__ import annotations

from typing import Any

import pytest

from profile_qa.settings import Settings
from profile_qa.web.feedback import FeedbackStore
from tests.app.support import HostSite, Watched, host_page

pytestmark = [pytest.mark.slow, pytest.mark.browser]

MPV = "武汉市经信局协调捐赠了多少辆MPV？"
XSS = "三奇公司<img src=x onerror=alert(1)><script>alert(2)</script>口罩日产量是多少？"
WAIT_MS = 90_000


def test_widget_answers_with_a_citation_and_shows_markup_as_text(
    watched: Watched, real_server: tuple[str, Settings], host_site: HostSite
) -> None:
    from playwright.sync_api import expect

    url, _ = real_server
    host_site.pages["/news.html"] = host_page(
        url, 'data-title="工信抗疫先锋问答" data-accent="#1d4e89" data-position="bottom-left"'
    )
    page = watched.page
    page.goto(f"{host_site.origin}/news.html")
    widget = page.locator("[data-profile-qa-widget]")
    widget.locator(".pq-btn").click()
    expect(widget.locator(".pq-title")).to_have_text("工信抗疫先锋问答")
    frame = page.frame_locator("[data-profile-qa-widget] iframe")

    frame.locator("#pq-q").fill(MPV)
    frame.locator("#pq-q").press("Enter")
    answer = frame.locator(".pq-bot").nth(1)
    expect(answer.locator(".pq-cite").first).to_be_visible(timeout=WAIT_MS)
    expect(answer).to_contain_text("50")
    source = answer.locator(".pq-source").first
    expect(source).to_contain_text("武汉市经济和信息化局")
    expect(source.locator("mark")).not_to_be_empty()

    frame.locator("#pq-q").fill(XSS)
    frame.locator("#pq-send").click()
    expect(frame.locator(".pq-user").nth(1)).to_have_text(XSS)
    expect(frame.locator(".pq-bot").nth(2).locator(".pq-rate, .pq-error")).to_have_count(
        1, timeout=WAIT_MS
    )
    assert frame.locator("#pq-log img, #pq-log script").count() == 0
    assert watched.dialogs == []
    assert watched.foreign == []


def test_widget_fills_a_phone_screen(
    browser: Any, real_server: tuple[str, Settings], host_site: HostSite
) -> None:
    from playwright.sync_api import expect

    host_site.pages["/phone.html"] = host_page(real_server[0], 'data-lang="en"')
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{host_site.origin}/phone.html")
    page.locator("[data-profile-qa-widget] .pq-btn").click()
    panel = page.locator("[data-profile-qa-widget] .pq-panel")
    expect(panel).to_be_visible()
    box = panel.bounding_box()
    assert box is not None and box["width"] == 390 and box["height"] == 844
    frame = page.frame_locator("[data-profile-qa-widget] iframe")
    expect(frame.locator("#pq-send")).to_have_text("Send")
    context.close()


def test_a_site_not_allowed_cannot_frame_the_chat(
    watched: Watched, real_server: tuple[str, Settings]
) -> None:
    other = HostSite()  # another origin, not in allowed_origins
    try:
        other.pages["/copy.html"] = host_page(real_server[0])
        page = watched.page
        page.goto(f"{other.origin}/copy.html")
        page.locator("[data-profile-qa-widget] .pq-btn").click()
        page.wait_for_timeout(3000)
        frame = page.frame_locator("[data-profile-qa-widget] iframe")
        assert frame.locator("#pq-q").count() == 0
    finally:
        other.close()


def test_embed_page_ignores_a_bad_accent_and_shows_the_title_as_text(
    watched: Watched, real_server: tuple[str, Settings]
) -> None:
    page = watched.page
    page.goto(f"{real_server[0]}/embed?accent=red;background:url(//evil)&title=<b>x</b>")
    assert page.title() == "<b>x</b>"
    accent = page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--accent')"
    )
    assert accent.strip() == "#b91c1c"
    assert watched.foreign == []


def test_gradio_chat_streams_an_answer_with_sources(
    watched: Watched, real_server: tuple[str, Settings]
) -> None:
    from playwright.sync_api import expect

    url, settings = real_server
    page = watched.page
    page.goto(f"{url}/")
    box = page.locator("#pq-input textarea")
    expect(box).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#pq-status")).to_contain_text(settings.embedding_model)

    box.fill(MPV)
    page.locator("#pq-send").click()
    sources = page.locator("#pq-sources .pq-source")
    expect(sources.first).to_be_visible(timeout=WAIT_MS)
    expect(sources.first.locator("mark")).not_to_be_empty()
    bot = page.locator("#pq-chat [data-testid='bot']").last
    expect(bot.locator("sup.pq-cite").first).to_be_visible()
    expect(bot).to_contain_text("50")

    # Gradio labels the thumbs in the browser's language (zh-CN here: 赞/踩).
    page.locator("#pq-chat button[aria-label='赞']").first.click()
    store = FeedbackStore(settings.feedback_db)
    for _ in range(50):
        rows = [r for r in store.all() if r["question"] == MPV and r["channel"] == "chat"]
        if rows:
            break
        page.wait_for_timeout(100)
    assert rows and rows[-1]["rating"] == "like" and rows[-1]["sources"]

    box.fill(XSS)
    page.locator("#pq-send").click()
    user = page.locator("#pq-chat [data-testid='user']").last
    expect(user).to_contain_text("<img src=x onerror=alert(1)>", timeout=WAIT_MS)
    page.wait_for_timeout(1500)
    assert page.locator("#pq-chat img[src='x']").count() == 0
    assert watched.dialogs == []
    assert watched.foreign == []
    # The chat page's strict policy (nonce scripts only) did not get in Gradio's way.
    assert watched.blocked == []
