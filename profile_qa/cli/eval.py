"""``profile-qa eval``: run a gold set, print the metrics, write the report, gate on thresholds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from eval.gates import GATES, check_gates
from eval.suite import SEED_GOLD
from profile_qa.cli._common import SettingsFactory, say

_MODES = ("hybrid", "dense", "bm25")


def _option_name(key: str, direction: str) -> str:
    return f"--{direction}-{key.replace('_', '-')}"


def _gate_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for key, direction in reversed(GATES):
        unit = "milliseconds" if key.endswith("_ms") else "fraction 0..1"
        func = click.option(
            _option_name(key, direction),
            f"{direction}_{key}",
            type=float,
            default=None,
            help=f"Exit 1 if {key} is {'below' if direction == 'min' else 'above'} this ({unit}).",
        )(func)
    return func


def _parse_modes(value: str | None) -> list[str]:
    if not value:
        return []
    modes = [m.strip() for m in value.split(",") if m.strip()]
    unknown = [m for m in modes if m not in _MODES]
    if unknown or not modes:
        raise click.BadParameter(f"use a comma list of {', '.join(_MODES)}", param_hint="--compare")
    return list(dict.fromkeys(modes))


@click.command("eval")
@click.option(
    "--gold",
    "gold_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=SEED_GOLD,
    show_default="the seed gold set",
    help="Gold questions, JSON Lines.",
)
@click.option("--generator", type=click.Choice(["extractive", "llm"]), default=None)
@click.option(
    "--retrieval-mode", type=click.Choice(_MODES), default=None, help="Retrieval for a single run."
)
@click.option("--compare", default=None, help="Run once per mode, e.g. dense,bm25,hybrid.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Report folder (default: reports/eval-<timestamp>).",
)
@click.option(
    "--articles",
    "articles_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Evaluate over this articles folder, with its own index under the data directory.",
)
@click.option(
    "--suite",
    "suite_dir",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[DIR]",
    help="Run seed, held-out, unseen and every benchmark under DIR "
    "(default ../shared/benchmarks when present); one table, suite.html, suite.json.",
)
@click.option(
    "--gates",
    "gates_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="With --suite: per-set thresholds (eval/gates.toml); exit 1 naming any missed.",
)
@click.option(
    "--write-gates",
    "write_gates",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="With --suite: write thresholds at today's figures less one question's worth.",
)
@click.option("--progress/--no-progress", default=True, help="Show a progress bar on stderr.")
@_gate_options
@click.pass_obj
def eval_command(
    make_settings: SettingsFactory,
    /,  # click passes ctx.obj first, by position
    gold_path: Path,
    generator: str | None,
    retrieval_mode: str | None,
    compare: str | None,
    out_dir: Path | None,
    articles_dir: Path | None,
    suite_dir: str | None,
    gates_path: Path | None,
    write_gates: Path | None,
    progress: bool,
    **gates: float | None,
) -> None:
    """Evaluate the chatbot against a gold question set and write a report.

    Prints retrieval hit@k/MRR, answer accuracy, character F1, citation and refusal metrics
    and latency (side by side per retrieval mode with --compare), writes report.md,
    report.html and report.json, and exits 1 when a --min-*/--max-* threshold is missed.
    --articles DIR evaluates over another folder of articles (its own index); --suite runs
    every gold set into one table, suite.html and suite.json, and --gates fails it.
    """
    from eval.gold import evidence_problems, load_gold
    from eval.report import summary_table, text_table, type_table, write_report
    from eval.runner import run_modes

    if (gates_path or write_gates) and suite_dir is None:
        raise click.UsageError("--gates and --write-gates go with --suite")
    modes = _parse_modes(compare)
    settings = make_settings(generator=generator, retrieval_mode=retrieval_mode)
    if suite_dir is not None:
        from profile_qa.cli.suite import suite_command

        bench = Path(suite_dir) if suite_dir else None
        raise SystemExit(suite_command(settings, bench, out_dir, gates_path, write_gates, progress))
    gold = load_gold(gold_path)
    for problem in evidence_problems(gold, articles_dir or settings.articles_dir)[:20]:
        click.echo(f"warning: {problem}", err=True)

    modes = modes or [settings.retrieval_mode]
    runs = run_modes(settings, gold, modes, gold_path, progress, articles_dir, notify=say)
    click.echo(text_table(summary_table(runs)))
    for run in runs:
        click.echo(f"\nBy type ({run.label}):")
        click.echo(text_table(type_table(run)))
    out_dir = out_dir or Path("reports") / f"eval-{datetime.now():%Y%m%d-%H%M%S}"
    # report.json's headline summary is the configured mode, whatever order --compare gave.
    headline = next((r for r in runs if r.label == settings.retrieval_mode), runs[0])
    paths = write_report([headline, *(r for r in runs if r is not headline)], out_dir)
    click.echo("\nReport: " + ", ".join(str(p) for p in paths.values()))

    problems = check_gates(runs, gates)
    if problems:
        for problem in problems:
            click.echo(f"quality gate failed: {problem}", err=True)
        raise SystemExit(1)
