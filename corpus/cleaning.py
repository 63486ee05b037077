"""Pure text cleaning: raw article text in, clean paragraphs out.

Direction of normalisation: Chinese text keeps FULL-WIDTH punctuation (，：；（）！？),
while full-width letters, digits and spaces become ASCII. ``unicodedata.normalize("NFKC")``
is therefore NOT applied to the text: it would turn ，into ``,``. It is only used inside
:func:`normalize_for_match`, which is for comparing strings, never for display.

The output has one paragraph per line, separated by a single ``\\n``.
"""

from __future__ import annotations

import re
import unicodedata

# Ideographs plus CJK and full-width punctuation: what counts as "Chinese context".
_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff0f\uff1a-\uff20“”‘’—…·《》"
_CJK_CHAR = re.compile(f"[{_CJK}]")

# Closing punctuation: a paragraph ending with one of these really ends there.
CLOSING = "。！？；：…”’」』）》】!?;:)"
# Sentence-final marks: a line containing one is prose, not a heading.
_SENTENCE_FINAL = re.compile(r"[。！？；!?;]|(?<=[A-Za-z])\.(?=\s|$)")
HEADING_MAX_CHARS = 40

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_FULLWIDTH_ALNUM = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_PROFILE_MARK = re.compile(r"^[—–\-]{1,3}\s*[记記]\s*")

# Superscript digits glued to Chinese text are footnote artefacts (5000个⁹); after a letter
# or a digit they may be real exponents (m², 10⁵), so those stay.
_STRAY_SUPERSCRIPT = re.compile(f"(?<=[{_CJK}])[⁰¹²³⁴⁵⁶⁷⁸⁹]+")

# ASCII punctuation next to Chinese becomes full-width; between two digits or two Latin
# characters (14:35:12, 4G/5G, 1,000, 1.35) it is left alone. "." and "/" are never touched.
_ASCII_TO_FULL = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？"}
_ASCII_PUNCT_NEAR_CJK = re.compile(f"(?<=[{_CJK}])[,:;!?]|[,:;!?](?=[{_CJK}])")
_PAREN_PAIR = re.compile(r"(.?)\(([^()\n]{0,80})\)(.?)")
_QUOTE_PAIR = re.compile(r'"([^"\n]{1,200})"')

# Web page furniture, matched against a whole (already space-collapsed) line.
_BOILERPLATE_LINES = [
    r"欢迎(登陆|登录|访问|来到).{0,30}",
    r"新人限时福利",
    r"(浏览|阅读|点击)(次数|量)?\s*[:：]\s*\d*\s*(次)?",
    r"(tags|标签|关键词|关键字)\s*[:：].*",
    r"(发布者|责任编辑|编辑|作者)\s*[:：]\s*\S{0,20}",
    r"[【\[]?(打印|繁体|投稿|收藏|推荐|举报|评论|关闭|返回顶部|分享到?)[】\]]?"
    r"([ 【】\[\]]*(打印|繁体|投稿|收藏|推荐|举报|评论|关闭|返回顶部|分享到?)[】\]]?)*",
    r"(上一篇|下一篇).*",
    r"(帐|账)\s*号\s*[:：].*",
    r"密\s*码\s*[:：].*",
    r"验\s*证\s*码\s*[:：]?.*",
    r"表\s*情\s*[:：]?",
    r"内\s*容\s*[:：]?",
    r"(热门推荐|推荐文章|图片主题|热门文章|最新文章|相关文章|相关阅读|热点推荐|猜你喜欢)",
    r"(发表)?评论",
    r"(网友评论|我要评论|共\s*\d+\s*条评论).*",
    r"分享到\s*[:：].*",
]
_BOILERPLATE = re.compile("|".join(f"(?:{p})" for p in _BOILERPLATE_LINES), re.IGNORECASE)
# Once one of these appears the article body is over: everything after is page footer.
_FOOTER_START = re.compile(
    r"^(?:tags\s*[:：]|(?:上一篇|下一篇)|【?打印】?\s*【?繁体)", re.IGNORECASE
)
# "2020-03-24 14:35:12 来源: 浏览:2123": a byline, read by structure.extract_metadata.
DATE_PATTERN = r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
_META_LINE = re.compile(
    rf"^(?:(?:发布)?(?:时间|日期)\s*[:：]\s*)?{DATE_PATTERN}"
    r"(?:\s*(?:来源|作者|编辑|浏览|阅读|点击|发布者)\s*[:：]?\s*\S*)*\s*$"
)


