"""The chat's HTML: escaped text, our own tags only, the cited sentence marked."""

from __future__ import annotations

import pytest

from corpus.model import Chunk
from profile_qa.web import render
from qa.model import Answer, Citation

PASSAGE = "协调捐赠(采购)负压救护车329辆、MPV50辆,调拨调配防护服4万多套。"


def _chunk(text: str = PASSAGE, start: int = 100) -> Chunk:
    return Chunk(
        id="c1",
        article_id="000_55cfba9dcf3082ae",
        section_index=1,
        text=text,
        header="武汉市经济和信息化局新冠肺炎疫情防控专班 · 不舍昼夜坚守抗疫最前线",
        start=start,
        end=start + len(text),
        subject="武汉市经济和信息化局新冠肺炎疫情防控专班",
        section_title="不舍昼夜坚守抗疫最前线",
        article_title="鲜花和掌声献给抗击新冠肺炎疫情的工信先锋",
        date="",
        source_file="000_55cfba9dcf3082ae.txt",
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("协调捐赠MPV50辆[1]。", '协调捐赠MPV50辆<sup class="pq-cite">[1]</sup>。'),
        (
            "口罩从日产50万只提高到350万只[2][3]",
            '口罩从日产50万只提高到350万只<sup class="pq-cite">[2]</sup>'
            '<sup class="pq-cite">[3]</sup>',
        ),
        ("第一行\n第二行", "第一行<br>第二行"),
        ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
        ("“火眼金睛”&<b>", "“火眼金睛”&amp;&lt;b&gt;"),
        ("[a](javascript:alert(1))", "[a](javascript:alert(1))"),
    ],
)
def test_answer_html_escapes_and_marks_citations(text: str, expected: str) -> None:
    assert render.answer_html(text) == expected


def test_answer_note_is_escaped_too() -> None:
    out = render.answer_html("回答[1]", note="LLM <unreachable>")
    assert "&lt;unreachable&gt;" in out and "<unreachable>" not in out


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (0, 4, "<mark>协调捐赠</mark>(采购)"),
        (4, 8, "协调捐赠<mark>(采购)</mark>"),
        (0, 0, "协调捐赠(采购)"),
        (-5, 2, "<mark>协调</mark>捐赠(采购)"),
        (6, 99, "协调捐赠(采<mark>购)</mark>"),
    ],
)
def test_highlight_clamps_offsets(start: int, end: int, expected: str) -> None:
    assert render.highlight("协调捐赠(采购)", start, end) == expected


def test_highlight_escapes_markup_in_the_passage() -> None:
    out = render.highlight("<script>alert(1)</script>正文", 0, 8)
    assert "<script>" not in out
    assert out.startswith("<mark>&lt;script&gt;</mark>")


def test_citation_card_shows_title_profile_and_marked_sentence() -> None:
    chunk = _chunk()
    sentence = "负压救护车329辆"
    s = PASSAGE.index(sentence)
    citation = Citation(1, chunk, chunk.start + s, chunk.start + s + len(sentence))
    card = render.citation_html(citation)
    assert "[1]" in card
    assert "鲜花和掌声献给抗击新冠肺炎疫情的工信先锋" in card
    assert "武汉市经济和信息化局新冠肺炎疫情防控专班" in card
    assert f"<mark>{sentence}</mark>" in card


def test_sources_panel_for_refusal_and_for_citations() -> None:
    chunk = _chunk()
    refused = Answer("问题", "问题", "没有答案", (), (), "extractive", True)
    assert "没有找到" in render.sources_html(refused)
    cited = Answer(
        "问题",
        "问题",
        "回答[2][1]",
        (Citation(2, chunk, 100, 104), Citation(1, chunk, 104, 108)),
        (),
        "extractive",
        False,
    )
    html = render.sources_html(cited)
    assert html.index("pq-source-1") < html.index("pq-source-2")


def test_the_chat_page_nonce_goes_on_script_elements_only() -> None:
    from profile_qa.web.edge import add_nonce

    page = (
        b'<head><script>window.c = {"q": "<script>alert(1)</scr" + "ipt>"};</script>'
        b'<SCRIPT type="module" src="./a.js"></SCRIPT></head><body>'
        b"<p>&lt;script&gt;</p></body>"
    )
    out = add_nonce(page, "N0nce")
    assert out.count(b'nonce="N0nce"') == 2
    assert b'{"q": "<script>alert(1)' in out  # text inside a script is left alone
    assert out.startswith(b'<head><script nonce="N0nce">')
