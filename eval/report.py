"""Write an evaluation as report.json, report.md and report.html."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eval.metrics import SUMMARY_KEYS
from eval.runner import EvalResult
from eval.scoring import QuestionRecord

METRIC_DEFINITIONS: dict[str, str] = {
    "hit_at_k": (
        "Answerable questions only. A question is hit at rank r when the r-th retrieved passage "
        "(Answer.passages, best first) contains one of its evidence strings; both sides pass "
        "through corpus.normalize_for_match, then NFKC, with punctuation and spaces dropped. "
        "hit@k is the share of questions hit at rank k or better."
    ),
    "mrr": "Mean of 1/r over answerable questions (0 when no retrieved passage holds evidence).",
    "answer_accuracy": (
        "All questions. Answerable: not refused, and every must_contain string occurs in the "
        "answer (both normalised: citation markers removed, NFKC full/half-width, "
        "Traditional to Simplified with OpenCC, punctuation and spaces dropped). "
        "Unanswerable: correct when refused."
    ),
    "char_f1": (
        "Answerable questions only: SQuAD-style F1 over characters between the answer text and "
        "the gold answer, on the same normalisation; 0 for a refusal."
    ),
    "citation_precision": (
        "Answerable questions only: cited passages (one per distinct marker number) that "
        "contain an evidence string, divided by all cited passages."
    ),
    "citation_recall": (
        "Share of answerable questions where at least one cited passage contains an evidence "
        "string (a refusal cites nothing, so it counts as a miss)."
    ),
    "refusal_precision": "Refused questions that are unanswerable / all refused questions.",
    "refusal_recall": "Unanswerable questions that were refused / all unanswerable questions.",
    "false_refusal_rate": "Answerable questions that were refused / all answerable questions.",
    "latency": (
        "Per question: whole answer = Answer.timings_ms['total'] (else the wall time around "
        "answer()); retrieval = timings_ms['retrieval']. Follow-up history turns not counted."
    ),
    "undefined": "A metric with no questions to measure (e.g. no refusals) is shown as '—'.",
}

_LABELS: dict[str, str] = {
    "hit_at_1": "hit@1",
    "hit_at_3": "hit@3",
    "hit_at_5": "hit@5",
    "mrr": "MRR",
    "answer_accuracy": "answer accuracy",
    "char_f1": "char F1",
    "citation_precision": "citation precision",
    "citation_recall": "citation recall",
    "refusal_precision": "refusal precision",
    "refusal_recall": "refusal recall",
    "false_refusal_rate": "false-refusal rate",
    "latency_p50_ms": "latency p50 (ms)",
    "latency_p95_ms": "latency p95 (ms)",
    "n": "questions",
}


def write_report(results: EvalResult | Sequence[EvalResult], out_dir: Path) -> dict[str, Path]:
    """Write report.json/.md/.html into out_dir; the first result is the headline summary."""
    from eval.report_html import render_html

    runs = [results] if isinstance(results, EvalResult) else list(results)
    if not runs:
        raise ValueError("write_report needs at least one EvalResult")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    generated = datetime.now(UTC).isoformat(timespec="seconds")
    paths = {
        "json": out_dir / "report.json",
        "md": out_dir / "report.md",
        "html": out_dir / "report.html",
    }
    paths["json"].write_text(
        json.dumps(report_dict(runs, generated), ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    paths["md"].write_text(render_markdown(runs, generated), encoding="utf-8")
    paths["html"].write_text(render_html(runs, generated), encoding="utf-8")
    return paths


def report_dict(runs: Sequence[EvalResult], generated: str) -> dict[str, Any]:
    """The report.json content: headline run's summary, latency, records, plus every run."""
    first = runs[0]
    return {
        "generated_at": generated,
        "summary": _rounded(first.summary),
        "latency": _rounded(first.latency),
        "config": first.config,
        "metric_definitions": METRIC_DEFINITIONS,
        "questions": [r.to_dict() for r in first.records],
        "runs": [
            {
                "label": run.label,
                "config": run.config,
                "started_at": run.started_at,
                "duration_s": round(run.duration_s, 2),
                "summary": _rounded(run.summary),
                "latency": _rounded(run.latency),
                "questions": [r.to_dict() for r in run.records],
            }
            for run in runs
        ],
    }


def _rounded(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, float):
        return round(value, 4)
    return value


def format_metric(key: str, value: Any) -> str:
    """A metric for display: fractions with 3 decimals, milliseconds with 1, '—' if undefined."""
    if value is None:
        return "—"
    if key == "n":
        return str(value)
    if key.endswith("_ms"):
        return f"{value:.1f}"
    return f"{value:.3f}"