def normalize_chars(text: str) -> str:
    """Unify line ends and spaces, drop zero-width characters, make full-width A-Z/0-9 ASCII."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ZERO_WIDTH.sub("", text)
    text = _FULLWIDTH_ALNUM.sub(lambda m: chr(ord(m.group()) - 0xFEE0), text)
    return _SPACES.sub(" ", text)


def remove_stray_superscripts(line: str) -> str:
    """Drop superscript digits glued to Chinese text: ``5000个⁹`` -> ``5000个``."""
    return _STRAY_SUPERSCRIPT.sub("", line)


def _convert_parens(m: re.Match[str]) -> str:
    before, inner, after = m.group(1), m.group(2), m.group(3)
    if _CJK_CHAR.search(before + inner + after):
        return f"{before}（{inner}）{after}"
    return m.group()


def _convert_quotes(m: re.Match[str]) -> str:
    inner = m.group(1)
    return f"“{inner}”" if _CJK_CHAR.search(inner) else m.group()


def normalize_punctuation(line: str) -> str:
    """Make ASCII ``, : ; ! ? ( ) "`` full-width in Chinese context; numbers and codes stay."""
    line = _ASCII_PUNCT_NEAR_CJK.sub(lambda m: _ASCII_TO_FULL[m.group()], line)
    line = _PAREN_PAIR.sub(_convert_parens, line)
    line = _QUOTE_PAIR.sub(_convert_quotes, line)
    # A space left between two Chinese characters or punctuation marks by the editor's
    # half-width/full-width juggling is noise, except in headings ("主动出击 最快速度…"),
    # where it separates phrases; so only spaces touching punctuation go.
    return re.sub(r" ?([，：；！？（）。、]) ?", r"\1", line)


def is_boilerplate(line: str) -> bool:
    """True for a line of web page furniture (banner, view counter, share links, forms)."""
    return bool(_BOILERPLATE.fullmatch(line.strip()))


def is_meta_line(line: str) -> bool:
    """True for a byline such as ``2020-03-24 14:35:12 来源: 浏览:2123``."""
    return bool(_META_LINE.match(line.strip()))


def is_profile_mark(line: str) -> bool:
    """True for the ``——记 <organisation>`` line that follows a profile's title."""
    return bool(_PROFILE_MARK.match(line))


def is_heading(line: str) -> bool:
    """A short line without sentence-final punctuation: a title or section heading."""
    line = line.strip()
    return 0 < len(line) <= HEADING_MAX_CHARS and not _SENTENCE_FINAL.search(line)


def should_join(previous: str, following: str) -> bool:
    """True when ``following`` continues ``previous`` across a page break.

    A paragraph that ends mid-sentence (no closing punctuation) continues into the next
    one, unless either side is a heading or a ``——记`` line: titles are short lines without
    sentence punctuation, while a fragment cut by a page break is a long paragraph (or one
    that already holds a finished sentence, like ``奉献。危难面前，从未缺席，应急救``).
    """
    if not previous or not following or previous[-1] in CLOSING:
        return False
    if is_profile_mark(previous) or is_profile_mark(following):
        return False
    return not is_heading(previous) and not is_heading(following)


def _glue(previous: str, following: str) -> str:
    # Hard-wrapped Latin words need their space back; Chinese never has one.
    last, first = previous[-1], following[0]
    if last.isascii() and last.isalnum() and first.isascii() and first.isalnum():
        return f"{previous} {following}"
    return previous + following


def join_broken_paragraphs(paragraphs: list[str]) -> list[str]:
    """Re-join paragraphs split mid-word by page breaks: ``防`` + ``护服…`` -> ``防护服…``."""
    out: list[str] = []
    for para in paragraphs:
        if out and should_join(out[-1], para):
            out[-1] = _glue(out[-1], para)
        else:
            out.append(para)
    return out


def drop_boilerplate(lines: list[str]) -> list[str]:
    """Remove web furniture lines and bylines; everything after a page footer starts goes."""
    kept: list[str] = []
    for line in lines:
        if kept and _FOOTER_START.match(line):
            break
        if is_boilerplate(line) or is_meta_line(line):
            continue
        kept.append(line)
    return kept


def clean_lines(text: str) -> list[str]:
    """The cleaning pipeline, returning the clean paragraphs."""
    lines = [line.strip() for line in normalize_chars(text).split("\n")]
    lines = [line for line in lines if line]
    lines = drop_boilerplate(lines)
    lines = [normalize_punctuation(remove_stray_superscripts(line)) for line in lines]
    return join_broken_paragraphs([line for line in lines if line])


def clean_text(text: str) -> str:
    """Full cleaning pipeline: raw article text -> clean text, one paragraph per line."""
    return "\n".join(clean_lines(text))


_MATCH_DROP = re.compile(r"[\s\u200b-\u200d\ufeff]+")
# Punctuation inside a number or code (1.35, 14:35, 4G/5G, YY/T1717-2020) is kept: it changes
# the value. Everywhere else punctuation is dropped.
_MATCH_PUNCT = re.compile(r"(?<![0-9a-z])[^\w\s]|[^\w\s](?![0-9a-z])")


def normalize_for_match(text: str) -> str:
    """A comparison key: NFKC, lower case, no whitespace, no punctuation outside numbers.

    Used to compare evidence strings with chunk texts, so full-width/half-width
    punctuation, spaces and page breaks (``防\\n\\n护服`` vs ``防护服``) never hide a match.
    """
    text = unicodedata.normalize("NFKC", text).lower()
    text = _MATCH_DROP.sub("", text)
    return _MATCH_PUNCT.sub("", text)
