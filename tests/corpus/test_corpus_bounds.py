"""Articles are bounded: oversized files and links leaving the folder are skipped, with why."""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from pathlib import Path

import pytest

import corpus
from corpus.readers import read_docx, read_file, read_pdf
from profile_qa.errors import ProfileQAError
from tests.conftest import SEED_ARTICLES
from tests.corpus._pdf import make_pdf

LIMIT = 20_000  # bytes of UTF-8 text in these tests
LINE = "工业和信息化部授予三奇公司先进集体称号，口罩日产量提高到350万只。"  # 102 bytes


def _docx_bytes(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _seed_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    shutil.copytree(SEED_ARTICLES, folder)
    return folder


def _reasons(folder: Path, limit: int = LIMIT) -> dict[str, str]:
    report = corpus.load_articles(folder, limit)
    return {Path(s.path).name: s.reason for s in report.skipped}


def test_a_big_text_file_is_skipped_with_the_reason_and_the_rest_loads(tmp_path: Path) -> None:
    folder = _seed_copy(tmp_path)
    (folder / "huge.txt").write_text(LINE * 300, encoding="utf-8")  # 30 KB of text
    (folder / "huge.md").write_text(LINE * 300, encoding="utf-8")
    report = corpus.load_articles(folder, LIMIT)
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert set(reasons) == {"huge.txt", "huge.md"}
    assert all("too large" in r and "max_article_bytes" in r for r in reasons.values())
    assert len(report.articles) == 2  # the seeds


def test_a_file_far_over_the_bound_is_not_even_read(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    big = folder / "huge.txt"
    with big.open("wb") as f:  # sparse: 50 MB on paper, nothing written
        f.truncate(50_000_000)
    assert "the file is 50.0 MB" in _reasons(folder)["huge.txt"]


def test_a_docx_bomb_is_refused_before_it_is_decompressed() -> None:
    # A few KB that inflate to megabytes of XML: the zip directory says so up front.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:t>" + "口" * 20_000_000 + "</w:t>")
    assert len(out.getvalue()) < 200_000
    with pytest.raises(ProfileQAError, match=r"too large: the document's XML is 60\.0 MB"):
        read_docx(out.getvalue(), LIMIT)


def test_a_docx_with_too_much_text_stops_while_extracting() -> None:
    data = _docx_bytes([LINE] * 400)  # ~40 KB of text, small XML overhead
    with pytest.raises(ProfileQAError, match="too large: the text"):
        read_docx(data, LIMIT)
    assert LINE in read_docx(_docx_bytes([LINE] * 10), LIMIT).text


def test_a_pdf_with_too_much_text_is_refused() -> None:
    data = make_pdf([LINE[:30]] * 40)
    assert read_pdf(data, 50_000).text
    with pytest.raises(ProfileQAError, match="too large: the text"):
        read_pdf(data, 1_000)


def test_html_within_the_bound_still_loads(tmp_path: Path) -> None:
    page = f"<html><head><title>标题</title></head><body><p>{LINE}</p></body></html>"
    assert LINE in read_file(Path("a.html"), page.encode("utf-8"), LIMIT).text


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_a_symlink_leaving_the_folder_is_skipped_and_reported(tmp_path: Path) -> None:
    folder = _seed_copy(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n" * 5, encoding="utf-8")
    (folder / "passwd.txt").symlink_to(secret)
    (folder / "dangling.txt").symlink_to(tmp_path / "missing.txt")
    inside = sorted(p for p in folder.iterdir() if p.suffix == ".txt")[0]
    (folder / "alias.txt").symlink_to(inside)  # a link within the folder is fine
    report = corpus.load_articles(folder, LIMIT * 100)
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert reasons["passwd.txt"] == "symbolic link to a file outside the folder"
    assert reasons["dangling.txt"] == "symbolic link to a file outside the folder"
    assert all("root:x" not in a.text for a in report.articles)
    assert "alias.txt" not in reasons
