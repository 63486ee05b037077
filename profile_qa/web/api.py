"""The JSON API: /api/ask, /api/ask/stream (Server-Sent Events), /api/health and friends."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeVar

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from profile_qa.errors import ConfigError, InvalidQuestionError, StoreUnavailableError
from profile_qa.web.schemas import (
    AskRequest,
    AskResponse,
    ErrorResponse,
    ExamplesResponse,
    FeedbackRequest,
    FeedbackResponse,
    HealthResponse,
)
from profile_qa.web.service import ChatService

log = logging.getLogger("profile_qa.web")
T = TypeVar("T")

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {
        "model": ErrorResponse,
        "description": "Invalid JSON, or the question or an option cannot be used",
    },
    413: {"model": ErrorResponse, "description": "Request body too large"},
    422: {"model": ErrorResponse, "description": "The request does not match the schema"},
    429: {"model": ErrorResponse, "description": "Too many requests (see Retry-After)"},
}

router = APIRouter(prefix="/api", tags=["api"])


def _service(request: Request) -> ChatService:
    return request.app.state.service


class ClientGoneError(Exception):
    """The client disconnected before its answer was ready (nothing is sent)."""


async def _wait_disconnect(request: Request) -> None:
    # The body is already read, so the next message is http.disconnect when the client
    # leaves (or when the response is complete).
    while (await request.receive())["type"] != "http.disconnect":
        pass


async def unless_gone(request: Request, work: Awaitable[T]) -> T:
    """``await work``, cancelled (with its model request) if the client disconnects first."""
    task = asyncio.ensure_future(work)
    gone = asyncio.ensure_future(_wait_disconnect(request))
    try:
        await asyncio.wait({task, gone}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        gone.cancel()
        if not task.done():
            task.cancel()
            await asyncio.wait({task})  # let it unwind: that closes the model request
    if task.cancelled():
        raise ClientGoneError
    return task.result()


@router.post("/ask", response_model=AskResponse, responses=_ERRORS)
async def ask(body: AskRequest, request: Request) -> AskResponse:
    """Answer a question with inline citation markers and the cited passages."""
    work = _service(request).aanswer(
        body.question,
        body.history_pairs(),
        generator=body.options.generator,
        top_k=body.options.top_k,
    )
    return AskResponse.from_answer(await unless_gone(request, work))


def _sse(event: str, data: Any) -> str:
    # JSON keeps newlines inside the data line, as SSE requires.
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.post(
    "/ask/stream",
    responses={
        **_ERRORS,
        200: {
            "content": {"text/event-stream": {}},
            "description": "`event: delta` ({text}) repeatedly, then `event: answer` (the "
            "AskResponse JSON), then `event: done`; `event: error` ({error}) if it fails.",
        },
    },
)
async def ask_stream(body: AskRequest, request: Request) -> StreamingResponse:
    """Like /api/ask, as Server-Sent Events: text deltas, then the full answer."""
    service = _service(request)
    items = service.astream(
        body.question,
        body.history_pairs(),
        generator=body.options.generator,
        top_k=body.options.top_k,
    )
    # Pull the first item now, so a bad question is a plain 4xx rather than a broken stream.
    try:
        first = await unless_gone(request, anext(items, None))
    except BaseException:
        await items.aclose()
        raise

    async def events() -> AsyncIterator[str]:
        # Starlette cancels this when the client disconnects, which cancels the model call.
        try:
            pending = [] if first is None else [first]
            async for item in _chain(pending, items):
                if isinstance(item, str):
                    if item:
                        yield _sse("delta", {"text": item})
                else:
                    yield _sse("answer", AskResponse.from_answer(item).model_dump())
            yield _sse("done", {})
        except (InvalidQuestionError, ConfigError) as exc:
            yield _sse("error", {"error": "invalid question", "detail": str(exc)})
        except StoreUnavailableError as exc:
            yield _sse("error", {"error": "service unavailable", "detail": str(exc)})
        except Exception:
            log.exception("error while streaming an answer")
            yield _sse("error", {"error": "internal error"})
        finally:
            await items.aclose()

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _chain(first: list[Any], rest: AsyncIterator[Any]) -> AsyncIterator[Any]:
    for item in first:
        yield item
    async for item in rest:
        yield item


@router.get("/health", response_model=HealthResponse)
async def health(request: Request) -> Any:
    # async: answered on the event loop, never queued behind busy worker threads.
    """Whether the index is loaded, which model and generator answer, corpus size, version.

    503 with the reason while a shared database (store = "pgvector") is unreachable, so a
    load balancer sends questions to another server.
    """
    service = _service(request)
    if service.store_error:
        return error_json(503, "service unavailable", service.store_error)
    info = service.info
    return HealthResponse(
        status="ok",
        index_loaded=info.index_loaded,
        model_id=info.model_id,
        generator=info.generator,
        article_count=info.article_count,
        chunk_count=info.chunk_count,
        version=info.version,
    )


@router.get("/examples", response_model=ExamplesResponse)
async def examples(request: Request) -> ExamplesResponse:
    """Example questions, one per profile in the corpus."""
    return ExamplesResponse(examples=_service(request).examples)


@router.post("/feedback", response_model=FeedbackResponse, status_code=201, responses=_ERRORS)
def feedback(body: FeedbackRequest, request: Request) -> FeedbackResponse:
    """Store a like or dislike for an answer, with its question and sources."""
    row = _service(request).feedback.add(
        body.rating, body.question, body.answer, body.sources, body.generator, channel="api"
    )
    return FeedbackResponse(id=row)


def error_json(status: int, error: str, detail: Any = None, **headers: str) -> JSONResponse:
    """The one error body shape of this server."""
    content: dict[str, Any] = {"error": error}
    if detail is not None:
        content["detail"] = detail
    return JSONResponse(content, status_code=status, headers=headers or None)


def _validation_detail(exc: RequestValidationError) -> list[dict[str, str]]:
    # FastAPI's default echoes the input and pydantic URLs; keep the field and the reason.
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p != "body"]
        out.append({"field": ".".join(loc) or "body", "message": str(err.get("msg", ""))})
    return out


def _json_error(exc: RequestValidationError) -> str | None:
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            position = next((p for p in err.get("loc", ()) if isinstance(p, int)), None)
            reason = str((err.get("ctx") or {}).get("error") or "not valid JSON")
            return reason if position is None else f"{reason} at character {position}"
    return None


def _body_error(exc: BaseException | None) -> str:
    """Why FastAPI could not parse a body (it only says "There was an error ...")."""
    if isinstance(exc, UnicodeDecodeError):
        return f"the body is not valid UTF-8 (byte {exc.start}); send JSON encoded as UTF-8"
    if isinstance(exc, RecursionError):
        return "the JSON is nested too deeply"
    return "the body cannot be read as JSON"


def install_error_handlers(app: FastAPI) -> None:
    """Clean JSON errors: 4xx with a reason, 500 without details (the trace goes to the log)."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        reason = _json_error(exc)
        if reason is not None:
            return error_json(400, "invalid JSON", reason)
        return error_json(422, "invalid request", _validation_detail(exc))

    @app.exception_handler(ClientGoneError)
    async def _gone(request: Request, exc: ClientGoneError) -> Response:
        log.debug("client left before its answer on %s", request.url.path)
        return Response(status_code=499)  # nobody reads it; keeps the log free of 500s

    @app.exception_handler(InvalidQuestionError)
    async def _bad_question(request: Request, exc: InvalidQuestionError) -> JSONResponse:
        return error_json(400, "invalid question", str(exc))

    @app.exception_handler(ConfigError)
    async def _bad_option(request: Request, exc: ConfigError) -> JSONResponse:
        return error_json(400, "option not available", str(exc))

    @app.exception_handler(StoreUnavailableError)
    async def _store_down(request: Request, exc: StoreUnavailableError) -> JSONResponse:
        # The shared database is down: the load balancer and the client may retry later.
        return error_json(503, "service unavailable", str(exc), **{"Retry-After": "5"})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:
            return error_json(400, "invalid JSON", _body_error(exc.__cause__))
        reason = {404: "not found", 405: "method not allowed"}.get(exc.status_code, "error")
        return error_json(exc.status_code, reason)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return error_json(500, "internal error")


# Included after every other route, so unknown /api paths get this server's JSON 404
# instead of falling through to the Gradio app mounted at "/".
fallback = APIRouter(include_in_schema=False)


@fallback.api_route("/api/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_found(rest: str) -> JSONResponse:
    """This server's JSON 404 for any unknown /api path."""
    return error_json(404, "not found")
