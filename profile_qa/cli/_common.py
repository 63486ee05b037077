"""What every subcommand shares: the settings factory the group passes down, stderr notes."""

from __future__ import annotations

from collections.abc import Callable

import click

from profile_qa.settings import Settings

# ``ctx.obj``: builds the one Settings from the --config file, PROFILE_QA_* and the options
# the command passes (None means "not given").
SettingsFactory = Callable[..., Settings]


def say(message: str) -> None:
    """A progress note or warning on stderr, so stdout stays the command's result."""
    click.echo(message, err=True)
