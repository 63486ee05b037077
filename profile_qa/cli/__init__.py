"""The ``profile-qa`` command: a thin click layer over the packages.

Every command lives in this package, one module each (``corpus.py``: ``corpus inspect``,
``index.py``, ``ask.py``, ``eval.py`` with ``suite.py`` for ``eval --suite``; ``serve`` here);
the core packages only expose functions. This module builds the settings once and turns the
project's errors into exit codes. Heavy imports (torch, faiss, gradio) happen inside the
commands, so ``--help`` is instant.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any, TextIO

import click

from profile_qa import __version__
from profile_qa.cli._common import SettingsFactory, seed_default_articles
from profile_qa.errors import ProfileQAError
from profile_qa.settings import Settings, load_settings

__all__ = ["main"]


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is at emit time (click's test runner swaps it)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def _show_package_notes() -> None:
    # The one-time model conversion takes ~30 s: say so on stderr instead of hanging silently.
    logger = logging.getLogger("embeddings")
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


class _Group(click.Group):
    def main(self, *args: Any, **kwargs: Any) -> Any:
        # Before any command module is imported: a shadowed `eval` or `qa` would run instead.
        from profile_qa.distribution import check_own_packages
        from profile_qa.errors import PackageConflictError

        try:
            check_own_packages()
        except PackageConflictError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)
        _register()
        return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ProfileQAError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="profile-qa")
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="TOML settings file (default: $PROFILE_QA_CONFIG or ./profile-qa.toml).",
)
@click.pass_context
def main(ctx: click.Context, config: Path | None) -> None:
    """Answer questions about MIIT's COVID-19 honour profiles, with cited passages."""
    _show_package_notes()

    def make_settings(**overrides: Any) -> Settings:
        settings = load_settings(config_file=config, **overrides)
        seed_default_articles(settings)
        return settings

    ctx.obj = make_settings


@main.command()
@click.option("--host", default=None, help="Interface to listen on.")
@click.option("--port", type=int, default=None, help="Port to listen on.")
@click.pass_obj
def serve(make_settings: SettingsFactory, host: str | None, port: int | None) -> None:
    """Start the web chat, the HTTP API and the widget."""
    from profile_qa.web import serve as serve_web

    serve_web(make_settings(host=host, port=port))


def _register() -> None:
    # Imported here, not at the top: after the package check, and so a broken package names
    # itself in the traceback.
    if "corpus" in main.commands:
        return
    from profile_qa.cli.ask import ask_command
    from profile_qa.cli.corpus import corpus_group
    from profile_qa.cli.eval import eval_command
    from profile_qa.cli.index import index_command

    main.add_command(corpus_group)
    main.add_command(index_command)
    main.add_command(ask_command)
    main.add_command(eval_command)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
