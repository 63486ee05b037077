"""The text decoder keeps every valid article whatever characters it holds, refuses binary."""

from __future__ import annotations

import pytest

from corpus.readers import LoadError, decode_text

# Real-looking editor text mixing what Chinese articles contain besides plain hanzi.
MIXED = {
    "kana": "该片后来在《東宝チャンピオンまつり》中以ムービー形式重映，观众反响热烈。",
    "emoji": "志愿者们在朋友圈写道：加油武汉💪🇨🇳，口罩已送达😷。",
    "cjk-extension": "这位老人姓𠀾，家住𡈽村，祖籍在𪚥乡（扩展B、C区汉字）。",
    "full-width": "ＭＰＶ５０辆、负压救护车３２９辆，全角ＡＢＣ与半角ABC并存。",
    "hangul-and-latin": "韩国首尔（서울）与Café Noël的通讯员也发来了报道。",
    "symbols": "温度−2℃～5℃，增长≥30%，编号№12，单价￥1.5元/只。",
}


@pytest.mark.parametrize("text", list(MIXED.values()), ids=list(MIXED))
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "gb18030"])
def test_valid_text_is_decoded_whatever_its_characters(text: str, encoding: str) -> None:
    assert decode_text(text.encode(encoding)) == text


@pytest.mark.parametrize(
    "text",
    [
        "三奇公司日产口罩从8万只提高到了200万只。",
        "该片以ムービー形式重映，观众反响热烈。",  # kana exist in GBK too
        "编辑：曾佳佳",
    ],
)
def test_gbk_text_is_decoded(text: str) -> None:
    assert decode_text(text.encode("gbk")) == text


def test_utf8_wins_over_a_wrong_declared_charset() -> None:
    text = "依文集团新建的防护服生产线2月20日正式投产。"
    assert decode_text(text.encode("utf-8"), declared="iso-8859-1") == text


def test_a_declared_charset_is_used_when_the_bytes_are_not_utf8() -> None:
    text = "依文集團新建的防護服生產線正式投產。"
    assert decode_text(text.encode("big5"), declared="big5") == text


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (bytes((i * 37 + 11) % 255 + 1 for i in range(2000)), "cannot decode"),
        (bytes(range(1, 32)) * 40, "cannot decode"),  # control bytes: valid ASCII, not text
    ],
)
def test_binary_or_noise_is_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(LoadError, match=reason):
        decode_text(data)
