"""Split a cleaned article into sections: an introduction and one section per profile.

A collective-profile page (a newspaper page) has an introduction, then profiles that each
start with a title line followed by ``——记 <organisation>``. A single-profile page has a
headline such as ``李明：全力以赴保供应，倾心战疫情``: the subject is before the colon.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from corpus.cleaning import DATE_PATTERN, is_heading, is_meta_line, is_profile_mark, normalize_chars
from corpus.model import Section

_DATE_RE = re.compile(DATE_PATTERN)
_SOURCE_RE = re.compile(r"来源\s*[:：]\s*(\S*)")
_NOT_A_SOURCE = re.compile(r"^(浏览|阅读|点击|作者|编辑|发布者|时间|日期)")
_PROFILE_MARK_PREFIX = re.compile(r"^[—–\-]{1,3}\s*[记記]\s*")  # 記: Traditional
# "李明：全力以赴…": a name (or short organisation) before a full-width colon.
_HEADLINE_SUBJECT = re.compile(r"^([^\s：:，,。]{2,20})[：:]\s*(.+)$")
_META_SCAN_LINES = 12


@dataclass(frozen=True)
class Metadata:
    """What the text itself says about the article."""

    date: str = ""
    source: str = ""


def extract_metadata(raw_text: str) -> Metadata:
    """Date and source from a byline near the top (``2020-03-24 14:35:12 来源: 浏览:2123``)."""
    lines = [ln.strip() for ln in normalize_chars(raw_text).split("\n") if ln.strip()]
    for line in lines[:_META_SCAN_LINES]:
        if not is_meta_line(line):
            continue
        date_match = _DATE_RE.search(line)
        date = date_match.group() if date_match else ""
        source = ""
        source_match = _SOURCE_RE.search(line)
        if source_match and not _NOT_A_SOURCE.match(source_match.group(1)):
            source = source_match.group(1)
        return Metadata(date=date, source=source)
    return Metadata()


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        if line:
            spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def headline_subject(title: str) -> tuple[str, str]:
    """Split ``李明：全力以赴…`` into (subject, rest); ("", title) when there is no subject."""
    m = _HEADLINE_SUBJECT.match(title)
    if m:
        return m.group(1), m.group(2)
    return "", title


def article_title(text: str, hint: str = "") -> str:
    """The first paragraph when it looks like a headline, else the loader's hint."""
    first = text.split("\n", 1)[0].strip() if text else ""
    if first and is_heading(first) and not is_profile_mark(first):
        return first
    return hint.strip()


def build_sections(text: str, title: str) -> tuple[Section, ...]:
    """Sections of a cleaned article; offsets point into ``text``."""
    spans = _paragraph_spans(text)
    if not spans:
        return ()
    paras = [text[s:e] for s, e in spans]
    body_from = 1 if paras[0] == title and len(paras) > 1 else 0
    # The headline itself may be the first profile's title (a page with one "——记" profile).
    marks = [i for i in range(1, len(paras)) if is_profile_mark(paras[i])]
    end = spans[-1][1]

    if not marks:
        subject, rest = headline_subject(title)
        start = spans[body_from][0]
        section_title = rest if subject else title
        return (Section(0, "profile", section_title, subject, start, end),)

    sections: list[Section] = []
    first_title = marks[0] - 1
    if first_title > body_from:
        intro_end = spans[first_title - 1][1]
        sections.append(Section(0, "intro", title, "", spans[body_from][0], intro_end))
    for n, mark in enumerate(marks):
        title_idx = mark - 1
        next_title = marks[n + 1] - 1 if n + 1 < len(marks) else len(paras)
        section_end = spans[next_title - 1][1]
        subject = _PROFILE_MARK_PREFIX.sub("", paras[mark]).strip()
        sections.append(
            Section(
                index=len(sections),
                kind="profile",
                title=paras[title_idx],
                subject=subject,
                start=spans[title_idx][0],
                end=section_end,
            )
        )
    return tuple(sections)
