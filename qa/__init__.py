"""Answers with cited passages: hybrid retrieval and grounded answering, offline by default.

Public API: :func:`load_answerer` -> :class:`Answerer` (``answer``, ``stream``, ``retrieve``,
``as_runnable``), :func:`answer_to_dict`, :func:`format_answer`, and the records
:class:`Answer`, :class:`Citation`, :class:`Passage`. Heavy libraries (jieba, bm25s, opencc,
langchain-openai) load when an Answerer is built, not at import.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from qa.model import Answer, Citation, Passage

if TYPE_CHECKING:
    from qa.chain import Answerer, load_answerer
    from qa.render import answer_to_dict, format_answer

_LAZY = {
    "Answerer": "qa.chain",
    "load_answerer": "qa.chain",
    "answer_to_dict": "qa.render",
    "format_answer": "qa.render",
}

__all__ = [
    "Answer",
    "Answerer",
    "Citation",
    "Passage",
    "answer_to_dict",
    "format_answer",
    "load_answerer",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'qa' has no attribute {name!r}")
