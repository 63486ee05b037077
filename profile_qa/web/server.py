"""Assembles the FastAPI server: API, widget routes, edge middleware and the Gradio chat."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from profile_qa import __version__
from profile_qa.web import api, openai_api, ui, widget
from profile_qa.web.edge import EdgeMiddleware
from profile_qa.web.service import ChatService

API_DESCRIPTION = (
    "Questions in Chinese (or English) about MIIT's COVID-19 honour profiles; answers carry "
    "inline markers [n] pointing at the cited passages."
)


def build_app(service: ChatService, with_chat: bool = True) -> FastAPI:
    """The whole server for one loaded service; the Gradio chat is mounted at ``/``.

    ``with_chat=False`` leaves Gradio out (API and widget only; it saves seconds in tests).
    """
    settings = service.settings
    app = FastAPI(
        title="profile-qa",
        version=__version__,
        description=API_DESCRIPTION,
        # Swagger UI and ReDoc load their scripts from a CDN; the spec stays at /openapi.json.
        docs_url=None,
        redoc_url=None,
    )
    app.state.service = service
    api.install_error_handlers(app)
    app.include_router(api.router)
    app.include_router(widget.router)
    app.include_router(api.fallback)
    app.mount(openai_api.PREFIX, openai_api.build_openai_app(service))
    app.add_middleware(
        EdgeMiddleware,
        limiter=service.limiter,
        allowed_origins=settings.allowed_origins,
        guards={f"{openai_api.PREFIX}/": openai_api.EDGE_GUARD},
    )
    # Added last, so outermost: even 413/429 answers carry CORS headers a browser can read.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.allowed_origins),
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type", "Authorization"],
        expose_headers=["Retry-After"],
        max_age=600,
    )
    if settings.trusted_proxies:
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        # Outermost: the rate limit and the chat see the forwarded client, and only when
        # the peer is one of the configured proxies (X-Forwarded-For from others is ignored).
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))
    if with_chat:
        _mount_chat(app, service)
    return app


def _mount_chat(app: FastAPI, service: ChatService) -> None:
    import gradio as gr

    settings = service.settings
    gr.mount_gradio_app(
        app,
        ui.build_ui(service),
        path="/",
        server_name=settings.host,
        server_port=settings.port,
        footer_links=[],
        run_history=False,
        ssr_mode=False,
        mcp_server=False,
        pwa=False,
        enable_monitoring=False,
        show_error=True,
        theme=ui.theme(),
        css=ui.CSS,
    )
