"""The HTML report: one self-contained page with inline SVG plots (opens offline)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from eval.report import (
    METRIC_DEFINITIONS,
    config_line,
    evidence_text,
    expected_text,
    given_text,
    shorten,
    summary_table,
    type_table,
)
from eval.runner import EvalResult
from eval.scoring import QuestionRecord

_COLOURS = ("#3366cc", "#dc3912", "#ff9900", "#109618", "#990099", "#0099c6")

_CSS = """
body{font-family:system-ui,"Noto Sans CJK SC","PingFang SC",sans-serif;margin:2rem auto;
max-width:1100px;padding:0 1rem;color:#222;line-height:1.5}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}
th,td{border:1px solid #ccc;padding:.25rem .6rem;text-align:right}
th:first-child,td:first-child{text-align:left}
th{background:#f3f3f3}
.failure{border:1px solid #ddd;border-radius:6px;padding:.5rem 1rem;margin:.8rem 0}
.failure h3{margin:.2rem 0;font-size:1rem}
.passage{border-left:3px solid #ccc;padding-left:.6rem;margin:.4rem 0;font-size:.9rem}
.passage.hit{border-left-color:#109618}
.muted{color:#666;font-size:.9rem}
dt{font-weight:bold}
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def render_html(runs: Sequence[EvalResult], generated: str) -> str:
    """The whole page; every string from questions, answers and passages is escaped."""
    config = config_line(runs)
    body = [
        "<h1>Evaluation report</h1>",
        f'<p class="muted">Generated {_e(generated)}. {_e(config)}</p>',
        "<h2>Summary</h2>",
        _html_table(summary_table(runs)),
        "<h2>Answer accuracy by question type</h2>",
        _accuracy_chart(runs),
        "<h2>Latency of the whole answer</h2>",
        *(_latency_histogram(run, _COLOURS[i % len(_COLOURS)]) for i, run in enumerate(runs)),
    ]
    for run in runs:
        body += [f"<h2>By type — {_e(run.label or 'run')}</h2>", _html_table(type_table(run))]
    body.append("<h2>How the metrics are defined</h2><dl>")
    body += [f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in METRIC_DEFINITIONS.items()]
    body.append("</dl>")
    for run in runs:
        failures = run.failures
        body.append(
            f"<h2>Failures — {_e(run.label or 'run')} ({len(failures)} of {len(run.records)})</h2>"
        )
        body += [_failure(r) for r in failures]
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Evaluation report</title><style>{_CSS}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def _html_table(rows: list[list[str]]) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows[1:])
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _failure(r: QuestionRecord) -> str:
    parts = [
        '<div class="failure">',
        f"<h3>{_e(r.id)} · {_e(r.type)} · {_e(r.profile)}</h3>",
        f"<p><b>Question:</b> {_e(r.question)}</p>",
    ]
    if r.history:
        parts.append(f"<p><b>History:</b> {_e(' → '.join(r.history))}</p>")
    parts.append(f"<p><b>Expected:</b> {_e(expected_text(r))}</p>")
    parts.append(f"<p><b>Given:</b> {_e(given_text(r))}</p>")
    if r.missing:
        parts.append(f"<p><b>Missing:</b> {_e('、'.join(r.missing))}</p>")
    parts.append(f'<p class="muted"><b>Evidence:</b> {_e(evidence_text(r))}</p>')
    for p in r.passages[:3]:
        cls = "passage hit" if p.has_evidence else "passage"
        mark = " ✓ evidence" if p.has_evidence else ""
        parts.append(
            f'<div class="{cls}"><b>{p.rank}. {_e(p.header)}</b>{mark}<br>'
            f"{_e(shorten(p.text, 400))}</div>"
        )
    parts.append("</div>")
    return "\n".join(parts)


def _accuracy_chart(runs: Sequence[EvalResult]) -> str:
    types = list(dict.fromkeys(t for run in runs for t in run.summary["by_type"]))
    if not types:
        return "<p>No questions.</p>"
    left, top, bottom, plot_h = 40, 30, 95, 220
    group_w = max(40, 14 * len(runs) + 16)
    width = max(left + group_w * len(types) + 20, left + 110 * len(runs) + 20)
    height = top + plot_h + bottom
    bar_w = (group_w - 16) / len(runs)
    svg = [_svg_open(width, height, "Answer accuracy by question type")]
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        y = top + plot_h * (1 - tick)
        svg.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        svg.append(_text(left - 4, y + 4, f"{tick:.2f}", anchor="end", size=10))
    for i, name in enumerate(types):
        x0 = left + i * group_w + 8
        for j, run in enumerate(runs):
            value = run.summary["by_type"].get(name, {}).get("answer_accuracy")
            h = plot_h * (value or 0.0)
            x = x0 + j * bar_w
            tip = f"{run.label or 'run'} · {name}: " + ("—" if value is None else f"{value:.3f}")
            svg.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 2:.1f}" '
                f'height="{h:.1f}" fill="{_COLOURS[j % len(_COLOURS)]}">'
                f"<title>{_e(tip)}</title></rect>"
            )
        cx, cy = x0 + (group_w - 16) / 2, top + plot_h + 12
        svg.append(
            f'<text x="{cx:.1f}" y="{cy:.1f}" font-size="11" text-anchor="end" '
            f'transform="rotate(-40 {cx:.1f} {cy:.1f})">{_e(name)}</text>'
        )
    svg += _legend(runs, left, 16)
    svg.append("</svg>")
    return "\n".join(svg)


def _latency_histogram(run: EvalResult, colour: str, bins: int = 20) -> str:
    values = [r.total_ms for r in run.records]
    title = f"{run.label or 'run'}: whole-answer latency (ms), {len(values)} questions"
    if not values:
        return f"<p>{_e(title)}: no data.</p>"
    low, high = min(values), max(values)
    step = (high - low) / bins or 1.0
    counts = [0] * bins
    for v in values:
        counts[min(int((v - low) / step), bins - 1)] += 1
    left, top, plot_w, plot_h = 40, 30, 600, 160
    width, height = left + plot_w + 20, top + plot_h + 40
    peak = max(counts)
    svg = [_svg_open(width, height, title), _text(left, 16, title, size=12)]
    bar_w = plot_w / bins
    for i, count in enumerate(counts):
        h = plot_h * count / peak
        tip = f"{low + i * step:.1f}–{low + (i + 1) * step:.1f} ms: {count}"
        svg.append(
            f'<rect x="{left + i * bar_w:.1f}" y="{top + plot_h - h:.1f}" '
            f'width="{bar_w - 1:.1f}" height="{h:.1f}" fill="{colour}">'
            f"<title>{_e(tip)}</title></rect>"
        )
    for name in ("total_p50_ms", "total_p95_ms"):
        value = run.latency.get(name)
        if value is None:
            continue
        x = left + plot_w * ((value - low) / (high - low) if high > low else 0.0)
        label = name.split("_")[1] + f" {value:.0f}"
        svg.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + plot_h}" '
            'stroke="#222" stroke-dasharray="4 3"/>'
        )
        svg.append(_text(x + 3, top + 10, label, size=10))
    svg.append(_text(left - 4, top + 8, str(peak), anchor="end", size=10))
    svg.append(_text(left - 4, top + plot_h, "0", anchor="end", size=10))
    svg.append(_text(left, top + plot_h + 16, f"{low:.1f}", size=10))
    svg.append(_text(left + plot_w, top + plot_h + 16, f"{high:.1f} ms", anchor="end", size=10))
    svg.append("</svg>")
    return "\n".join(svg)


def _svg_open(width: float, height: float, label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{_e(label)}">'
    )


def _text(x: float, y: float, text: str, anchor: str = "start", size: int = 11) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}">{_e(text)}</text>'
    )


def _legend(runs: Sequence[EvalResult], x: float, y: float) -> list[str]:
    items = []
    for j, run in enumerate(runs):
        xi = x + j * 110
        items.append(
            f'<rect x="{xi}" y="{y - 9}" width="10" height="10" '
            f'fill="{_COLOURS[j % len(_COLOURS)]}"/>'
        )
        items.append(_text(xi + 14, y, run.label or f"run {j + 1}", size=11))
    return items
