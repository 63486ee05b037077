"""``profile-qa corpus inspect``: what an editor sees, and the same as JSON."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from profile_qa.cli import main


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["corpus", "inspect", *args])
    return result.exit_code, result.output


def test_inspect_lists_articles_sections_and_chunks(seed_articles_dir: Path, monkeypatch) -> None:
    monkeypatch.setenv("PROFILE_QA_ARTICLES_DIR", str(seed_articles_dir))
    code, out = _run()
    assert code == 0, out
    assert "2 article(s) loaded, 0 file(s) skipped" in out
    assert "000_55cfba9dcf3082ae  鲜花和掌声献给抗击新冠肺炎疫情的工信先锋" in out
    assert "sections: 8" in out
    assert "profile 日照三奇医疗卫生用品有限公司" in out
    assert "date: 2020-03-24 14:35:12" in out
    assert "profile 夏昆山" in out


def test_inspect_json_document(seed_articles_dir: Path) -> None:
    code, out = _run(str(seed_articles_dir), "--json")
    assert code == 0, out
    data = json.loads(out)
    assert "夏昆山" in out  # ensure_ascii=False: readable Chinese
    assert data["skipped"] == []
    first = data["articles"][0]
    assert set(first) >= {"id", "title", "date", "source", "source_file", "sections"}
    assert [s["subject"] for s in first["sections"]][1:4] == [
        "武汉市经济和信息化局新冠肺炎疫情防控专班",
        "湖北省通管局疫情防控通信保障武汉市专项工作组",
        "日照三奇医疗卫生用品有限公司",
    ]
    section = first["sections"][3]
    assert set(section) >= {"index", "kind", "subject", "title", "text", "chunks"}
    chunk = section["chunks"][0]
    assert set(chunk) == {"id", "text", "header", "start", "end", "tokens"}
    assert chunk["header"] == "日照三奇医疗卫生用品有限公司 · 三种情怀彰显民企担当"
    assert 0 < chunk["tokens"] <= 300


def test_inspect_reports_skipped_files(tmp_path: Path) -> None:
    (tmp_path / "000_a.txt").write_text("三种情怀彰显民企担当\n\n——记日照三奇\n\n舍弃。", "utf-8")
    (tmp_path / "001_empty.txt").write_bytes(b"")
    (tmp_path / "002_blob.txt").write_bytes(b"\x00\x01\x02")
    code, out = _run(str(tmp_path))
    assert code == 0, out
    assert "1 article(s) loaded, 2 file(s) skipped" in out
    assert "001_empty.txt: empty file" in out
    assert "002_blob.txt: binary file" in out
    code, out = _run(str(tmp_path), "--json")
    reasons = {Path(s["path"]).name: s["reason"] for s in json.loads(out)["skipped"]}
    assert reasons["001_empty.txt"] == "empty file"


def test_inspect_one_file(tmp_path: Path) -> None:
    path = tmp_path / "blob.txt"
    path.write_bytes(b"\x00\x01")
    code, out = _run(str(path), "--json")
    assert code == 0
    assert json.loads(out)["skipped"][0]["reason"].startswith("binary file")


def test_missing_articles_folder_is_a_clean_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PROFILE_QA_ARTICLES_DIR", str(tmp_path / "nope"))
    code, out = _run()
    assert code == 1
    assert "does not exist" in out
    assert "Traceback" not in out
