"""Read one file of any supported format into raw text plus what its format says about it.

Each reader raises :class:`LoadError` with a reason an editor understands. Heavy parsers
(trafilatura, python-docx, pypdf, charset-normalizer) are imported inside the readers.
"""

from __future__ import annotations

import io
import itertools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from profile_qa.errors import LoadError as LoadError  # re-export

# The default of settings.max_article_bytes: UTF-8 bytes of text after extraction.
MAX_ARTICLE_BYTES = 5_000_000
# A .docx holds XML around its text; more XML than this many times the text bound is refused
# before it is decompressed (a 300 KB file can hold a 60 MB document).
_DOCX_XML_FACTOR = 8
_DOCX_PARTS_ALLOWANCE = 2_000_000
_MARKUP = (".html", ".htm", ".docx", ".pdf")


def _too_big(what: str, size: int, limit: int) -> LoadError:
    return LoadError(
        f"too large: {what} is {size / 1e6:.1f} MB, over the {limit / 1e6:.1f} MB allowed by "
        "max_article_bytes; split the article or raise the setting"
    )


def raw_size_limit(suffix: str, max_bytes: int) -> int:
    """Most bytes a file of this type may have on disk for its text to fit in ``max_bytes``.

    Decoding text never shrinks it below half (UTF-16); HTML and .docx carry markup.
    """
    return max_bytes * (_DOCX_XML_FACTOR if suffix.lower() in _MARKUP else 2)


def check_text_size(text: str, limit: int) -> None:
    """LoadError when ``text`` is more than ``limit`` bytes of UTF-8."""
    # Cheap upper bound first: a character is at most 4 bytes.
    if len(text) * 4 > limit and len(text.encode("utf-8", "surrogatepass")) > limit:
        raise _too_big("the text", len(text.encode("utf-8", "surrogatepass")), limit)


@dataclass(frozen=True)
class RawDocument:
    """A file's text before cleaning, with the title/date its format declares, if any."""

    text: str
    title: str = ""
    date: str = ""
    source: str = ""


# Unicode categories of characters no written text is made of: controls (other than tab and
# line breaks), unassigned and private-use code points, lone surrogates. A "decoding" made
# mostly of them is a binary file or a wrong charset (GB18030 maps almost any bytes to some
# code point); any other character - kana, emoji, rare CJK extension characters, full-width
# forms - is text an editor may write.
_NOT_TEXT = frozenset({"Cc", "Cn", "Co", "Cs"})
_TEXT_CONTROLS = frozenset("\t\n\r\f\v")
_HTML_SUP_DIGITS = re.compile(r"<sup[^>]*>\s*\[?(\d{1,3})\]?\s*</sup>", re.I)
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_HTML_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)


def _plausible(text: str) -> bool:
    if not text:
        return False
    category = unicodedata.category
    bad = sum(1 for c in text if category(c) in _NOT_TEXT and c not in _TEXT_CONTROLS)
    return bad <= 0.03 * len(text)


