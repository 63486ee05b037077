"""``profile-qa index``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from profile_qa.cli._common import SettingsFactory, say

if TYPE_CHECKING:
    from embeddings.build import IndexBuildReport


@click.command("index")
@click.option(
    "--rebuild",
    is_flag=True,
    help="Start from scratch (needed after changing the model or chunk settings).",
)
@click.option(
    "--articles",
    "articles_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Folder of articles (default: the articles_dir setting).",
)
@click.option(
    "--index-type",
    type=click.Choice(["auto", "flat", "hnsw", "ivf"]),
    default=None,
    help="faiss structure: auto (default: flat up to 50,000 chunks, ivf above), flat, hnsw or ivf.",
)
@click.option("--progress/--no-progress", default=True, help="Show a progress bar on stderr.")
@click.pass_obj
def index_command(
    make_settings: SettingsFactory,
    rebuild: bool,
    articles_dir: Path | None,
    index_type: str | None,
    progress: bool,
) -> None:
    """Build or update the search index of the articles."""
    from embeddings import load_embedder
    from embeddings.build import build_index

    settings = make_settings(articles_dir=articles_dir, index_type=index_type)
    embedder = load_embedder(settings)
    report = build_index(settings, embedder, rebuild=rebuild, progress=progress, warn=say)
    click.echo(format_report(report))


def format_report(report: IndexBuildReport) -> str:
    """The summary printed after a build."""
    verb = "Updated" if report.written else "Up to date:"
    lines = [
        f"{verb} index {report.where or report.index_dir} ({report.index_type})",
        f"  articles: {len(report.added)} added, {len(report.changed)} changed, "
        f"{len(report.removed)} removed, {len(report.unchanged)} unchanged",
        f"  chunks:   {report.chunks} in the index, {report.embedded_chunks} embedded "
        f"({report.chunks_per_second:.1f} chunks/s)",
        f"  time:     {report.seconds:.2f} s",
    ]
    if report.skipped:
        lines.append(f"Skipped {len(report.skipped)} file(s):")
        lines.extend(f"  - {s.path}: {s.reason}" for s in report.skipped)
    lines.extend(f"Note: {note}" for note in report.notes)
    return "\n".join(lines)
