"""Chunks of the seed articles: citable offsets, headers, sizes, stable ids."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

import corpus
from profile_qa.settings import Settings


@pytest.fixture(scope="module")
def report(seed_articles_dir: Path) -> corpus.LoadReport:
    return corpus.load_articles(seed_articles_dir)


def test_every_chunk_text_is_its_slice_of_the_article(
    report: corpus.LoadReport, settings: Settings
) -> None:
    articles = {a.id: a for a in report.articles}
    chunks = corpus.chunk_articles(report.articles, settings)
    assert len(chunks) > 10
    for chunk in chunks:
        article = articles[chunk.article_id]
        assert chunk.text == article.text[chunk.start : chunk.end]
        section = article.sections[chunk.section_index]
        assert section.start <= chunk.start < chunk.end <= section.end  # never crosses sections
        assert corpus.count_tokens(chunk.text) <= settings.chunk_size
        assert chunk.date == article.date
        assert chunk.article_title == article.title
        assert chunk.source_file == article.source_file
    assert len({c.id for c in chunks}) == len(chunks)


def test_headers_carry_the_subject(report: corpus.LoadReport, settings: Settings) -> None:
    chunks = corpus.chunk_articles(report.articles, settings)
    headers = {c.header for c in chunks}
    assert "鲜花和掌声献给抗击新冠肺炎疫情的工信先锋" in headers  # the introduction
    assert "日照三奇医疗卫生用品有限公司 · 三种情怀彰显民企担当" in headers
    assert "夏昆山 · 全力以赴保供应，倾心攻打疫情战" in headers
    sanqi = [c for c in chunks if c.subject == "日照三奇医疗卫生用品有限公司"]
    assert any("口罩1.35亿只" in c.text for c in sanqi)
    assert all(c.indexed_text.startswith(c.header + "\n") for c in chunks)


def test_sections_are_fully_covered(report: corpus.LoadReport, settings: Settings) -> None:
    chunks = corpus.chunk_articles(report.articles, settings)
    for article in report.articles:
        for section in article.sections:
            mine = [
                c for c in chunks if c.article_id == article.id and c.section_index == section.index
            ]
            covered = set()
            for c in mine:
                covered.update(range(c.start, c.end))
            body = {i for i in range(section.start, section.end) if not article.text[i].isspace()}
            assert body <= covered


def test_overlap_repeats_the_last_sentence(report: corpus.LoadReport, settings: Settings) -> None:
    chunks = [c for c in corpus.chunk_articles(report.articles, settings) if c.subject == "夏昆山"]
    overlapping = [(a, b) for a, b in itertools.pairwise(chunks) if b.start < a.end]
    assert overlapping
    for a, b in overlapping:
        assert a.text.endswith(b.text[: a.end - b.start])


def test_no_overlap_setting(report: corpus.LoadReport, settings: Settings) -> None:
    chunks = corpus.chunk_articles(report.articles, settings.replace(chunk_overlap_sentences=0))
    for a, b in itertools.pairwise(chunks):
        if (a.article_id, a.section_index) == (b.article_id, b.section_index):
            assert b.start >= a.end


def test_ids_are_stable_when_an_article_is_added(
    seed_articles_dir: Path, tmp_path: Path, settings: Settings
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    shutil.copy(seed_articles_dir / "004_cc9c6a30d5e618a3.txt", folder)
    before = [c.id for c in corpus.chunk_articles(corpus.load_articles(folder).articles, settings)]
    shutil.copy(seed_articles_dir / "000_55cfba9dcf3082ae.txt", folder)
    after = corpus.chunk_articles(corpus.load_articles(folder).articles, settings)
    assert [c.id for c in after if c.article_id == "004_cc9c6a30d5e618a3"] == before
    assert before[0].startswith("004_cc9c6a30d5e618a3:0:")
