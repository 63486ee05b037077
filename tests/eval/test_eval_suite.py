"""``profile-qa eval --suite``: every set in one table, one report, a gate naming what fell.

Real qa, real indexes (one per articles folder) and the hashing embedder, so it runs fast.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from eval import suite
from profile_qa.cli import main

UNSEEN = Path(__file__).resolve().parents[2] / "eval" / "fixtures" / "unseen"
ENV = {"PROFILE_QA_EMBEDDING_MODEL": "fake:hashing-64"}


@pytest.fixture
def bench(tmp_path: Path) -> Path:
    """A benchmarks folder: one set in the benchmark layout, and one folder that is not a set."""
    root = tmp_path / "benchmarks"
    shutil.copytree(UNSEEN / "articles", root / "mini" / "articles")
    shutil.copy(UNSEEN / "gold.jsonl", root / "mini" / "dev.jsonl")
    (root / "distractors").mkdir()
    (root / "distractors" / "news.txt").write_text("无关的新闻。", encoding="utf-8")
    return root


@pytest.fixture
def only_unseen(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the built-in sets to the small unseen one (seed and held-out take longer)."""
    unseen = [s for s in suite.builtin_sets() if s.name == "unseen"]
    monkeypatch.setattr(suite, "builtin_sets", lambda: unseen)


def _suite(*args: str):
    return CliRunner(env=ENV).invoke(main, ["eval", "--suite", *args, "--no-progress"])


def test_the_suite_prints_one_row_per_set_and_writes_one_report(
    bench: Path, tmp_path: Path
) -> None:
    out = tmp_path / "r"
    result = _suite(str(bench), "--out", str(out))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split()[:5] == ["set", "questions", "hit@1", "MRR", "accuracy"]
    assert [line.split()[0] for line in lines[2:6]] == ["seed", "holdout", "unseen", "mini"]
    assert [line.split()[1] for line in lines[2:6]] == ["96", "40", "32", "32"]
    data = json.loads((out / "suite.json").read_text(encoding="utf-8"))
    assert list(data["sets"]) == ["seed", "holdout", "unseen", "mini"]
    assert data["sets"]["mini"]["summary"]["n"] == 32
    assert data["sets"]["seed"]["config"]["tuned"] == suite.TUNED_SEED
    curve = data["sets"]["holdout"]["refusal_curve"]
    # The answerer sets Answer.confidence, so the curve is over its own score.
    assert curve["points"] and curve["in_use"] and "confidence" in curve["source"]
    page = (out / "suite.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 4 and 'id="set-mini"' in page
    assert "Refusal against false refusals" in page and "in use" in page
    # Each articles folder has its own index; the product's index was never built.
    indexes = sorted(p.name.split("-")[0] for p in (tmp_path / "data" / "eval-indexes").iterdir())
    assert indexes == ["corpus", "mini", "unseen"]
    assert not (tmp_path / "data" / "index").exists()


def test_a_missing_benchmarks_folder_is_skipped_with_a_note(
    only_unseen: None, tmp_path: Path
) -> None:
    result = _suite(str(tmp_path / "nowhere"), "--out", str(tmp_path / "r"))
    assert result.exit_code == 0, result.output
    assert "benchmarks directory" in result.stderr and "benchmarks skipped" in result.stderr
    assert [line.split()[0] for line in result.stdout.splitlines()[2:3]] == ["unseen"]


def test_the_gate_fails_naming_set_metric_value_and_threshold(
    only_unseen: None, bench: Path, tmp_path: Path
) -> None:
    gates = tmp_path / "gates.toml"
    gates.write_text(
        "[unseen]\nmin_answer_accuracy = 0.99\n[mini]\nmax_false_refusal_rate = 1.0\n"
        "[cmrc2018]\nmin_answer_accuracy = 0.5\n",
        encoding="utf-8",
    )
    result = _suite(str(bench), "--out", str(tmp_path / "r"), "--gates", str(gates))
    assert result.exit_code == 1
    failed = [line for line in result.stderr.splitlines() if "quality gate failed" in line]
    assert len(failed) == 1
    assert "unseen: answer_accuracy" in failed[0] and "< 0.99" in failed[0]
    assert "gate for 'cmrc2018' skipped: the set was not run here" in result.stderr


def test_written_thresholds_pass_the_run_they_came_from(
    only_unseen: None, bench: Path, tmp_path: Path
) -> None:
    gates = tmp_path / "gates.toml"
    first = _suite(str(bench), "--out", str(tmp_path / "r1"), "--write-gates", str(gates))
    assert first.exit_code == 0, first.output
    assert "[unseen]" in gates.read_text(encoding="utf-8")
    second = _suite(str(bench), "--out", str(tmp_path / "r2"), "--gates", str(gates))
    assert second.exit_code == 0, second.output
    assert "quality gate passed" in second.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[unseen]\nmin_answer_acuracy = 0.5\n", "[unseen] min_answer_acuracy: unknown threshold"),
        ("[unseen]\nmin_answer_accuracy = 'high'\n", "must be a number"),
        ("min_answer_accuracy = 0.5\n", "must be a table"),
        ("[unseen\n", "not valid TOML"),
    ],
)
def test_a_bad_gates_file_is_refused_before_the_run(
    tmp_path: Path, content: str, message: str
) -> None:
    gates = tmp_path / "gates.toml"
    gates.write_text(content, encoding="utf-8")
    result = _suite(str(tmp_path), "--gates", str(gates))
    assert result.exit_code == 1
    assert message in result.output


def test_gates_without_suite_is_a_usage_error(tmp_path: Path) -> None:
    gates = tmp_path / "gates.toml"
    gates.write_text("", encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", "--gates", str(gates)])
    assert result.exit_code == 2 and "go with --suite" in result.output


def test_articles_evaluates_another_folder_with_its_own_index(tmp_path: Path) -> None:
    out = tmp_path / "r"
    args = ["eval", "--articles", str(UNSEEN / "articles"), "--gold", str(UNSEEN / "gold.jsonl")]
    result = CliRunner(env=ENV).invoke(main, [*args, "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr  # every evidence string found in that folder
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["summary"]["n"] == 32
    assert data["config"]["articles"] == str((UNSEEN / "articles").resolve())
    assert [p.name.split("-")[0] for p in (tmp_path / "data" / "eval-indexes").iterdir()] == [
        "unseen"
    ]
