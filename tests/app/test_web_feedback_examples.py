"""Feedback storage and example questions."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus import chunk_articles, load_articles
from profile_qa.settings import Settings
from profile_qa.web.examples import example_questions, load_examples
from profile_qa.web.feedback import FeedbackStore


def test_feedback_is_stored_with_question_answer_and_sources(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "sub" / "feedback.sqlite3")
    sources = [{"number": 1, "subject": "夏昆山", "sentence": "连续59天奋战在保障生产第一线"}]
    store.add("like", "夏昆山连续多少天奋战？", "59天[1]", sources, "extractive", "chat")
    store.add("dislike", "问题", "回答", [], "", "api")
    rows = store.all()
    assert [r["rating"] for r in rows] == ["like", "dislike"]
    assert rows[0]["question"] == "夏昆山连续多少天奋战？"
    assert rows[0]["sources"] == sources
    assert rows[0]["channel"] == "chat"


def test_oversized_sources_are_dropped_whole_and_stay_readable(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    long_source = {"number": 1, "subject": "夏昆山", "text": "疫情防控" * 10000}
    store.add("like", "问题", "回答", [{"number": 0, "text": "短"}, long_source])
    assert store.all()[0]["sources"] == [{"number": 0, "text": "短"}]


def test_feedback_rejects_unknown_ratings(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        FeedbackStore(tmp_path / "f.sqlite3").add("meh", "q", "a")


def test_one_example_per_seed_profile_from_the_editors_file(settings: Settings) -> None:
    chunks = chunk_articles(load_articles(settings.articles_dir).articles, settings)
    curated = load_examples(settings.articles_dir)
    examples = example_questions(chunks, curated)
    assert len(examples) == 8 == len(curated)
    assert examples[0] == curated[0][1]
    assert {q for _, q in curated} == set(examples)


def test_an_editor_adds_an_example_without_code(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "articles").mkdir()
    (tmp_path / "examples.toml").write_text(
        '[[example]]\nmatch = "某某"\nquestion = "某某公司捐了什么？"\n', encoding="utf-8"
    )
    chunks = chunk_articles(load_articles(settings.articles_dir).articles, settings)
    renamed = [c.__class__(**{**c.__dict__, "subject": "某某公司"}) for c in chunks if c.subject]
    curated = load_examples(tmp_path / "articles")
    assert example_questions(renamed[:1], curated) == ["某某公司捐了什么？"]
    (tmp_path / "examples.toml").write_text("[[example]\n", encoding="utf-8")
    assert load_examples(tmp_path / "articles") == []  # broken file: generic examples


def test_examples_fall_back_when_a_profile_is_unknown(settings: Settings) -> None:
    chunks = chunk_articles(load_articles(settings.articles_dir).articles, settings)
    renamed = [c.__class__(**{**c.__dict__, "subject": "某某公司"}) for c in chunks if c.subject]
    assert example_questions(renamed[:1]) == ["某某公司在抗疫中做了哪些工作？"]
    assert example_questions([]) == ["这些文章介绍了哪些抗疫先进集体和个人？"]
