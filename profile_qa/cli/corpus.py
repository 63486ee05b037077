"""``profile-qa corpus ...`` commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from profile_qa.cli._common import SettingsFactory


@click.group("corpus")
def corpus_group() -> None:
    """Inspect the articles and how they are cleaned and split."""


def _shorten(text: str, width: int = 36) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _print_text(data: dict[str, Any], where: Path) -> None:
    n_articles, n_skipped = len(data["articles"]), len(data["skipped"])
    click.echo(f"Read {where.resolve()}")
    click.echo(f"{n_articles} article(s) loaded, {n_skipped} file(s) skipped")
    for a in data["articles"]:
        n_chunks = sum(len(s["chunks"]) for s in a["sections"])
        click.echo("")
        click.echo(click.style(f"{a['id']}  {a['title']}", bold=True))
        click.echo(
            f"  file: {a['source_file']}   date: {a['date'] or '(none)'}   "
            f"source: {a['source'] or '(none)'}   sections: {len(a['sections'])}   "
            f"chunks: {n_chunks}"
        )
        for s in a["sections"]:
            tokens = [c["tokens"] for c in s["chunks"]]
            size = f"{min(tokens)}-{max(tokens)} tokens" if tokens else "no text"
            click.echo(
                f"  [{s['index']}] {s['kind']:<7} {s['subject'] or '-'}\n"
                f"      {_shorten(s['title'])}   {len(s['text'])} chars, "
                f"{len(s['chunks'])} chunk(s), {size}"
            )
    if data["skipped"]:
        click.echo("")
        click.echo(click.style("Skipped files:", bold=True))
        for s in data["skipped"]:
            click.echo(f"  {s['path']}: {s['reason']}")
    if data["notes"]:
        click.echo("")
        click.echo(click.style("Notes:", bold=True))
        for note in data["notes"]:
            click.echo(f"  {note}")


@corpus_group.command("inspect")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path), default=None)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead.")
@click.pass_obj
def inspect_command(make_settings: SettingsFactory, path: Path | None, as_json: bool) -> None:
    """Show how the articles in PATH (default: the articles folder) are read and split.

    Lists each article (id, title, date), its sections (kind, subject, title, size,
    chunk count) and every file that was skipped, with the reason.
    """
    from corpus.inspection import inspection, load_path

    settings = make_settings()
    where = path if path is not None else settings.articles_dir
    report = load_path(where, settings.max_article_bytes)
    data = inspection(report, settings.chunk_size, settings.chunk_overlap_sentences)
    data = {"read": str(where.resolve()), **data}  # which folder (or file) this describes
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        _print_text(data, where)
