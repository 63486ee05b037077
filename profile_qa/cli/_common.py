"""What every subcommand shares: the settings factory the group passes down, stderr notes."""

from __future__ import annotations

from collections.abc import Callable

import click

from profile_qa.settings import Settings, user_data_dir

# ``ctx.obj``: builds the one Settings from the --config file, PROFILE_QA_* and the options
# the command passes (None means "not given").
SettingsFactory = Callable[..., Settings]


def say(message: str) -> None:
    """A progress note or warning on stderr, so stdout stays the command's result."""
    click.echo(message, err=True)


def seed_default_articles(settings: Settings) -> None:
    """First run of an installed package: the default articles folder starts with the samples.

    Only the default user-data folder, and only while it does not exist: a folder the editor
    chose (option, config, PROFILE_QA_ARTICLES_DIR) or already has is never filled.
    """
    if settings.articles_dir != user_data_dir() / "articles" or settings.articles_dir.exists():
        return
    from corpus.samples import seed_articles

    copied = seed_articles(settings.articles_dir)
    articles = [name for name in copied if not name.endswith(".toml")]
    if articles:
        say(
            f"First run: copied {len(articles)} sample article(s) into {settings.articles_dir}. "
            "Add your articles there (remove the samples if you like), then run "
            "`profile-qa index`."
        )
