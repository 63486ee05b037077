"""``profile-qa eval`` end to end: real index (hashing embedder), scripted answerer."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from profile_qa.cli import main
from qa.model import Answer, Passage

GOLD_LINES = [
    {
        "id": "a1",
        "question": "三奇公司的口罩日产量提高到了多少？",
        "answer": "350万只",
        "must_contain": ["350万只"],
        "evidence": ["口罩从日产50万只提高到350万只"],
        "doc": "000_55cfba9dcf3082ae.txt",
        "profile": "日照三奇医疗卫生用品有限公司",
        "type": "numeric",
        "history": [],
    },
    {
        "id": "a2",
        "question": "深中海有多少条生产线？",
        "answer": "11条",
        "must_contain": ["11条"],
        "evidence": ["这句话不在文章里"],
        "doc": "004_cc9c6a30d5e618a3.txt",
        "profile": "夏昆山",
        "type": "numeric",
        "history": [],
    },
    {
        "id": "a3",
        "question": "华为公司捐赠了多少只口罩？",
        "answer": None,
        "must_contain": [],
        "evidence": [],
        "doc": "",
        "profile": "华为技术有限公司",
        "type": "unanswerable",
        "history": [],
    },
]


class _QuotingAnswerer:
    """Answers with the top passage's first sentence; refuses when the question names 华为."""

    def __init__(self, index: Any) -> None:
        self.index = index

    def answer(self, question: str, history: Sequence[tuple[str, str]] = ()) -> Answer:
        chunks = [c for c in self.index.chunks if "350万只" in c.text] + self.index.chunks[:4]
        refused = "华为" in question
        return Answer(
            question=question,
            resolved_question=question,
            text="" if refused else chunks[0].text,
            citations=(),
            passages=tuple(Passage(c, i, 1.0) for i, c in enumerate(chunks, start=1)),
            generator="extractive",
            refused=refused,
            timings_ms={"retrieval": 1.0, "total": 2.0},
        )

    def save(self) -> None:
        """The runner keeps an answerer's cached work after a run; a stand-in has none."""


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, Any, Any]]:
    """Replace qa.load_answerer; record (settings, embedder, index) of every load."""
    import qa

    calls: list[tuple[Any, Any, Any]] = []

    def load_answerer(settings: Any, embedder: Any = None, index: Any = None) -> Any:
        calls.append((settings, embedder, index))
        return _QuotingAnswerer(index)

    monkeypatch.setattr(qa, "load_answerer", load_answerer, raising=False)
    monkeypatch.setenv("PROFILE_QA_EMBEDDING_MODEL", "fake:hashing-64")
    return calls


@pytest.fixture
def gold_file(tmp_path: Path) -> Path:
    path = tmp_path / "never-seen.jsonl"
    lines = [json.dumps(line, ensure_ascii=False) for line in GOLD_LINES]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_compare_loads_the_index_once_and_prints_modes_side_by_side(
    loads: list[tuple[Any, Any, Any]], gold_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report"
    args = ["eval", "--gold", str(gold_file), "--compare", "dense,bm25,hybrid"]
    result = CliRunner().invoke(main, [*args, "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert [s.retrieval_mode for s, _, _ in loads] == ["dense", "bm25", "hybrid"]
    assert len({id(e) for _, e, _ in loads}) == 1 and len({id(i) for _, _, i in loads}) == 1
    header = result.stdout.splitlines()[0].split()
    assert header == ["metric", "dense", "bm25", "hybrid"]
    assert "answer accuracy     0.667  0.667  0.667" in result.stdout
    assert "warning: a2: evidence not in 004_cc9c6a30d5e618a3.txt" in result.stderr
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    # The headline summary is the configured mode (hybrid), not the first one compared.
    assert [r["label"] for r in data["runs"]] == ["hybrid", "dense", "bm25"]
    assert data["summary"] == data["runs"][0]["summary"]
    assert (out / "report.html").is_file() and (out / "report.md").is_file()


def test_thresholds_fail_the_command_and_name_the_metric(
    loads: list[tuple[Any, Any, Any]], gold_file: Path, tmp_path: Path
) -> None:
    args = ["eval", "--gold", str(gold_file), "--out", str(tmp_path / "r"), "--no-progress"]
    passing = CliRunner().invoke(
        main, [*args, "--min-hit-at-1", "0.5", "--max-latency-p95-ms", "50"]
    )
    assert passing.exit_code == 0, passing.output
    failing = CliRunner().invoke(main, [*args, "--min-answer-accuracy", "0.9"])
    assert failing.exit_code == 1
    assert "quality gate failed: answer_accuracy 0.6667 < 0.9" in failing.stderr


def test_a_malformed_gold_file_is_reported_with_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({**GOLD_LINES[0], "type": "yesno"}) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", "--gold", str(path)])
    assert result.exit_code == 1
    assert "bad.jsonl, line 1: field 'type': unknown type 'yesno'" in result.output


def test_an_unknown_compare_mode_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["eval", "--compare", "dense,sparse"])
    assert result.exit_code == 2
    assert "use a comma list of hybrid, dense, bm25" in result.output


def test_the_real_answerer_runs_a_slice_of_the_seed_gold_set(tmp_path: Path) -> None:
    """No stand-ins but the hashing embedder: the command works with qa as it is."""
    seed = Path(__file__).resolve().parents[2] / "eval" / "gold" / "seed.jsonl"
    lines = seed.read_text(encoding="utf-8").splitlines()
    gold = tmp_path / "slice.jsonl"
    gold.write_text("\n".join(lines[:6] + lines[-3:]) + "\n", encoding="utf-8")
    out = tmp_path / "r"
    args = ["eval", "--gold", str(gold), "--compare", "bm25,hybrid", "--out", str(out)]
    result = CliRunner(env={"PROFILE_QA_EMBEDDING_MODEL": "fake:hashing-64"}).invoke(
        main, [*args, "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    runs = json.loads((out / "report.json").read_text(encoding="utf-8"))["runs"]
    assert [r["summary"]["n"] for r in runs] == [9, 9]
    assert all(q["passages"] for r in runs for q in r["questions"] if q["answerable"])
