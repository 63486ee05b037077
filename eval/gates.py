"""Per-set quality thresholds (``eval/gates.toml``) for ``eval --suite --gates``.

Each ``[set]`` table holds ``min_<metric>``/``max_<metric>`` values, read exactly like the
``--min-*``/``--max-*`` options of ``profile-qa eval``. A set present in the file but absent
from the run (a benchmark folder this machine does not have) is skipped, not failed.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from eval.runner import EvalResult
from profile_qa.errors import ConfigError

# Every threshold ``profile-qa eval`` takes and a gate file may set, as (summary key,
# direction): --min-KEY for "higher is better", --max-KEY otherwise.
GATES: tuple[tuple[str, str], ...] = (
    ("hit_at_1", "min"),
    ("hit_at_3", "min"),
    ("hit_at_5", "min"),
    ("mrr", "min"),
    ("answer_accuracy", "min"),
    ("char_f1", "min"),
    ("citation_precision", "min"),
    ("citation_recall", "min"),
    ("refusal_precision", "min"),
    ("refusal_recall", "min"),
    ("false_refusal_rate", "max"),
    ("latency_p50_ms", "max"),
    ("latency_p95_ms", "max"),
)


def check_gates(runs: Sequence[EvalResult], gates: Mapping[str, float | None]) -> list[str]:
    """Threshold violations, one line each; every run must pass every given threshold."""
    problems = []
    for key, direction in GATES:
        limit = gates.get(f"{direction}_{key}")
        if limit is None:
            continue
        for run in runs:
            value = run.summary[key]
            label = f"{run.label}: " if len(runs) > 1 else ""
            if value is None:
                problems.append(f"{label}{key} is undefined (no questions to measure it)")
            elif (value < limit) if direction == "min" else (value > limit):
                sign = "<" if direction == "min" else ">"
                problems.append(f"{label}{key} {value:.4g} {sign} {limit:g}")
    return problems


# The metrics a gate file proposes, with the record count that one question moves them by.
GATED: tuple[tuple[str, str], ...] = (
    ("hit_at_1", "min"),
    ("mrr", "min"),
    ("answer_accuracy", "min"),
    ("citation_precision", "min"),
    ("refusal_recall", "min"),
    ("false_refusal_rate", "max"),
)


def load_gates(path: Path) -> dict[str, dict[str, float]]:
    """The thresholds per set; ConfigError naming the file and key for anything malformed."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read gates file {path}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    known = {f"{direction}_{key}" for key, direction in GATES}
    gates: dict[str, dict[str, float]] = {}
    for name, table in data.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: {name!r} must be a table [{name}] of thresholds")
        for key, value in table.items():
            if key not in known:
                raise ConfigError(f"{path}: [{name}] {key}: unknown threshold")
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ConfigError(f"{path}: [{name}] {key}: must be a number")
        gates[name] = {k: float(v) for k, v in table.items()}
    return gates


def check_suite_gates(
    results: Sequence[EvalResult], gates: dict[str, dict[str, float]]
) -> tuple[list[str], list[str]]:
    """(failures, notes): one failure line per missed threshold, naming set and metric."""
    by_name = {r.label: r for r in results}
    failures, notes = [], []
    for name, limits in gates.items():
        run = by_name.get(name)
        if run is None:
            notes.append(f"gate for {name!r} skipped: the set was not run here")
            continue
        failures += [f"{name}: {problem}" for problem in check_gates([run], limits)]
    return failures, notes


def _one_question(run: EvalResult, key: str) -> float:
    """How much one question moves ``key``: 1 / the number of records it is measured over."""
    records = run.records
    answerable = sum(r.answerable for r in records)
    over = {
        "refusal_recall": len(records) - answerable,
        "false_refusal_rate": answerable,
        "answer_accuracy": len(records),
        "citation_precision": sum(r.citations for r in records if r.answerable),
    }.get(key, answerable)
    return 1 / over if over else 0.0


def propose_gates(results: Sequence[EvalResult]) -> str:
    """A gates.toml holding each set's measured figures less one question's worth."""
    lines = [
        "# Quality gate for `profile-qa eval --suite --gates eval/gates.toml` (run by .ci/run).",
        "# Each value is the figure measured when it was set, less one question's worth (the",
        "# metric's own denominator), rounded outwards to 0.01: the run is deterministic, the",
        "# margin only absorbs a tie broken differently on another machine. Raise a value in the",
        "# same commit as the improvement; never lower one to let a regression pass.",
    ]
    for run in results:
        lines += ["", f"[{run.label}]"]
        for key, direction in GATED:
            value = run.summary.get(key)
            if value is None:
                continue
            step = _one_question(run, key)
            if direction == "min":
                limit = max(0.0, math.floor((value - step) * 100 + 1e-9) / 100)
            else:
                limit = min(1.0, math.ceil((value + step) * 100 - 1e-9) / 100)
            lines.append(f"{direction}_{key} = {limit:.2f}  # measured {value:.3f}")
    return "\n".join(lines) + "\n"


def gate_lines(gates: dict[str, dict[str, float]]) -> list[str]:
    """The thresholds as short lines for the report."""
    return [
        f"{name}: " + ", ".join(f"{k} {v:g}" for k, v in limits.items())
        for name, limits in gates.items()
    ]


def summary_of(results: Sequence[EvalResult]) -> dict[str, Any]:
    """Each set's summary under its name (what suite.json and the gate read)."""
    return {r.label: r.summary for r in results}
