"""The web chat, HTTP API and widget (see issue 6)."""

from __future__ import annotations

from profile_qa.settings import Settings


def serve(settings: Settings) -> None:
    raise NotImplementedError


if __name__ == "__main__":
    from profile_qa.settings import load_settings

    serve(load_settings())
