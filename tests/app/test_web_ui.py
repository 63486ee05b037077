"""The Gradio chat's handlers, without a browser: streaming turns, limits, feedback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from profile_qa.settings import Settings
from profile_qa.web import describe_answerer
from profile_qa.web.ui import chat_turn, record_feedback
from tests.app.fakes import FakeAnswerer

MPV = "武汉市经信局协调捐赠了多少辆MPV？"


def run(steps: AsyncIterator[Any]) -> list[Any]:
    """Every update of one async chat turn."""

    async def collect() -> list[Any]:
        return [step async for step in steps]

    return asyncio.run(collect())


def test_a_turn_streams_then_shows_the_answer_and_its_sources(settings: Settings) -> None:
    service = describe_answerer(settings, FakeAnswerer(settings))
    steps = run(chat_turn(service, f"  {MPV}<b>  ", [], "1.2.3.4"))
    box, messages, panel, turns = steps[0]
    assert box == "" and panel is None and turns == []
    assert messages[0]["content"] == f"{MPV}&lt;b&gt;"  # the question, escaped
    box, messages, panel, turns = steps[-1]
    assert len(turns) == 1 and turns[0]["question"] == f"{MPV}<b>"
    assert '<sup class="pq-cite">[1]</sup>' in messages[-1]["content"]
    assert panel is not None and "<mark>" in panel and "武汉市经济和信息化局" in panel
    assert len(steps) > 2  # deltas were shown before the final answer


def test_the_next_turn_sends_the_history(settings: Settings) -> None:
    fake = FakeAnswerer(settings)
    service = describe_answerer(settings, fake)
    *_, (_, _, _, turns) = run(chat_turn(service, MPV, [], "ip"))
    run(chat_turn(service, "那救护车呢？", turns, "ip"))
    assert fake.calls[-1][1] == [(MPV, turns[0]["answer"])]


def test_empty_input_does_nothing(settings: Settings) -> None:
    service = describe_answerer(settings, FakeAnswerer(settings))
    assert run(chat_turn(service, "   ", [], "ip")) == []


def test_the_chat_is_rate_limited_per_client(settings: Settings) -> None:
    import gradio as gr

    service = describe_answerer(settings.replace(rate_limit_per_minute=1), FakeAnswerer(settings))
    run(chat_turn(service, MPV, [], "10.0.0.1"))
    with pytest.raises(gr.Error, match="请求过于频繁"):
        run(chat_turn(service, MPV, [], "10.0.0.1"))
    assert run(chat_turn(service, MPV, [], "10.0.0.2"))


def test_errors_reach_the_user_without_details(settings: Settings) -> None:
    import gradio as gr

    broken = FakeAnswerer(settings, fail_with=RuntimeError("/srv/secret/index.faiss"))
    service = describe_answerer(settings, broken)
    with pytest.raises(gr.Error) as info:
        run(chat_turn(service, MPV, [], "ip"))
    assert "secret" not in str(info.value.message)


def test_feedback_goes_to_the_matching_turn(settings: Settings) -> None:
    service = describe_answerer(settings, FakeAnswerer(settings))
    *_, (_, _, _, turns) = run(chat_turn(service, MPV, [], "ip"))
    assert not record_feedback(service, turns, 0, True)  # the user's own message
    assert not record_feedback(service, turns, 3, True)  # no such answer
    assert record_feedback(service, turns, 1, False)
    row = service.feedback.all()[-1]
    assert row["rating"] == "dislike" and row["question"] == MPV and row["sources"]
