"""Routes for the embeddable widget: /widget.js and the /embed chat page it frames."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

STATIC = Path(__file__).resolve().parent / "static"

_FILES = {
    "/widget.js": ("widget.js", "application/javascript; charset=utf-8", "public, max-age=600"),
    "/embed": ("embed.html", "text/html; charset=utf-8", "no-cache"),
    "/embed/app.js": ("embed.js", "application/javascript; charset=utf-8", "public, max-age=600"),
    "/embed/app.css": ("embed.css", "text/css; charset=utf-8", "public, max-age=600"),
}

router = APIRouter(include_in_schema=False)


@cache
def _read(name: str) -> bytes:
    return (STATIC / name).read_bytes()


def _route(path: str, name: str, media_type: str, cache_control: str) -> None:
    def serve() -> Response:
        return Response(
            _read(name), media_type=media_type, headers={"Cache-Control": cache_control}
        )

    serve.__name__ = "static_" + name.replace(".", "_")
    router.add_api_route(path, serve, methods=["GET"])


for _path, (_name, _media, _cache) in _FILES.items():
    _route(_path, _name, _media, _cache)
