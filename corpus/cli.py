"""``profile-qa corpus ...`` commands."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click


@click.group("corpus")
def corpus_group() -> None:
    """Inspect the articles and how they are cleaned and split."""


def _report_for(path: Path, max_bytes: int) -> Any:
    """A LoadReport for a folder, or for a single file (its failure becomes a skip)."""
    from corpus.loaders import load_article, load_articles
    from corpus.model import LoadReport, SkippedFile
    from corpus.readers import LoadError

    if not path.is_file():
        return load_articles(path, max_bytes)  # raises LoadError naming a missing folder
    try:
        return LoadReport(articles=(load_article(path, max_bytes),))
    except LoadError as exc:
        return LoadReport(skipped=(SkippedFile(str(path), str(exc)),))


def inspection(report: Any, chunk_size: int, overlap_sentences: int) -> dict[str, Any]:
    """The JSON-ready view of a load report: articles, sections, chunks, skipped files."""
    from corpus.chunking import chunk_article
    from corpus.tokens import count_tokens

    articles = []
    for article in report.articles:
        chunks = chunk_article(article, chunk_size, overlap_sentences)
        sections = []
        for s in article.sections:
            sections.append(
                {
                    "index": s.index,
                    "kind": s.kind,
                    "subject": s.subject,
                    "title": s.title,
                    "start": s.start,
                    "end": s.end,
                    "text": article.text[s.start : s.end],
                    "chunks": [
                        {
                            "id": c.id,
                            "text": c.text,
                            "header": c.header,
                            "start": c.start,
                            "end": c.end,
                            "tokens": count_tokens(c.text),
                        }
                        for c in chunks
                        if c.section_index == s.index
                    ],
                }
            )
        articles.append(
            {
                "id": article.id,
                "title": article.title,
                "date": article.date,
                "source": article.source,
                "source_file": article.source_file,
                "sections": sections,
            }
        )
    return {
        "articles": articles,
        "skipped": [{"path": s.path, "reason": s.reason} for s in report.skipped],
        "notes": list(report.notes),
    }


def _shorten(text: str, width: int = 36) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _print_text(data: dict[str, Any], where: Path) -> None:
    n_articles, n_skipped = len(data["articles"]), len(data["skipped"])
    click.echo(f"{where}: {n_articles} article(s) loaded, {n_skipped} file(s) skipped")
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
def inspect_command(make_settings: Callable[..., Any], path: Path | None, as_json: bool) -> None:
    """Show how the articles in PATH (default: the articles folder) are read and split.

    Lists each article (id, title, date), its sections (kind, subject, title, size,
    chunk count) and every file that was skipped, with the reason.
    """
    settings = make_settings()
    where = path if path is not None else settings.articles_dir
    report = _report_for(where, settings.max_article_bytes)
    data = inspection(report, settings.chunk_size, settings.chunk_overlap_sentences)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        _print_text(data, where)
