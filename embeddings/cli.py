"""``profile-qa index``."""

from __future__ import annotations

import click


@click.command("index")
def index_command() -> None:
    """Build or update the search index of the articles."""
    raise click.ClickException("not implemented yet")
