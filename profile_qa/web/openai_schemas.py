"""The OpenAI chat-completions dialect of /v1: request models, errors, messages -> question.

Requests are read leniently (chat front-ends send fields of their own, which are ignored);
what profile-qa cannot honour (tools, n > 1, JSON output, logprobs, images) is refused with a
400, as OpenAI refuses a parameter a model does not support.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from profile_qa.settings import Settings
from profile_qa.web.openai_render import strip_sources

MODEL = "profile-qa"
MAX_MESSAGES = 200


class OpenAIError(Exception):
    """An error answered as ``{"error": {"message", "type", "param", "code"}}``."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        param: str | None = None,
        kind: str = "invalid_request_error",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.param = param
        self.kind = kind
        self.headers = headers


def error_body(
    message: str, kind: str, code: str | None = None, param: str | None = None
) -> dict[str, Any]:
    """OpenAI's error shape."""
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


# How the edge's own refusals (429, 413) read on /v1: OpenAI's types and codes.
_EDGE_CODES = {
    429: ("requests", "rate_limit_exceeded"),
    413: ("invalid_request_error", "request_too_large"),
}


def edge_error(status: int, error: str, detail: str) -> dict[str, Any]:
    """The body of a 413 or 429 answered by the edge middleware for a /v1 path."""
    kind, code = _EDGE_CODES.get(status, ("invalid_request_error", None))
    return error_body(f"{error}: {detail}", kind, code)


class ContentPart(BaseModel):
    """One part of a message's content; only ``text`` parts are read."""

    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    """One message; other fields (name, tool_calls, ...) are accepted and ignored."""

    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None


class StreamOptions(BaseModel):
    """``include_usage`` adds a last chunk with token counts, as OpenAI does."""

    model_config = ConfigDict(extra="allow")
    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    """The OpenAI request. Unlisted fields are ignored; the ones below that profile-qa cannot
    honour are refused with 400 (see ``refused_parameter``)."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "model": MODEL,
                    "messages": [{"role": "user", "content": "武汉市经信局协调捐赠了多少辆MPV？"}],
                }
            ]
        },
    )
    model: str
    messages: Annotated[list[ChatMessage], Field(min_length=1, max_length=MAX_MESSAGES)]
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int | None = Field(None, description="1 only")
    tools: list[Any] | None = Field(None, description="refused: the model calls no tools")
    tool_choice: Any = Field(None, description='"none" or "auto" only')
    functions: list[Any] | None = Field(None, description="refused")
    function_call: Any = Field(None, description='"none" or "auto" only')
    response_format: dict[str, Any] | None = Field(None, description='{"type": "text"} only')
    logprobs: bool | None = Field(None, description="false only")
    temperature: float | None = Field(None, description="ignored: answers are grounded")
    top_p: float | None = Field(None, description="ignored")
    max_tokens: int | None = Field(None, description="ignored")
    max_completion_tokens: int | None = Field(None, description="ignored")


def refused_parameter(req: ChatCompletionRequest) -> OpenAIError | None:
    """The first parameter profile-qa cannot honour, as the 400 OpenAI would give."""

    def refuse(param: str, message: str) -> OpenAIError:
        return OpenAIError(400, message, "unsupported_parameter", param)

    if req.n is not None and req.n != 1:
        return refuse("n", "profile-qa gives one answer per request: n must be 1")
    if req.tools or req.functions:
        param = "tools" if req.tools else "functions"
        return refuse(param, "profile-qa does not call tools or functions")
    for param in ("tool_choice", "function_call"):
        if getattr(req, param) not in (None, "none", "auto"):
            return refuse(param, f"{param} is only allowed when tools are given")
    kind = (req.response_format or {}).get("type", "text")
    if kind != "text":
        return refuse(
            "response_format", f"response_format {kind!r} is not supported: answers are text"
        )
    if req.logprobs:
        return refuse("logprobs", "profile-qa does not return log probabilities")
    return None


def _text(message: ChatMessage, index: int) -> str:
    if message.content is None or isinstance(message.content, str):
        return message.content or ""
    texts = []
    for part in message.content:
        if part.type == "text":
            texts.append(part.text or "")
        elif message.role in ("user", "assistant"):
            raise OpenAIError(
                400,
                f"content of type {part.type!r} is not supported: profile-qa reads text only",
                "unsupported_content",
                f"messages[{index}].content",
            )
    return "\n".join(texts)


def split_messages(messages: Sequence[ChatMessage]) -> tuple[str, list[tuple[str, str]]]:
    """The question (the last message, a user's) and the earlier turns as (user, assistant).

    System and developer messages are ignored (answers come from the articles only); a user
    message without a reply is dropped, as on /api/ask.
    """
    turns: list[tuple[str, str]] = []
    for i, m in enumerate(messages):
        if m.role in ("tool", "function"):
            raise OpenAIError(
                400, "profile-qa does not call tools: tool messages cannot be answered",
                "unsupported_parameter", f"messages[{i}].role",
            )  # fmt: skip
        if m.role in ("user", "assistant"):
            turns.append((m.role, _text(m, i)))
    if not turns or turns[-1][0] != "user":
        raise OpenAIError(
            400, "the last message must be the user's question", "invalid_value", "messages"
        )
    history: list[tuple[str, str]] = []
    pending: str | None = None
    for role, text in turns[:-1]:
        if role == "user":
            pending = text
        elif pending is not None:
            history.append((pending, strip_sources(text)))
            pending = None
    return turns[-1][1], history


def model_generators(settings: Settings) -> dict[str, str | None]:
    """Model id -> generator it runs (None: the server's default).

    ``profile-qa`` always; one per generator when an LLM endpoint makes a second available.
    """
    models: dict[str, str | None] = {MODEL: None}
    if settings.llm_base_url and settings.llm_model:
        models[f"{MODEL}-extractive"] = "extractive"
        models[f"{MODEL}-llm"] = "llm"
    return models
