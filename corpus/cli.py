"""``profile-qa corpus ...`` commands."""

from __future__ import annotations

import click


@click.group("corpus")
def corpus_group() -> None:
    """Inspect the articles and how they are cleaned and split."""
