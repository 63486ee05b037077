"""Start the server: build the app once (index, model, answerer), set up logging, serve.

``profile-qa serve`` and the repository's ``app.py`` both end here.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from profile_qa.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from embeddings.base import Embedder
    from profile_qa.web.service import AnswererLike

log = logging.getLogger("profile_qa.web")


def create_app(
    settings: Settings, answerer: AnswererLike | None = None, embedder: Embedder | None = None
) -> FastAPI:
    """The FastAPI server with the Gradio chat at /, the API under /api and the widget.

    Without ``answerer`` the index is opened (built first if missing or stale) and the
    answerer is made from it; ``embedder`` reuses a loaded model instead of loading one.
    """
    from profile_qa.web.server import build_app
    from profile_qa.web.service import describe_answerer, load_service

    if answerer is not None:
        return build_app(describe_answerer(settings, answerer))
    return build_app(load_service(settings, embedder=embedder))


def serve(settings: Settings) -> None:
    """Check the packages are ours, load everything once, then serve until interrupted."""
    import uvicorn

    from profile_qa.distribution import check_own_packages
    from profile_qa.web.serving import uvicorn_options

    check_own_packages()
    configure_logging()
    app = create_app(settings)
    url = f"http://{settings.host}:{settings.port}"
    log.info("chat on %s/  API %s/api/ask  widget %s/widget.js", url, url, url)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="info",
        access_log=False,
        timeout_graceful_shutdown=5,
        **uvicorn_options(settings),
    )


def configure_logging() -> None:
    """INFO from the project's loggers on stderr, WARNING from third parties."""
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler()
    # The handler's level also stops libraries that set DEBUG on their own loggers.
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.WARNING)  # third-party chatter (faiss loader, transformers) stays out
    for name in ("profile_qa", "corpus", "embeddings", "qa"):
        logging.getLogger(name).setLevel(logging.INFO)
