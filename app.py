"""``python app.py [--host H] [--port P] [--config FILE]``: the same server as ``profile-qa serve``.

A thin entry kept at the repository root (not installed); serving lives in ``profile_qa.web``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from profile_qa.errors import ProfileQAError


def main(argv: list[str] | None = None) -> int:
    """Parse options, build the settings, serve."""
    from profile_qa.settings import load_settings
    from profile_qa.web import serve

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
