"""``profile-qa eval --suite [DIR]``: every gold set, one table, one report, one gate."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import click

from profile_qa.cli._common import say
from profile_qa.settings import Settings


def suite_command(
    settings: Settings,
    bench_dir: Path | None,
    out_dir: Path | None,
    gates_path: Path | None,
    write_gates: Path | None,
    progress: bool,
) -> int:
    """Run the suite, print the table, write the report; the exit code is the gate's."""
    from eval.gates import check_suite_gates, load_gates, propose_gates
    from eval.report_suite import suite_text, write_suite_report
    from eval.suite import benchmark_sets, builtin_sets, default_benchmarks_dir, run_suite

    gates = load_gates(gates_path) if gates_path else {}  # a bad file fails before the run
    if bench_dir is None:
        bench_dir = default_benchmarks_dir()
    benchmarks, notes = benchmark_sets(bench_dir)
    for note in notes:
        say(note)
    started = time.perf_counter()
    results = run_suite(settings, [*builtin_sets(), *benchmarks], progress=progress, notify=say)
    elapsed = time.perf_counter() - started
    notes.append(f"suite took {elapsed:.0f} s (indexing included)")
    click.echo(suite_text(results))
    out_dir = out_dir or Path("reports") / f"suite-{datetime.now():%Y%m%d-%H%M%S}"
    paths = write_suite_report(results, out_dir, notes)
    click.echo(f"\nSuite took {elapsed:.0f} s. Report: " + ", ".join(map(str, paths.values())))
    if write_gates:
        write_gates.write_text(propose_gates(results), encoding="utf-8")
        click.echo(f"Thresholds written to {write_gates}")

    failures, gate_notes = check_suite_gates(results, gates)
    for note in gate_notes:
        say(note)
    for failure in failures:
        say(f"quality gate failed ({gates_path}): {failure}")
    if gates and not failures:
        click.echo(f"quality gate passed ({gates_path})")
    return 1 if failures else 0
