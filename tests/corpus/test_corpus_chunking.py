"""Sentence splitting, token counting and chunk packing on seed sentences."""

from __future__ import annotations

import socket

import pytest

from corpus import Article, Section, chunk_article, count_tokens, split_sentences
from corpus.chunking import chunk_id


def _sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "困难时刻显本色，越是艰难越向前。在抗击新冠肺炎疫情这场没有硝烟的战场上，既有奋战在一线的医护人员。",
            [
                "困难时刻显本色，越是艰难越向前。",
                "在抗击新冠肺炎疫情这场没有硝烟的战场上，既有奋战在一线的医护人员。",
            ],
        ),
        # Ellipsis ends a sentence; numbers with a decimal point are never split.
        (
            "全国各地医院医疗及防控物资告急……疫情防控，物资保障是重中之重。",
            ["全国各地医院医疗及防控物资告急……", "疫情防控，物资保障是重中之重。"],
        ),
        (
            "三奇共支援武汉、北京等相关地区口罩1.35亿只、防护服180万套。百分之百地完成国家调拨任务。",
            [
                "三奇共支援武汉、北京等相关地区口罩1.35亿只、防护服180万套。",
                "百分之百地完成国家调拨任务。",
            ],
        ),
        # A closing quote after the mark belongs to the sentence.
        (
            "“政府为我们做了大量工作，真的很感谢。”深中海总经理杜量衡说。",
            ["“政府为我们做了大量工作，真的很感谢。”", "深中海总经理杜量衡说。"],
        ),
        # Marks inside a quotation do not split it.
        (
            "公司负责人说：“夏局长，我们员工也都放假了。最麻烦的是上游企业没有开工！这些问题依然没有解决。”夏昆山很快意识到困难。",
            [
                "公司负责人说：“夏局长，我们员工也都放假了。最麻烦的是上游企业没有开工！这些问题依然没有解决。”",
                "夏昆山很快意识到困难。",
            ],
        ),
        (
            "“疫情就是命令，生产就是保障”。夏昆山全身心投入战“疫”工作。",
            ["“疫情就是命令，生产就是保障”。", "夏昆山全身心投入战“疫”工作。"],
        ),
        # Semicolons split the 004 list; a line break always ends a sentence.
        (
            "一是精准服务。让企业一心一意抓生产、心无旁骛保供应；二是严把质量。",
            ["一是精准服务。", "让企业一心一意抓生产、心无旁骛保供应；", "二是严把质量。"],
        ),
        (
            "三种情怀彰显民企担当\n——记日照三奇医疗卫生用品有限公司\n舍弃。",
            ["三种情怀彰显民企担当", "——记日照三奇医疗卫生用品有限公司", "舍弃。"],
        ),
        (
            "Shenzhen made 1.5 million masks. Then more!",
            ["Shenzhen made 1.5 million masks.", "Then more!"],
        ),
        ("", []),
        ("  \n ", []),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert _sentences(text) == expected


def test_sentence_spans_cover_all_text() -> None:
    text = "舍弃。疫情之初，三奇公司毅然放弃国外大额订单。\n担当。紧急关头，开足马力保生产！"
    covered = "".join(_sentences(text))
    assert covered == text.replace("\n", "")


@pytest.mark.parametrize(
    ("text", "tokens"),
    # Reference counts of the cl100k encoding; special-token text is counted, not refused.
    [("", 0), ("hello world", 2), ("口罩", 3), ("<|endoftext|>", 7)],
)
def test_count_tokens(text: str, tokens: int) -> None:
    assert count_tokens(text) == tokens


def test_tokens_never_touch_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    import tiktoken.registry

    from corpus import tokens

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")  # no cache: read the bundled file itself
    monkeypatch.delitem(tiktoken.registry.ENCODINGS, tokens.ENCODING_NAME, raising=False)
    tokens._encoding.cache_clear()
    try:
        assert count_tokens("夏昆山全身心投入战“疫”工作") > 5
    finally:
        tokens._encoding.cache_clear()


def _article(text: str, sections: tuple[Section, ...]) -> Article:
    return Article(
        id="t",
        source_file="t.txt",
        title="鲜花和掌声献给抗击新冠肺炎疫情的工信先锋",
        date="",
        source="",
        text=text,
        content_hash="0" * 64,
        sections=sections,
    )


def test_a_sentence_longer_than_the_budget_is_split_at_commas() -> None:
    sentence = (
        "新冠肺炎疫情发生以来，工业和信息化系统深入学习贯彻落实习近平总书记重要指示批示精神，"
        "按照党中央、国务院决策部署，闻令而动、迎难而上、积极担当、全力奋战，争分夺秒提升生产供给能力，"
        "多措并举抓好重点医疗物资保供和通信大数据支撑工作。"
    )
    article = _article(sentence, (Section(0, "intro", "标题", "", 0, len(sentence)),))
    chunks = chunk_article(article, chunk_size=40, overlap_sentences=1)
    assert len(chunks) > 2
    assert all(count_tokens(c.text) <= 40 for c in chunks)
    assert "".join(c.text for c in chunks) == sentence  # clause pieces do not overlap
    assert all(c.text.endswith(("，", "、", "。")) for c in chunks)


def test_a_run_without_punctuation_is_hard_split() -> None:
    text = "防护服" * 60
    article = _article(text, (Section(0, "profile", "标题", "三奇", 0, len(text)),))
    chunks = chunk_article(article, chunk_size=32, overlap_sentences=1)
    assert "".join(c.text for c in chunks) == text
    assert all(count_tokens(c.text) <= 32 for c in chunks)


def test_headings_start_a_chunk_rather_than_end_one() -> None:
    body = "夏昆山立即展开动员，并承诺全力帮助企业解决困难，为企业做好服务。" * 3
    heading = "破解难题 最大努力为企业解忧 保障市场平稳供给"
    text = f"{body}\n{heading}\n{body}"
    article = _article(text, (Section(0, "profile", "标题", "夏昆山", 0, len(text)),))
    chunks = chunk_article(article, chunk_size=140, overlap_sentences=1)
    assert any(c.text.startswith(heading) for c in chunks)
    assert not any(c.text.endswith(heading) for c in chunks)


def test_chunk_id_depends_only_on_article_section_and_text() -> None:
    assert chunk_id("000_x", 3, "舍弃。") == chunk_id("000_x", 3, "舍弃。")
    assert chunk_id("000_x", 3, "舍弃。") != chunk_id("000_x", 4, "舍弃。")
    assert chunk_id("000_x", 3, "舍弃。").startswith("000_x:3:")


def test_repeated_text_gets_distinct_ids() -> None:
    text = "舍弃。\n舍弃。"
    article = _article(text, (Section(0, "profile", "标题", "三奇", 0, len(text)),))
    chunks = chunk_article(article, chunk_size=32, overlap_sentences=0)
    assert len({c.id for c in chunks}) == len(chunks)


def test_bad_sizes_are_refused() -> None:
    article = _article("舍弃。", (Section(0, "profile", "标题", "三奇", 0, 3),))
    with pytest.raises(ValueError):
        chunk_article(article, chunk_size=0, overlap_sentences=1)
