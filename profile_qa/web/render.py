"""HTML for the Gradio chat: everything from a question, answer or passage is escaped first.

Only tags built here (``<sup>``, ``<mark>``, ``<br>``, the source cards) reach the page, so a
passage or question containing markup is shown as text, never run.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from qa.model import Answer, Citation

_MARKER = re.compile(r"\[(\d{1,3})\]")


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


def answer_html(text: str, note: str = "") -> str:
    """The answer as safe HTML: escaped, line breaks kept, markers ``[n]`` as superscripts."""
    body = _escape(text)
    body = _MARKER.sub(r'<sup class="pq-cite">[\1]</sup>', body)
    body = body.replace("\n", "<br>")
    if note:
        body += f'<br><small class="pq-note">{_escape(note)}</small>'
    return body


def question_html(text: str) -> str:
    """A user's question as safe HTML (escaped, line breaks kept)."""
    return _escape(text).replace("\n", "<br>")


def highlight(text: str, start: int, end: int) -> str:
    """``text`` escaped, with ``text[start:end]`` wrapped in ``<mark>`` (offsets clamped)."""
    start = max(0, min(start, len(text)))
    end = max(start, min(end, len(text)))
    if start == end:
        return _escape(text)
    return (
        _escape(text[:start])
        + "<mark>"
        + _escape(text[start:end])
        + "</mark>"
        + _escape(text[end:])
    )


def citation_html(citation: Citation) -> str:
    """One source card: number, article title, profile, date and the passage, sentence marked."""
    chunk = citation.chunk
    rel_start = citation.sentence_start - chunk.start
    rel_end = citation.sentence_end - chunk.start
    meta = [m for m in (chunk.subject, chunk.section_title, chunk.date) if m]
    # A profile's subject is usually its section title too; show it once.
    meta = list(dict.fromkeys(meta))
    return (
        f'<div class="pq-source" id="pq-source-{citation.number}">'
        f'<div class="pq-source-head"><span class="pq-num">[{citation.number}]</span> '
        f'<span class="pq-title">{_escape(chunk.article_title)}</span></div>'
        f'<div class="pq-meta">{" · ".join(_escape(m) for m in meta)}</div>'
        f'<div class="pq-passage">{highlight(chunk.text, rel_start, rel_end)}</div>'
        "</div>"
    )


def sources_html(answer: Answer | None, empty_text: str = "引用的原文会显示在这里。") -> str:
    """The sources panel for one answer (cited passages in marker order)."""
    if answer is None:
        return f'<div class="pq-sources pq-empty">{_escape(empty_text)}</div>'
    if not answer.citations:
        text = "文章中没有找到可以回答这个问题的内容。" if answer.refused else "这个回答没有引用。"
        return f'<div class="pq-sources pq-empty">{_escape(text)}</div>'
    cards = "".join(citation_html(c) for c in sorted(answer.citations, key=lambda c: c.number))
    return f'<div class="pq-sources">{cards}</div>'


def status_line(generator: str, model_id: str, articles: int, chunks: int) -> str:
    """The line naming the active generator and model (Markdown-free plain text)."""
    return f"生成方式：{generator} · 嵌入模型：{model_id} · {articles} 篇文章，{chunks} 个段落"


def citations_summary(citations: Sequence[Citation]) -> list[dict[str, object]]:
    """Compact, JSON-ready sources for feedback records."""
    return [
        {
            "number": c.number,
            "chunk_id": c.chunk.id,
            "article_title": c.chunk.article_title,
            "subject": c.chunk.subject,
            "sentence": c.sentence,
        }
        for c in citations
    ]
