"""The Answerer as a LangChain Runnable (invoke, stream, batch, and | composition)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.runnables.config import ensure_config

from profile_qa.errors import InvalidQuestionError
from qa.model import Answer

if TYPE_CHECKING:
    from qa.chain import Answerer


def _unpack(value: Any) -> tuple[str, list[Any], str | None]:
    if isinstance(value, str):
        return value, [], None
    if not isinstance(value, Mapping) or "question" not in value:
        raise InvalidQuestionError(
            'input must be a question or {"question": ..., "history": [...]}'
        )
    history = [tuple(h) if isinstance(h, list) else h for h in value.get("history") or []]
    return value["question"], history, value.get("generator")


class AnswerChain(Runnable[dict[str, Any], Answer]):
    """Input {"question": str, "history": [[user, assistant] | user, ...], "generator"?};
    ``invoke`` returns the Answer, ``stream`` yields text deltas then the Answer."""

    def __init__(self, answerer: Answerer) -> None:
        self.answerer = answerer

    def invoke(
        self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Answer:
        """Answer one question."""
        return self._call_with_config(self._answer, input, ensure_config(config))

    def _answer(self, input: dict[str, Any]) -> Answer:
        question, history, generator = _unpack(input)
        return self.answerer.answer(question, history, generator)

    def stream(
        self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        """Text deltas, then the final Answer."""
        question, history, generator = _unpack(input)
        yield from self.answerer.stream(question, history, generator)


def answer_runnable(answerer: Answerer) -> AnswerChain:
    """Wrap an Answerer for LCEL."""
    return AnswerChain(answerer)
