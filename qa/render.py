"""Answers as JSON-ready dicts (CLI --json, HTTP API, eval) and as terminal text."""

from __future__ import annotations

from typing import Any

from qa.model import Answer, Citation, Passage


def _chunk_dict(c: Any) -> dict[str, Any]:
    return {
        "chunk_id": c.id,
        "article_id": c.article_id,
        "article_title": c.article_title,
        "subject": c.subject,
        "section_title": c.section_title,
        "date": c.date,
        "source_file": c.source_file,
        "start": c.start,
        "end": c.end,
        "text": c.text,
    }


def _citation_dict(c: Citation) -> dict[str, Any]:
    return {
        "number": c.number,
        **_chunk_dict(c.chunk),
        "sentence": c.sentence,
        "sentence_start": c.sentence_start,
        "sentence_end": c.sentence_end,
    }


def _passage_dict(p: Passage) -> dict[str, Any]:
    return {
        "rank": p.rank,
        "score": p.score,
        "dense_score": p.dense_score,
        "lexical_score": p.lexical_score,
        **_chunk_dict(p.chunk),
    }


def answer_to_dict(answer: Answer) -> dict[str, Any]:
    """Everything about an answer as plain JSON types (dump with ensure_ascii=False)."""
    return {
        "question": answer.question,
        "resolved_question": answer.resolved_question,
        "answer": answer.text,
        "refused": answer.refused,
        "generator": answer.generator,
        "note": answer.note,
        "citations": [_citation_dict(c) for c in answer.citations],
        "passages": [_passage_dict(p) for p in answer.passages],
        "timings_ms": dict(answer.timings_ms),
    }


def format_answer(answer: Answer) -> str:
    """The answer, a note if any, then each cited source with its supporting sentence."""
    lines = [answer.text]
    if answer.note:
        lines += ["", f"（注：{answer.note}）"]
    if answer.resolved_question != answer.question:
        lines += ["", f"（理解为：{answer.resolved_question}）"]
    if answer.citations:
        lines += ["", "来源："]
        for c in answer.citations:
            ch = c.chunk
            where = " · ".join(x for x in (ch.article_title, ch.subject, ch.date) if x)
            lines.append(f"[{c.number}] {where}（{ch.source_file}，{ch.id}）")
            lines.append(f"    “{c.sentence.strip()}”")
    return "\n".join(lines)
