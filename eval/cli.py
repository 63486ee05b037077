"""``profile-qa eval``."""

from __future__ import annotations

import click


@click.command("eval")
def eval_command() -> None:
    """Evaluate the chatbot against a gold question set."""
    raise click.ClickException("not implemented yet")
