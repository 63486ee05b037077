"""Screenshots for the docs: the chat page, and the widget on a stand-in ministry page.

Starts ``python app.py`` (its own data dir, reused if given), serves a host page from another
localhost port with the one-line embed snippet, asks a seed question in both, and writes
docs/screenshots/chat.png, widget.png and widget-phone.png.

    .venv/bin/python benchmarks/screenshots.py [--data-dir DIR] [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._app_server import REPO, AppProcess
from tests.app.support import CHROMIUM, CHROMIUM_ARGS, HostSite, host_page

CHAT_QUESTION = "武汉市经信局协调捐赠了多少辆MPV？"
WIDGET_QUESTION = "三奇公司的口罩日产量从多少提高到了多少？"
PHONE_QUESTION = "夏昆山连续多少天奋战在保障生产第一线？"
WAIT_MS = 120_000


def chat(browser: object, url: str, out: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    page.goto(f"{url}/")
    page.locator("#pq-input textarea").fill(CHAT_QUESTION)
    page.locator("#pq-send").click()
    page.locator("#pq-sources .pq-source mark").first.wait_for(timeout=WAIT_MS)
    page.wait_for_timeout(800)
    page.screenshot(path=str(out / "chat.png"), full_page=True)
    page.close()


def widget(browser: object, site: HostSite, url: str, out: Path) -> None:
    attrs = 'data-title="工信抗疫先锋问答" data-accent="#1d4e89"'
    site.pages["/news.html"] = host_page(url, attrs)
    for name, viewport, question in (
        ("widget.png", {"width": 1280, "height": 800}, WIDGET_QUESTION),
        ("widget-phone.png", {"width": 390, "height": 780}, PHONE_QUESTION),
    ):
        page = browser.new_page(viewport=viewport, locale="zh-CN")
        page.goto(f"{site.origin}/news.html")
        page.locator("[data-profile-qa-widget] .pq-btn").click()
        frame = page.frame_locator("[data-profile-qa-widget] iframe")
        frame.locator("#pq-q").fill(question)
        frame.locator("#pq-q").press("Enter")
        frame.locator(".pq-bot .pq-rate").first.wait_for(timeout=WAIT_MS)
        page.wait_for_timeout(500)
        page.screenshot(path=str(out / name))
        page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, help="app data dir (default: a fresh one)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="screenshots-"))
    args.out.mkdir(parents=True, exist_ok=True)
    site = HostSite()
    app = AppProcess(args.data_dir or work / "data", work / "app.log", allowed_origins=site.origin)
    try:
        app.wait_ready()
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            chat(browser, app.url, args.out)
            widget(browser, site, app.url, args.out)
            browser.close()
    finally:
        app.stop()
        site.close()
    for name in ("chat.png", "widget.png", "widget-phone.png"):
        print(args.out / name)


if __name__ == "__main__":
    main()
