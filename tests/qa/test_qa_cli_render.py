"""`profile-qa ask`, answer_to_dict/format_answer, and citation marker handling."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from profile_qa.cli import main
from qa import answer_to_dict, format_answer
from qa.chain import Answerer
from qa.citations import cite, markers, renumber
from tests.qa.fake_openai import FakeOpenAI


@pytest.mark.parametrize(
    ("text", "valid", "expected"),
    [
        ("甲[1]乙[3]丙[1]", {1, 3}, "甲[1]乙[2]丙[1]"),
        ("甲[2]乙[9]", {1, 2}, "甲[1]乙"),
        ("甲[3][3]乙[1]", {1, 2, 3}, "甲[1]乙[2]"),
        ("没有引用", {1}, "没有引用"),
        ("只有[7]", {1, 2}, "只有"),
    ],
)
def test_renumber_drops_and_renumbers(text: str, valid: set[int], expected: str) -> None:
    assert renumber(text, valid)[0] == expected


def test_cite_locates_the_supporting_sentence(answerer: Answerer) -> None:
    passages = answerer.retrieve("三奇口罩日产量提高到多少？")
    spans = {p.chunk.id: answerer._spans(p) for p in passages}
    text, citations = cite("口罩日产量提高到350万只[1]，另有[12]。", passages, spans)
    assert text == "口罩日产量提高到350万只[1]，另有。"
    assert markers(text) == [1] and len(citations) == 1
    assert "350万只" in citations[0].sentence


def test_answer_to_dict_is_json_ready(answerer: Answerer) -> None:
    data = answer_to_dict(answerer.answer("武汉市经信局协调捐赠了多少辆MPV？"))
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert data["citations"][0]["number"] == 1
    assert "MPV50辆" in data["citations"][0]["sentence"]
    assert {"answer", "resolved_question", "refused", "passages", "timings_ms"} <= set(data)


def test_format_answer_lists_the_sources(answerer: Answerer) -> None:
    text = format_answer(answerer.answer("武汉市经信局协调捐赠了多少辆MPV？"))
    assert text.startswith("50辆")
    assert "来源：" in text and "[1] 鲜花和掌声献给抗击新冠肺炎疫情的工信先锋" in text
    assert "000_55cfba9dcf3082ae.txt" in text


def _ask(*args: str) -> tuple[int, str, str]:
    env = {"PROFILE_QA_EMBEDDING_MODEL": "fake:hashing-256", "PROFILE_QA_ANSWER_THRESHOLD": "0"}
    result = CliRunner().invoke(main, ["ask", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_ask_builds_a_missing_index_then_answers() -> None:
    code, out, err = _ask("三奇口罩日产量提高到多少？")
    assert code == 0, err
    assert "building it" in err
    assert out.startswith("350万只") and "来源：" in out
    code, out, err = _ask("三奇口罩日产量提高到多少？")
    assert code == 0 and "building" not in err


def test_ask_json_with_history() -> None:
    code, out, err = _ask("--json", "--history", "三奇公司口罩日产量提高到多少？", "那防护服呢？")
    assert code == 0, err
    data = json.loads(out)
    assert data["resolved_question"] == "三奇公司防护服日产量提高到多少？"
    assert "20000套" in data["answer"] and "\\u" not in out


def test_ask_reports_an_empty_question_as_an_error() -> None:
    code, _, err = _ask("   ")
    assert code == 1 and "empty" in err


def test_ask_llm_without_endpoint_is_a_config_error() -> None:
    code, _, err = _ask("--generator", "llm", "三奇口罩日产量提高到多少？")
    assert code == 1 and "llm_base_url" in err


def test_ask_stream_prints_the_answer_and_sources() -> None:
    code, out, err = _ask("--stream", "依文集团成立于哪一年？")
    assert code == 0, err
    assert out.startswith("1994年") and "来源：" in out


def test_ask_through_an_llm_endpoint_streams_and_cites(fake_llm: FakeOpenAI) -> None:
    result = CliRunner().invoke(
        main,
        ["ask", "--generator", "llm", "--stream", "武汉市经信局协调捐赠了多少辆MPV？"],
        env={
            "PROFILE_QA_EMBEDDING_MODEL": "fake:hashing-256",
            "PROFILE_QA_ANSWER_THRESHOLD": "0",
            "PROFILE_QA_LLM_BASE_URL": fake_llm.base_url,
            "PROFILE_QA_LLM_MODEL": "fake-ok",
        },
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("根据资料") and "[1]" in result.stdout
    assert "来源：" in result.stdout and fake_llm.requests[-1]["stream"] is True


UNAVAILABLE = "语言模型暂时不可用，以下为摘录式回答"


def test_ask_shows_the_fallback_when_the_llm_fails(fake_llm: FakeOpenAI) -> None:
    result = CliRunner().invoke(
        main,
        ["ask", "--generator", "llm", "武汉市经信局协调捐赠了多少辆MPV？"],
        env={
            "PROFILE_QA_EMBEDDING_MODEL": "fake:hashing-256",
            "PROFILE_QA_ANSWER_THRESHOLD": "0",
            "PROFILE_QA_LLM_BASE_URL": fake_llm.base_url,
            "PROFILE_QA_LLM_MODEL": "fake-500",
        },
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("50辆") and UNAVAILABLE in result.stdout
