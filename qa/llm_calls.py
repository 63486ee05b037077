"""Model calls as steps of the answering chain, run by whoever drives it.

The chain (``Answerer.steps``) is a generator: it yields text deltas, the final ``Answer``,
and :class:`LLMCall` requests, and is sent back an :class:`LLMOutcome` for each request.
:func:`drive_sync` runs the calls in the calling thread (CLI, eval); :func:`drive_async`
runs them on the event loop and only the CPU steps in threads, so a web server never holds
a worker thread or an answer slot while a model is slow or hangs.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

from profile_qa.errors import LLMUnavailableError as LLMUnavailableError  # re-export

Steps = Generator[Any, "LLMOutcome | None", None]


@dataclass(frozen=True)
class LLMCall:
    """One request to the chat model; ``visible`` deltas are streamed to the visitor."""

    sync: Callable[[], Iterator[str]]
    run_async: Callable[[], AsyncIterator[str]]
    visible: bool


@dataclass(frozen=True)
class LLMOutcome:
    """What a call gave: its text so far and, if it failed (even mid-way), why."""

    text: str
    error: LLMUnavailableError | None = None


def drive_sync(steps: Steps) -> Generator[Any, None, Any]:
    """Run the chain in this thread: deltas and the Answer out, model calls answered.

    Returns what the step generator returns (see :func:`run_to_end`).
    """
    outcome: LLMOutcome | None = None
    while True:
        try:
            item = steps.send(outcome)
        except StopIteration as stop:
            return stop.value
        outcome = None
        if isinstance(item, LLMCall):
            pieces: list[str] = []
            try:
                for delta in item.sync():
                    pieces.append(delta)
                    if item.visible:
                        yield delta
            except LLMUnavailableError as exc:
                outcome = LLMOutcome("".join(pieces), exc)
            else:
                outcome = LLMOutcome("".join(pieces))
        else:
            yield item


def run_to_end(steps: Generator[Any, LLMOutcome | None, Any]) -> Any:
    """The return value of a step generator, its model calls run in this thread."""
    items = drive_sync(steps)
    while True:
        try:
            next(items)
        except StopIteration as stop:
            return stop.value


_DONE = object()


def _advance(steps: Steps, outcome: LLMOutcome | None) -> Any:
    # StopIteration cannot cross an await (it would become a RuntimeError).
    try:
        return steps.send(outcome)
    except StopIteration:
        return _DONE


async def drive_async(
    steps: Steps, run_cpu: Callable[[Callable[[], Any]], Awaitable[Any]]
) -> AsyncIterator[Any]:
    """Run the chain: CPU steps through ``run_cpu`` (a thread pool), model calls awaited here.

    Cancelling the consumer (a client that left) cancels the model request in flight.
    """
    outcome: LLMOutcome | None = None
    while True:
        item = await run_cpu(functools.partial(_advance, steps, outcome))
        if item is _DONE:
            return
        outcome = None
        if isinstance(item, LLMCall):
            pieces: list[str] = []
            try:
                async with aclosing(item.run_async()) as deltas:  # type: ignore[type-var]
                    async for delta in deltas:
                        pieces.append(delta)
                        if item.visible:
                            yield delta
            except LLMUnavailableError as exc:
                outcome = LLMOutcome("".join(pieces), exc)
            else:
                outcome = LLMOutcome("".join(pieces))
        else:
            yield item
