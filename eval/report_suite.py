"""The suite report: suite.json and one self-contained suite.html, a section per set."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from eval.refusal import RefusalCurve, curve_rows, refusal_curve
from eval.report import METRIC_DEFINITIONS, _rounded, summary_table, text_table, type_table
from eval.report_html import _CSS, _failure, _html_table
from eval.runner import EvalResult

_LINES = (
    ("refusal_precision", "refusal precision", "#109618"),
    ("refusal_recall", "refusal recall", "#3366cc"),
    ("false_refusal_rate", "false-refusal rate", "#dc3912"),
)


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def write_suite_report(
    results: Sequence[EvalResult], out_dir: Path, notes: Sequence[str] = ()
) -> dict[str, Path]:
    """Write suite.json and suite.html into out_dir; return their paths."""
    from eval.suite import suite_table

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    generated = datetime.now(UTC).isoformat(timespec="seconds")
    curves = {run.label: refusal_curve(run.records) for run in results}
    data: dict[str, Any] = {
        "generated_at": generated,
        "notes": list(notes),
        "metric_definitions": METRIC_DEFINITIONS,
        "sets": {
            run.label: {
                "config": run.config,
                "started_at": run.started_at,
                "duration_s": round(run.duration_s, 2),
                "summary": _rounded(run.summary),
                "latency": _rounded(run.latency),
                "refusal_curve": curves[run.label].to_dict(),
                "questions": [r.to_dict() for r in run.records],
            }
            for run in results
        },
    }
    paths = {"json": out_dir / "suite.json", "html": out_dir / "suite.html"}
    paths["json"].write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", "utf-8")
    body = [
        "<h1>Evaluation suite</h1>",
        f'<p class="muted">Generated {_e(generated)}.</p>',
        *(f'<p class="muted">{_e(n)}</p>' for n in notes),
        "<h2>All sets</h2>",
        _html_table(suite_table(results)),
        _tuned_list(results),
    ]
    for run in results:
        body += _set_section(run, curves[run.label])
    body.append("<h2>How the metrics are defined</h2><dl>")
    body += [f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in METRIC_DEFINITIONS.items()]
    body.append("</dl>")
    paths["html"].write_text(
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Evaluation suite</title><style>{_CSS}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n",
        encoding="utf-8",
    )
    return paths


def _tuned_list(results: Sequence[EvalResult]) -> str:
    items = "".join(
        f"<li><b>{_e(r.label)}</b>: {_e(r.config.get('tuned', '—'))}; "
        f"{_e(r.config.get('gold', ''))} over {_e(r.config.get('articles', ''))}</li>"
        for r in results
    )
    return f"<ul>{items}</ul>"


def _set_section(run: EvalResult, curve: RefusalCurve) -> list[str]:
    name = _e(run.label)
    failures = run.failures
    out = [
        f'<h2 id="set-{name}">{name}</h2>',
        f'<p class="muted">{_e(run.config.get("tuned", ""))} · {run.duration_s:.0f} s</p>',
        _html_table(summary_table([run])),
        "<h3>By type</h3>",
        _html_table(type_table(run)),
        "<h3>Refusal against false refusals</h3>",
        f'<p class="muted">Score: {_e(curve.source)}. A question counts as refused when its '
        "score is below the threshold. The marked threshold refuses as many questions as the "
        f"answerer did and agrees with its decisions on {_agreement(curve)} of questions; the "
        "last row is the answerer's own refusals.</p>",
        _refusal_svg(curve, run.label),
        _html_table(curve_rows(curve)),
        f"<h3>Failures ({len(failures)} of {len(run.records)})</h3>",
        *(_failure(r) for r in failures),
    ]
    return out


def _agreement(curve: RefusalCurve) -> str:
    return "—" if curve.agreement is None else f"{curve.agreement:.0%}"


def _refusal_svg(curve: RefusalCurve, label: str) -> str:
    """Three lines over the threshold axis, and a dashed line at the threshold in use."""
    if not curve.points:
        return "<p>No scores to draw a curve from.</p>"
    left, top, plot_w, plot_h = 44, 34, 560, 200
    width, height = left + plot_w + 180, top + plot_h + 40
    low, high = curve.points[0].threshold, curve.points[-1].threshold
    span = (high - low) or 1.0

    def x(t: float) -> float:
        return left + plot_w * (t - low) / span

    def y(v: float) -> float:
        return top + plot_h * (1 - v)

    title = f"{label}: refusal metrics by confidence threshold"
    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{_e(title)}">',
        f'<text x="{left}" y="16" font-size="12">{_e(title)}</text>',
    ]
    for tick in (0, 0.5, 1.0):
        svg.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="#ddd"/><text x="{left - 4}" y="{y(tick) + 4:.1f}" font-size="10" '
            f'text-anchor="end">{tick:.1f}</text>'
        )
    for i, (key, name, colour) in enumerate(_LINES):
        coords = [
            f"{x(p.threshold):.1f},{y(v):.1f}"
            for p in curve.points
            if (v := getattr(p, key)) is not None
        ]
        if coords:
            svg.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                f'points="{" ".join(coords)}"><title>{_e(name)}</title></polyline>'
            )
        ly = top + 14 + 18 * i
        svg.append(
            f'<rect x="{left + plot_w + 14}" y="{ly - 9}" width="10" height="10" '
            f'fill="{colour}"/><text x="{left + plot_w + 28}" y="{ly}" font-size="11">'
            f"{_e(name)}</text>"
        )
    if curve.in_use is not None:
        xu = x(curve.in_use.threshold)
        svg.append(
            f'<line x1="{xu:.1f}" x2="{xu:.1f}" y1="{top}" y2="{top + plot_h}" stroke="#222" '
            f'stroke-dasharray="4 3"/><text x="{xu + 3:.1f}" y="{top + 10}" font-size="10">'
            f"in use {curve.in_use.threshold:.3f}</text>"
        )
    svg.append(
        f'<text x="{left}" y="{top + plot_h + 16}" font-size="10">{low:.3f}</text>'
        f'<text x="{left + plot_w}" y="{top + plot_h + 16}" font-size="10" '
        f'text-anchor="end">{high:.3f} threshold</text></svg>'
    )
    return "\n".join(svg)


def suite_text(results: Sequence[EvalResult]) -> str:
    """The one table printed to the terminal."""
    from eval.suite import suite_table

    return text_table(suite_table(results))