def summary_table(runs: Sequence[EvalResult]) -> list[list[str]]:
    """Rows (header first) of the side-by-side table: one column per run."""
    header = ["metric", *(run.label or f"run {i + 1}" for i, run in enumerate(runs))]
    rows = [header]
    for key in SUMMARY_KEYS:
        rows.append([_LABELS[key], *(format_metric(key, run.summary[key]) for run in runs)])
    for key in ("retrieval_p50_ms", "retrieval_p95_ms"):
        label = "retrieval " + key.split("_")[1] + " (ms)"
        rows.append([label, *(format_metric(key, run.latency[key]) for run in runs)])
    return rows


_TYPE_COLUMNS = (
    "n",
    "hit_at_3",
    "mrr",
    "answer_accuracy",
    "char_f1",
    "refusal_recall",
    "false_refusal_rate",
    "latency_p50_ms",
)


def type_table(run: EvalResult) -> list[list[str]]:
    """Rows (header first) of the per-type breakdown of one run."""
    rows = [["type", *(_LABELS[k] for k in _TYPE_COLUMNS)]]
    for name, metrics in run.summary["by_type"].items():
        rows.append([name, *(format_metric(k, metrics[k]) for k in _TYPE_COLUMNS)])
    return rows


def text_table(rows: list[list[str]]) -> str:
    """Plain aligned table for the terminal (Chinese characters count double)."""
    import unicodedata

    def width(s: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)

    widths = [max(width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [c + " " * (w - width(c)) for c, w in zip(row, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _md_table(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows[1:]]
    return "\n".join(lines)


def _md(text: str) -> str:
    # Passages and answers are free text: keep them from turning into Markdown syntax.
    text = " ".join(text.split())
    return "".join("\\" + c if c in "\\`*_[]<>|#" else c for c in text)


def render_markdown(runs: Sequence[EvalResult], generated: str) -> str:
    """The Markdown report: summary, per-type tables, definitions, then every failure."""
    out = ["# Evaluation report", ""]
    out.append(f"Generated {generated}. " + _md(config_line(runs)))
    out += ["", "## Summary", "", _md_table(summary_table(runs)), ""]
    for run in runs:
        out += [f"## By type — {_md(run.label or 'run')}", "", _md_table(type_table(run)), ""]
    out += ["## How the metrics are defined", ""]
    out += [f"- **{key}**: {_md(text)}" for key, text in METRIC_DEFINITIONS.items()]
    for run in runs:
        failures = run.failures
        out += [
            "",
            f"## Failures — {_md(run.label or 'run')} ({len(failures)} of {len(run.records)})",
        ]
        for record in failures:
            out += ["", *_md_failure(record)]
    return "\n".join(out) + "\n"


def config_line(runs: Sequence[EvalResult]) -> str:
    """The runs' settings in one line; a setting that differs shows each run's value."""
    keys = list(dict.fromkeys(k for run in runs for k in run.config))
    parts = []
    for key in keys:
        values = list(dict.fromkeys(str(run.config.get(key, "—")) for run in runs))
        parts.append(f"{key}: {' / '.join(values)}")
    return ", ".join(parts)


def _md_failure(r: QuestionRecord) -> list[str]:
    lines = [f"### {_md(r.id)} · {r.type} · {_md(r.profile)}", ""]
    lines.append(f"- **Question:** {_md(r.question)}")
    if r.history:
        lines.append(f"- **History:** {_md(' → '.join(r.history))}")
    lines.append(f"- **Expected:** {_md(expected_text(r))}")
    lines.append(f"- **Given:** {_md(given_text(r))}")
    if r.missing:
        lines.append(f"- **Missing:** {_md('、'.join(r.missing))}")
    lines.append(f"- **Evidence:** {_md(evidence_text(r))}")
    for p in r.passages[:3]:
        mark = " ✓ evidence" if p.has_evidence else ""
        lines.append(f"  {p.rank}. *{_md(p.header)}*{mark}: {_md(shorten(p.text, 300))}")
    return lines


def expected_text(r: QuestionRecord) -> str:
    """What the gold set expects, in words."""
    if r.expected is None:
        return "a refusal (the articles do not answer this)"
    return f"{r.expected} (must contain: {'、'.join(r.must_contain)})"


def given_text(r: QuestionRecord) -> str:
    """What the answerer gave, in words."""
    if r.error:
        return f"error: {r.error}"
    return ("[refused] " if r.refused else "") + (r.answer_text or "(empty)")


def evidence_text(r: QuestionRecord) -> str:
    """Where the evidence was retrieved, in words."""
    if r.expected is None:
        return "none (unanswerable)"
    where = f"retrieved at rank {r.hit_rank}" if r.hit_rank else "not in any retrieved passage"
    return f"{where}; {r.supported_citations} of {r.citations} citations hold it"


def shorten(text: str, limit: int) -> str:
    """Text cut to limit characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
