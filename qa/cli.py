"""``profile-qa ask``."""

from __future__ import annotations

import click


@click.command("ask")
@click.argument("question")
def ask_command(question: str) -> None:
    """Answer QUESTION with cited passages."""
    raise click.ClickException("not implemented yet")
