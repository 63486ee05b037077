"""The web chat, the HTTP API and the embeddable widget, on one server.

``python app.py [--host H] [--port P] [--config FILE]`` or ``profile-qa serve``. The work is
in ``profile_qa/web``; this module builds the settings, loads the service once and serves.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from profile_qa.errors import ProfileQAError
from profile_qa.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

log = logging.getLogger("profile_qa.web")


def create_app(settings: Settings, answerer: Any = None, embedder: Any = None) -> FastAPI:
    """The FastAPI server with the Gradio chat at /, the API under /api and the widget.

    Without ``answerer`` the index is opened (built first if missing or stale) and the
    answerer is made from it; ``embedder`` reuses a loaded model instead of loading one.
    """
    from profile_qa.web import describe_answerer, load_service
    from profile_qa.web.server import build_app

    if answerer is not None:
        return build_app(describe_answerer(settings, answerer))
    return build_app(load_service(settings, embedder=embedder))


def serve(settings: Settings) -> None:
    """Load everything once, then serve until interrupted."""
    import uvicorn

    from profile_qa.web.serving import uvicorn_options

    _configure_logging()
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


def _configure_logging() -> None:
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


def main(argv: list[str] | None = None) -> int:
    """``python app.py``: parse options, build the settings, serve."""
    from profile_qa.settings import load_settings

    parser = argparse.ArgumentParser(description="Serve the profile-qa chat, API and widget.")
    parser.add_argument("--host", help="interface to listen on (default from settings)")
    parser.add_argument("--port", type=int, help="port to listen on (default from settings)")
    parser.add_argument("--config", type=Path, help="TOML settings file")
    args = parser.parse_args(argv)
    try:
        serve(load_settings(config_file=args.config, host=args.host, port=args.port))
    except ProfileQAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
