"""report.json / report.md / report.html from a scripted run."""

from __future__ import annotations

import json
from pathlib import Path

from eval import SUMMARY_KEYS, EvalResult, run_eval, write_report
from tests.eval._fakes import WH, answer, four_answers, four_questions, gold


def _run(label: str = "hybrid") -> EvalResult:
    return run_eval(four_answers(), four_questions(), progress=False, label=label)


def test_report_json_has_the_summary_contract_and_every_question(tmp_path: Path) -> None:
    paths = write_report(_run(), tmp_path / "out")
    assert {p.name for p in paths.values()} == {"report.json", "report.md", "report.html"}
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    summary = data["summary"]
    assert set(summary) == {*SUMMARY_KEYS, "by_type"}
    assert summary["answer_accuracy"] == 0.75 and summary["hit_at_1"] == 0.6667
    assert set(summary["by_type"]["followup"]) == set(SUMMARY_KEYS)
    assert [q["id"] for q in data["questions"]] == ["g1", "g2", "g3", "g4"]
    g2 = data["questions"][1]
    assert (g2["correct"], g2["missing"], g2["hit_rank"]) == (False, ["50辆"], 1)
    assert g2["passages"][0]["header"].startswith("武汉市经济和信息化局")


def test_markdown_lists_each_failure_with_expected_given_and_top_passages(tmp_path: Path) -> None:
    md = write_report(_run(), tmp_path)["md"].read_text(encoding="utf-8")
    failures = md.split("## Failures")[1]
    assert "g2" in failures and "g1" not in failures
    assert "武汉市经信局协调捐赠了多少辆MPV？" in failures
    assert "50辆 (must contain: 50辆)" in failures
    assert "协调捐赠（采购）负压救护车329辆" in failures  # the given answer
    assert "武汉市经济和信息化局新冠肺炎疫情防控专班 · 事迹" in failures  # passage header
    assert "| answer accuracy | 0.750 |" in md


def test_html_is_self_contained_with_plots_and_escapes_every_string(tmp_path: Path) -> None:
    hostile = "<script>alert('x')</script>"
    q = gold("x<b>", f"{hostile}多少辆MPV？", "50辆", ["50辆"], ["MPV50辆"])
    answerer = four_answers()
    answerer.script[q.question] = lambda h: answer(f"没有 {hostile}", [WH])
    result = run_eval(answerer, [*four_questions(), q], progress=False, label="dense")
    html = write_report(result, tmp_path)["html"].read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "x&lt;b&gt;" in html
    assert html.count("<svg") == 2  # accuracy by type, latency histogram
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html


def test_compare_report_puts_runs_side_by_side(tmp_path: Path) -> None:
    paths = write_report([_run("dense"), _run("bm25"), _run("hybrid")], tmp_path)
    md = paths["md"].read_text(encoding="utf-8")
    assert "| metric | dense | bm25 | hybrid |" in md
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert [r["label"] for r in data["runs"]] == ["dense", "bm25", "hybrid"]
    assert data["summary"] == data["runs"][0]["summary"]
