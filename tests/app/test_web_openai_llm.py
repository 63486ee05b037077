"""/v1 on the LLM generator (a fake OpenAI-compatible endpoint, the hashing embedder): the
streamed text is the checked answer, never the model's raw or broken output."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

import qa
from corpus import chunk_articles, load_articles
from embeddings.fake import HashingEmbedder
from profile_qa.settings import Settings
from profile_qa.web import describe_answerer
from profile_qa.web.openai_render import SOURCES_HEADING
from profile_qa.web.server import build_app
from tests.qa.conftest import DenseSearcher
from tests.qa.fake_openai import FakeOpenAI

QUESTION = "武汉市经信局协调捐赠了多少辆MPV？"


@pytest.fixture(scope="module")
def fake_llm() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def llm_client(settings: Settings, fake_llm: FakeOpenAI, model: str) -> TestClient:
    settings = settings.replace(
        generator="llm", llm_base_url=fake_llm.base_url, llm_model=model, llm_timeout=5.0
    )
    embedder = HashingEmbedder(256)
    chunks = chunk_articles(load_articles(settings.articles_dir).articles, settings)
    answerer = qa.load_answerer(settings, embedder=embedder, index=DenseSearcher(chunks, embedder))
    return TestClient(build_app(describe_answerer(settings, answerer), with_chat=False))


def streamed(client: TestClient, model: str = "profile-qa") -> tuple[str, list[Any]]:
    payload = {"model": model, "stream": True, "messages": [{"role": "user", "content": QUESTION}]}
    r = client.post("/v1/chat/completions", json=payload)
    assert r.status_code == 200
    events = [json.loads(b[6:]) for b in r.text.strip().split("\n\n") if b != "data: [DONE]"]
    text = "".join(e["choices"][0]["delta"].get("content") or "" for e in events)
    return text, events


def test_a_marker_to_no_passage_never_reaches_the_client(
    settings: Settings, fake_llm: FakeOpenAI
) -> None:
    client = llm_client(settings, fake_llm, "fake-cite9")  # the model cites [1] and [9]
    text, events = streamed(client)
    answer = text.partition(SOURCES_HEADING)[0]
    assert "[1]" in answer and "[9]" not in answer
    assert events[-1]["profile_qa"]["generator"] == "llm"
    assert [c["number"] for c in events[-1]["choices"][0]["delta"]["citations"]] == [1]
    assert [m["id"] for m in client.get("/v1/models").json()["data"]] == [
        "profile-qa",
        "profile-qa-extractive",
        "profile-qa-llm",
    ]


def test_a_model_failing_mid_answer_shows_only_the_extractive_answer(
    settings: Settings, fake_llm: FakeOpenAI
) -> None:
    client = llm_client(settings, fake_llm, "fake-midstream")  # two pieces, then it hangs up
    text, events = streamed(client)
    info = events[-1]["profile_qa"]
    assert info["generator"] == "extractive" and info["note"]
    assert "根据资料" not in text  # the model's first words, sent before it hung up
    assert "（注：" in text.partition(SOURCES_HEADING)[0]
    plain = client.post(
        "/v1/chat/completions",
        json={"model": "profile-qa", "messages": [{"role": "user", "content": QUESTION}]},
    ).json()
    assert text == plain["choices"][0]["message"]["content"]
