"""Request and response models of the HTTP API (they make up /openapi.json)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from qa.model import Answer

# Bounds on what one request may carry; the request body limit caps the total as well.
MAX_MESSAGE_CHARS = 4000
MAX_HISTORY_ITEMS = 100


class HistoryMessage(BaseModel):
    """One chat message, OpenAI style."""

    model_config = ConfigDict(extra="forbid")
    role: Literal["user", "assistant"]
    content: Annotated[str, Field(max_length=MAX_MESSAGE_CHARS)]


HistoryPair = Annotated[
    list[Annotated[str, Field(max_length=MAX_MESSAGE_CHARS)]],
    Field(min_length=2, max_length=2, description="[user question, assistant answer]"),
]


class AskOptions(BaseModel):
    """Per-request changes to the server's defaults."""

    model_config = ConfigDict(extra="forbid")
    generator: Literal["extractive", "llm"] | None = None
    # Strict: true/false and "5" are refused instead of being read as 1/0/5.
    top_k: Annotated[StrictInt, Field(ge=1, le=20)] | None = None


class AskRequest(BaseModel):
    """A question, optionally with the conversation so far."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"question": "某公司捐赠了多少只口罩？", "history": []}]},
    )
    question: Annotated[str, Field(min_length=1, max_length=MAX_MESSAGE_CHARS)]
    history: Annotated[
        list[HistoryPair] | list[HistoryMessage], Field(max_length=MAX_HISTORY_ITEMS)
    ] = []
    options: AskOptions = AskOptions()

    def history_pairs(self) -> list[tuple[str, str]]:
        """History as (user, assistant) turns, whichever format was sent."""
        pairs: list[tuple[str, str]] = []
        pending_user: str | None = None
        for item in self.history:
            if isinstance(item, HistoryMessage):
                if item.role == "user":
                    pending_user = item.content
                elif pending_user is not None:
                    pairs.append((pending_user, item.content))
                    pending_user = None
            else:
                pairs.append((item[0], item[1]))
        return pairs


class ChunkFields(BaseModel):
    """Where a passage comes from; ``start``/``end`` are offsets in the cleaned article."""

    chunk_id: str
    article_id: str
    article_title: str
    subject: str
    section_title: str
    date: str
    source_file: str
    start: int
    end: int
    text: str = Field(description="the passage")


class CitationOut(ChunkFields):
    """Marker ``[number]``: the cited passage and its supporting sentence.

    ``sentence_start``/``sentence_end`` are article offsets like ``start``; the sentence is
    ``text[sentence_start - start : sentence_end - start]``.
    """

    number: int
    sentence: str
    sentence_start: int
    sentence_end: int


class PassageOut(ChunkFields):
    """A retrieved passage, best first."""

    rank: int
    score: float
    dense_score: float | None = None
    lexical_score: float | None = None


class AskResponse(BaseModel):
    """An answer with inline markers ``[n]``, the passages they cite and all retrieved ones.

    The same shape as ``qa.answer_to_dict`` (``profile-qa ask --json``, eval reports).
    """

    question: str
    resolved_question: str
    answer: str
    refused: bool
    generator: str
    note: str
    citations: list[CitationOut]
    passages: list[PassageOut]
    timings_ms: dict[str, float]

    @classmethod
    def from_answer(cls, answer: Answer) -> AskResponse:
        """Build from a qa Answer through ``qa.answer_to_dict``."""
        from qa.render import answer_to_dict

        return cls.model_validate(answer_to_dict(answer))


class HealthResponse(BaseModel):
    """Whether the server is ready, and what it serves."""

    status: Literal["ok"]
    index_loaded: bool
    model_id: str
    generator: str
    article_count: int
    chunk_count: int
    version: str


class ExamplesResponse(BaseModel):
    """Example questions, one per profile."""

    examples: list[str]


class FeedbackRequest(BaseModel):
    """A reader's rating of one answer."""

    model_config = ConfigDict(extra="forbid")
    rating: Literal["like", "dislike"]
    question: Annotated[str, Field(min_length=1, max_length=MAX_MESSAGE_CHARS)]
    answer: Annotated[str, Field(max_length=MAX_MESSAGE_CHARS)]
    sources: Annotated[list[dict[str, Any]], Field(max_length=20)] = []
    generator: Annotated[str, Field(max_length=50)] = ""


class FeedbackResponse(BaseModel):
    """The stored rating's id."""

    id: int


class ErrorResponse(BaseModel):
    """Every 4xx/5xx body: a short reason and, for 4xx, what to fix."""

    error: str
    detail: Any = None
