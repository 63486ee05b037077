"""Fixtures for the web edge: a fake answerer, in-process clients and real servers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from profile_qa.settings import Settings, load_settings
from tests.app.fakes import FakeAnswerer
from tests.app.support import CHROMIUM, CHROMIUM_ARGS, HostSite, Watched, running_server
from tests.conftest import SEED_ARTICLES


@pytest.fixture
def fake_answerer(settings: Settings) -> FakeAnswerer:
    return FakeAnswerer(settings)


@pytest.fixture(scope="session")
def host_site() -> Iterator[HostSite]:
    site = HostSite()
    yield site
    site.close()


@pytest.fixture(scope="session")
def real_server(
    real_embedder: Any, host_site: HostSite, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Settings]]:
    """The production app on the seed corpus with the real model; the index is built at start.

    The host site's origin is allowed to frame the chat and call the API.
    """
    import app

    settings = load_settings(
        env={},
        data_dir=tmp_path_factory.mktemp("web-data"),
        articles_dir=SEED_ARTICLES,
        allowed_origins=(host_site.origin,),
        rate_limit_per_minute=1000,
    )
    with running_server(app.create_app(settings, embedder=real_embedder)) as url:
        yield url, settings


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium (Playwright never downloads its own browser here).

    Module scope: Playwright's sync API keeps an event loop running in this thread while it
    is open, which would break every asyncio test collected after the browser tests.
    """
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    yield Watched(context.new_page())
    context.close()