def decode_text(data: bytes, declared: str | None = None) -> str:
    """Decode text bytes: UTF-8 (with or without BOM), GB18030/GBK, else a detected charset.

    Strict UTF-8 is tried first (before a declared charset: pages often declare wrongly), so
    a valid UTF-8 file is never mistaken for another charset whatever characters it holds.
    Raises LoadError for empty, binary (NUL bytes) or undecodable content.
    """
    if not data.strip():
        raise LoadError("empty file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise LoadError(f"broken UTF-16 text ({exc.reason})") from exc
    if b"\x00" in data:
        raise LoadError("binary file (contains NUL bytes), not text")
    candidates = ["utf-8-sig", "gb18030"]
    if declared:
        candidates.insert(1, declared)
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        if _plausible(text):
            return text.removeprefix("\ufeff")
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and _plausible(str(best)):
        return str(best)
    raise LoadError("cannot decode the text (not UTF-8, GB18030/GBK or another known charset)")


def read_txt(data: bytes) -> RawDocument:
    """Plain text in any encoding :func:`decode_text` understands."""
    return RawDocument(decode_text(data))


_MD_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
_MD_FENCE = re.compile(r"^\s*(```|~~~).*$", re.M)
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*(.*?)\s*#*\s*$", re.M)
_MD_PREFIX = re.compile(r"^\s*(?:>\s?)+|^\s*(?:[-*+]|\d+[.)])\s+", re.M)
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_|~~|`)(?=\S)(.+?)(?<=\S)\1")
_MD_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$", re.M)
_HTML_TAG = re.compile(r"<[^>\n]+>")
_FRONT_TITLE = re.compile(r"^title:\s*[\"']?(.*?)[\"']?\s*$", re.M)
_FRONT_DATE = re.compile(r"^date:\s*[\"']?(.*?)[\"']?\s*$", re.M)


def read_markdown(data: bytes) -> RawDocument:
    """Markdown with its markup stripped lightly: headings, emphasis, links, lists, quotes."""
    text = decode_text(data).replace("\r\n", "\n")
    title = date = ""
    front = _MD_FRONT_MATTER.match(text)
    if front:
        m = _FRONT_TITLE.search(front.group())
        title = m.group(1) if m else ""
        m = _FRONT_DATE.search(front.group())
        date = m.group(1) if m else ""
        text = text[front.end() :]
    heading = _MD_HEADING.search(text)
    if not title and heading:
        title = heading.group(1)
    text = _MD_FENCE.sub("", text)
    text = _MD_RULE.sub("", text)
    text = _MD_IMAGE.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_HEADING.sub(r"\1", text)
    text = _MD_PREFIX.sub("", text)
    text = _MD_EMPHASIS.sub(r"\2", text)
    text = _HTML_TAG.sub("", text)
    return RawDocument(text, title=title, date=date)


def _lxml_errors() -> type[Exception]:
    """lxml's parser error class, imported lazily."""
    from lxml.etree import LxmlError

    error: type[Exception] = LxmlError
    return error


def _html_fallback(html: str) -> tuple[str, str]:
    """Visible text of the body, minus scripts, styles and navigation (no trafilatura)."""
    import lxml.html

    root = lxml.html.fromstring(html)
    for bad in root.xpath("//script|//style|//noscript|//nav|//header|//footer|//form|//aside"):
        bad.drop_tree()
    title = (root.findtext(".//title") or "").strip()
    blocks = root.xpath("//p|//h1|//h2|//h3|//h4|//li|//div[not(.//p|.//div)]|//td")
    lines = [" ".join(b.text_content().split()) for b in blocks]
    return "\n".join(line for line in lines if line), title


def read_html(data: bytes) -> RawDocument:
    """A saved web page: its main text (trafilatura), title and date; boilerplate dropped."""
    declared = _HTML_CHARSET.search(data[:4096])
    html = decode_text(data, declared.group(1).decode("ascii") if declared else None)
    # Text extraction flattens <sup>9</sup> into a plain 9 ("5000个9"); as a superscript
    # character the cleaning step can tell a footnote mark from a number.
    html = _HTML_SUP_DIGITS.sub(lambda m: m.group(1).translate(_SUPERSCRIPT), html)
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(
            html,
            include_comments=False,
            include_tables=True,
            with_metadata=True,
            favor_recall=True,
        )
    except Exception:  # a page trafilatura chokes on still gets the plain fallback below
        doc = None
    text = (getattr(doc, "text", None) or "").strip()
    title = (getattr(doc, "title", None) or "").strip()
    date = (getattr(doc, "date", None) or "").strip()
    if not text:
        try:
            text, fallback_title = _html_fallback(html)
        except (ValueError, _lxml_errors()) as exc:
            raise LoadError(f"unreadable HTML ({exc})") from exc
        title = title or fallback_title
    if not text.strip():
        raise LoadError("no readable text in the HTML page")
    # trafilatura drops the page headline from the body; the structure step needs it first.
    if title and not text.startswith(title):
        text = f"{title}\n\n{text}"
    return RawDocument(text, title=title, date=date)


def _check_docx_size(data: bytes, limit: int) -> None:
    # The sizes in the zip directory bound decompression: zipfile stops (bad CRC) at the
    # declared size, so a lying header cannot make it inflate more.
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(i.file_size for i in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise LoadError(f"not a readable .docx file ({exc})") from exc
    # python-docx inflates every part on opening; styles and themes take up to ~1 MB.
    allowed = limit * _DOCX_XML_FACTOR + _DOCX_PARTS_ALLOWANCE
    if inflated > allowed:
        raise _too_big("the document's XML", inflated, allowed)


def read_docx(data: bytes, max_bytes: int = MAX_ARTICLE_BYTES) -> RawDocument:
    """A Word document: its paragraphs and table cells, in order (at most ``max_bytes``)."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    _check_docx_size(data, max_bytes)
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, ValueError, KeyError, OSError) as exc:
        raise LoadError(f"not a readable .docx file ({exc})") from exc
    except Exception as exc:  # zipfile.BadZipFile and lxml errors from a damaged file
        raise LoadError(f"damaged .docx file ({type(exc).__name__}: {exc})") from exc
    rows = (" ".join(c.text for c in row.cells) for t in document.tables for row in t.rows)
    lines: list[str] = []
    size = 0
    for line in itertools.chain((p.text for p in document.paragraphs), rows):
        size += len(line.encode("utf-8", "surrogatepass")) + 2
        if size > max_bytes:  # stop before building the whole text
            raise _too_big("the text", size, max_bytes)
        lines.append(line)
    title = (document.core_properties.title or "").strip()
    return RawDocument("\n\n".join(lines), title=title)


def _unwrap_pdf_page(page_text: str) -> str:
    """Join hard-wrapped lines of a PDF page into paragraphs.

    A line about as long as the page's longest line, not ending a sentence, was wrapped by
    the layout; a shorter one ends its paragraph.
    """
    lines = [ln.strip() for ln in page_text.split("\n")]
    lines = [ln for ln in lines if ln]
    if not lines:
        return ""
    full = max(len(ln) for ln in lines)
    out: list[str] = []
    glue = False
    for line in lines:
        if glue and out:
            # Wrapped English words need their space back; Chinese never has one.
            sep = " " if out[-1][-1].isascii() and line[0].isascii() else ""
            out[-1] += sep + line
        else:
            out.append(line)
        glue = len(line) >= 0.85 * full and full >= 15 and line[-1] not in "。！？；：”.!?"
    return "\n\n".join(out)


def read_pdf(data: bytes, max_bytes: int = MAX_ARTICLE_BYTES) -> RawDocument:
    """A PDF's text layer (a scanned PDF without one is refused), at most ``max_bytes``."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError("encrypted PDF")
        pages: list[str] = []
        size = 0
        for page in reader.pages:  # page by page: stop as soon as the bound is passed
            pages.append(_unwrap_pdf_page(page.extract_text() or ""))
            size += len(pages[-1].encode("utf-8", "surrogatepass")) + 2
            if size > max_bytes:
                raise _too_big("the text", size, max_bytes)
        title = ""
        if reader.metadata is not None and reader.metadata.title:
            title = str(reader.metadata.title).strip()
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise LoadError(f"not a readable PDF ({exc})") from exc
    except Exception as exc:  # pypdf raises many types on damaged files
        raise LoadError(f"damaged PDF ({type(exc).__name__}: {exc})") from exc
    text = "\n\n".join(p for p in pages if p)
    if not text.strip():
        raise LoadError("PDF has no text layer (a scanned image?); OCR it first")
    return RawDocument(text, title=title)


READERS: dict[str, Callable[[bytes], RawDocument]] = {
    ".txt": read_txt,
    ".text": read_txt,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".html": read_html,
    ".htm": read_html,
    ".docx": read_docx,
    ".pdf": read_pdf,
}


# Readers that check the bound while they extract (the others are checked after).
_BOUNDED: dict[str, Callable[[bytes, int], RawDocument]] = {
    ".docx": read_docx,
    ".pdf": read_pdf,
}


def read_file(
    path: Path, data: bytes | None = None, max_bytes: int = MAX_ARTICLE_BYTES
) -> RawDocument:
    """Read ``path`` (or its already-read ``data``) with the reader for its extension.

    Raises LoadError when that is impossible or the text is more than ``max_bytes``.
    """
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        known = ", ".join(sorted(READERS))
        raise LoadError(f"unsupported file type {path.suffix or '(none)'!r} (supported: {known})")
    if data is None:
        data = read_bytes(path)
    if not data.strip():
        raise LoadError("empty file")
    bounded = _BOUNDED.get(path.suffix.lower())
    if bounded is not None:
        return bounded(data, max_bytes)
    limit = raw_size_limit(path.suffix, max_bytes)
    if len(data) > limit:
        raise _too_big("the file", len(data), limit)
    raw = reader(data)
    check_text_size(raw.text, max_bytes)
    return raw


def read_bytes(path: Path) -> bytes:
    """The file's bytes; LoadError (not OSError) when it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise LoadError(f"cannot read file: {exc.strerror or exc}") from exc
