"""Loading the service at start (index built or rebuilt) and sharing the answerer."""

from __future__ import annotations

import logging

import pytest

from embeddings.fake import HashingEmbedder
from profile_qa.errors import ConfigError
from profile_qa.settings import Settings
from profile_qa.web import describe_answerer, load_service
from tests.app.fakes import FakeAnswerer

MPV = "武汉市经信局协调捐赠了多少辆MPV？"


def test_first_start_builds_the_index_and_says_so(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="profile_qa.web"):
        # Fake embedder: the trained refusal threshold does not apply (see tests/conftest.py).
        service = load_service(settings.replace(answer_threshold=0.0), embedder=HashingEmbedder())
    assert "building it now" in caplog.text
    assert settings.index_dir.is_dir()
    assert service.info.index_loaded and service.info.article_count == 2
    assert service.info.model_id == "fake:hashing-256"
    answer = service.answer(MPV)
    assert answer.citations and "50" in answer.text


def test_an_index_built_with_another_model_is_rebuilt(settings: Settings) -> None:
    load_service(settings, embedder=HashingEmbedder(256))
    service = load_service(settings, embedder=HashingEmbedder(128))
    assert service.info.model_id == "fake:hashing-128"
    assert service.answer(MPV).citations


def test_options_use_a_variant_answerer(settings: Settings) -> None:
    service = load_service(settings, embedder=HashingEmbedder())
    few = service.answer(MPV, top_k=1)
    assert len(few.passages) == 1
    assert len(service.answer(MPV).passages) == settings.top_k
    with pytest.raises(ConfigError, match="llm"):
        service.answer(MPV, generator="llm")


def test_abandoned_streams_do_not_block_later_questions(settings: Settings) -> None:
    service = describe_answerer(settings, FakeAnswerer(settings))
    abandoned = []
    for _ in range(10):  # more than the answer slots
        stream = service.stream(MPV)
        next(stream)
        abandoned.append(stream)
    assert service.answer(MPV).citations
