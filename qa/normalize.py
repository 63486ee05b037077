"""Question cleaning: control characters, width, whitespace, Traditional -> Simplified."""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

from profile_qa.errors import InvalidQuestionError

# Full-width CJK punctuation that reads naturally in Chinese stays as is; only letters, digits
# and ASCII symbols typed in full width (ＭＰＶ５０, ＋) are folded to half width.
_KEEP_FULL_WIDTH = set("，。？！：；（）、")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def fold_width(text: str) -> str:
    """Full-width ASCII (ＭＰＶ５０) to half width, ideographic space to a space."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch == "\u3000":
            out.append(" ")
        elif 0xFF01 <= code <= 0xFF5E and ch not in _KEEP_FULL_WIDTH:
            out.append(chr(code - 0xFEE0))
        else:
            out.append(ch)
    return "".join(out)


def strip_control(text: str) -> str:
    """Remove control and format characters (zero-width, bidi overrides); keep spaces."""
    kept = []
    for ch in text:
        if ch in "\t\n\r":
            kept.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co"):
            continue
        else:
            kept.append(ch)
    return "".join(kept)


def clean_question(text: str, max_chars: int) -> str:
    """The question as it will be shown: no control characters, folded width, one-spaced.

    Raises InvalidQuestionError for an empty question or one longer than ``max_chars``.
    """
    if not isinstance(text, str):
        raise InvalidQuestionError("the question must be text")
    cleaned = re.sub(r"\s+", " ", fold_width(strip_control(text))).strip()
    if not cleaned:
        raise InvalidQuestionError("the question is empty: please type a question")
    if len(cleaned) > max_chars:
        raise InvalidQuestionError(
            f"the question is too long ({len(cleaned)} characters, at most {max_chars}): "
            "please ask something shorter"
        )
    return cleaned


@functools.cache
def _converter() -> Any:
    import opencc  # C library with bundled dictionaries: works offline

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional Chinese to Simplified (identity on Simplified text and on Latin text)."""
    if not _CJK.search(text):
        return text
    simplified: str = _converter().convert(text)
    return simplified


def is_mostly_latin(text: str) -> bool:
    """True for a question written in English (or another Latin-script language)."""
    cjk = len(_CJK.findall(text))
    latin = sum(len(m) for m in _LATIN_WORD.findall(text))
    return latin > 0 and cjk * 2 < latin
