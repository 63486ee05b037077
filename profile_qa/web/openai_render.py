"""Answers in the OpenAI dialect of /v1: the text a plain chat client shows (markers kept,
sources as a Markdown list) and the completion and chunk bodies with the structured extras."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qa.model import Answer, Citation

# Opens the sources list in an answer; also how an answer sent back as history is recognised.
SOURCES_HEADING = "\n\n**来源**\n"
_QUOTE_CHARS = 120
_MARKDOWN_SPECIAL = "\\`*_[]<>|#"


def strip_sources(answer_text: str) -> str:
    """An answer sent back as history, without the sources list this API appended."""
    return answer_text.split(SOURCES_HEADING, 1)[0]


def _md(text: str) -> str:
    # Article text is shown as text, never as Markdown a front-end would format or link.
    text = " ".join(text.split())
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIAL else ch for ch in text)


def _quote(sentence: str) -> str:
    sentence = " ".join(sentence.split())
    if len(sentence) > _QUOTE_CHARS:
        sentence = sentence[: _QUOTE_CHARS - 1] + "…"
    return sentence


def source_line(citation: Citation) -> str:
    """One Markdown list item: ``- [n] 《title》 · profile：“sentence”``."""
    chunk = citation.chunk
    profile = chunk.subject or chunk.section_title
    head = f"《{_md(chunk.article_title)}》" if chunk.article_title else ""
    if profile and profile != chunk.article_title:
        head = f"{head} · {_md(profile)}" if head else _md(profile)
    return f"- [{citation.number}] {head}：“{_md(_quote(citation.sentence))}”"


def answer_content(answer: Answer) -> str:
    """What a plain chat client shows: the answer with its [n] markers, a note if any, and
    the cited sources as a short Markdown list."""
    parts = [answer.text.strip()]
    if answer.note:
        parts.append(f"\n\n（注：{answer.note}）")
    if answer.citations:
        lines = [source_line(c) for c in sorted(answer.citations, key=lambda c: c.number)]
        parts.append(SOURCES_HEADING + "\n".join(lines))
    return "".join(parts)


@dataclass(frozen=True)
class Completion:
    """What one request's responses share: id, time, model."""

    id: str
    created: int
    model: str

    def head(self, kind: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": kind,
            "created": self.created,
            "model": self.model,
            "system_fingerprint": None,
        }


def extras(answer: Answer) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The structured citations (as on /api/ask) and what else a rich client may show."""
    from qa.render import answer_to_dict

    data = answer_to_dict(answer)
    info = {k: data[k] for k in ("question", "resolved_question", "refused", "generator", "note")}
    return data["citations"], info


def usage(question: str, history: Sequence[tuple[str, str]], content: str) -> dict[str, int]:
    """Token counts (tiktoken cl100k), for clients that show them; nothing is billed."""
    from corpus import count_tokens

    prompt = count_tokens(question) + sum(count_tokens(u) + count_tokens(a) for u, a in history)
    completion = count_tokens(content)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def completion_body(
    c: Completion, answer: Answer, usage_counts: dict[str, int] | None = None
) -> dict[str, Any]:
    """A ``chat.completion``; the message carries ``citations``, the body ``profile_qa``."""
    citations, info = extras(answer)
    message = {
        "role": "assistant",
        "content": answer_content(answer),
        "refusal": None,
        "citations": citations,
    }
    choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}
    return {**c.head("chat.completion"), "choices": [choice], "usage": usage_counts,
            "profile_qa": info}  # fmt: skip


def chunk_body(
    c: Completion, delta: dict[str, Any], finish: str | None = None, **extra: Any
) -> dict[str, Any]:
    """A ``chat.completion.chunk`` with one choice."""
    choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
    return {**c.head("chat.completion.chunk"), "choices": [choice], **extra}


def model_body(model_id: str, created: int) -> dict[str, Any]:
    """One entry of /v1/models."""
    return {"id": model_id, "object": "model", "created": created, "owned_by": "profile-qa"}
