"""profile-qa as an OpenAI-compatible model under /v1: chat completions and the model list.

Mounted by the server as its own small FastAPI app, so its errors speak OpenAI's shape while
/api keeps its own. Answers go through the same ``ChatService`` calls as the chat and
/api/ask (follow-ups, input limits, refusals); the edge middleware applies the same rate
limit per client and a body cap before a request gets here. See docs/web.md.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException

from profile_qa import __version__
from profile_qa.errors import ConfigError, InvalidQuestionError, StoreUnavailableError
from profile_qa.web.api import ClientGoneError, unless_gone
from profile_qa.web.edge import Guard
from profile_qa.web.openai_render import (
    SOURCES_HEADING,
    Completion,
    answer_content,
    chunk_body,
    completion_body,
    extras,
    model_body,
    usage,
)
from profile_qa.web.openai_schemas import (
    ChatCompletionRequest,
    OpenAIError,
    edge_error,
    error_body,
    model_generators,
    refused_parameter,
    split_messages,
)
from profile_qa.web.service import ChatService
from qa.model import Answer

log = logging.getLogger("profile_qa.web")

PREFIX = "/v1"
# Chat clients send the whole conversation with every question; /api's 16 KB would refuse
# the fifth turn or so. Only the last max_history_turns are used.
MAX_BODY_BYTES = 256 * 1024
# What the edge middleware applies to /v1/: the same rate limit as /api, this body cap, and
# its 413/429 answers in OpenAI's error shape.
EDGE_GUARD = Guard(MAX_BODY_BYTES, edge_error)
_INTERNAL = "The server had an error while processing your request."

__all__ = ["EDGE_GUARD", "MAX_BODY_BYTES", "PREFIX", "build_openai_app", "key_matches"]

_bearer = HTTPBearer(
    auto_error=False,
    description="One of the api_keys setting; not needed when that setting is empty.",
)


def key_matches(token: str, keys: Sequence[str]) -> bool:
    """Whether ``token`` is one of ``keys``; each compared in constant time, all compared."""
    # Digests first: compare_digest's time still depends on whether the lengths differ.
    given = hashlib.sha256(token.encode()).digest()
    return sum(hmac.compare_digest(given, hashlib.sha256(k.encode()).digest()) for k in keys) > 0


def _service(request: Request) -> ChatService:
    return request.app.state.service


def require_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Refuse with 401 when keys are configured and the Bearer token is none of them."""
    keys = _service(request).settings.api_keys
    if not keys:
        return
    if credentials is None or not key_matches(credentials.credentials, keys):
        # The token is never repeated back, not even masked.
        raise OpenAIError(
            401,
            "Missing or incorrect API key: send Authorization: Bearer <key>.",
            "invalid_api_key",
            headers={"WWW-Authenticate": "Bearer"},
        )


router = APIRouter(dependencies=[Depends(require_key)])


@router.get("/models")
def list_models(request: Request) -> dict[str, Any]:
    """``profile-qa``, plus one model per generator when an LLM endpoint is configured."""
    created = request.app.state.created
    ids = model_generators(_service(request).settings)
    return {"object": "list", "data": [model_body(m, created) for m in ids]}


@router.get("/models/{model_id}")
def get_model(model_id: str, request: Request) -> dict[str, Any]:
    """One model, or 404 ``model_not_found``."""
    _generator(request, model_id)
    return model_body(model_id, request.app.state.created)


def _generator(request: Request, model: str) -> str | None:
    models = model_generators(_service(request).settings)
    if model not in models:
        raise OpenAIError(
            404,
            f"The model {model!r} does not exist; available: {', '.join(models)}.",
            "model_not_found",
            "model",
        )
    return models[model]


@contextlib.contextmanager
def _answering() -> Iterator[None]:
    """The service's errors as OpenAI errors (details of a 500 only in the log)."""
    try:
        yield
    except InvalidQuestionError as exc:
        raise OpenAIError(400, str(exc), "invalid_question", "messages") from exc
    except ConfigError as exc:  # the model's generator cannot be set up on this server
        raise OpenAIError(
            503, f"This model is not available now: {exc}", "model_not_available",
            "model", "server_error",
        ) from exc  # fmt: skip
    except StoreUnavailableError as exc:  # the shared database (store = "pgvector") is down
        raise OpenAIError(
            503, str(exc), "store_unavailable", None, "server_error", {"Retry-After": "5"}
        ) from exc
    except (OpenAIError, ClientGoneError):
        raise
    except Exception as exc:
        log.exception("error while answering on /v1/chat/completions")
        raise OpenAIError(500, _INTERNAL, None, None, "server_error") from exc


@router.post(
    "/chat/completions",
    responses={
        200: {
            "description": "A `chat.completion`, or with `stream: true` `chat.completion.chunk`"
            " events then `data: [DONE]`. The message (or the last chunk's delta) carries "
            "`citations`; the body carries `profile_qa` (resolved question, refused, note).",
            "content": {"text/event-stream": {}},
        }
    },
)
async def chat_completions(body: ChatCompletionRequest, request: Request) -> Any:
    """Answer the last user message; earlier user/assistant turns are the conversation.

    Async like /api/ask: waiting on a language model holds no worker thread, and a client
    that disconnects cancels its model request."""
    service = _service(request)
    refused = refused_parameter(body)
    if refused is not None:
        raise refused
    generator = _generator(request, body.model)
    question, history = split_messages(body.messages)
    history = service.trim_history(history)
    c = Completion(f"chatcmpl-{uuid.uuid4().hex}", int(time.time()), body.model)
    if not body.stream:
        with _answering():
            work = service.aanswer(question, history, generator=generator)
            answer = await unless_gone(request, work)
        content = answer_content(answer)
        return completion_body(c, answer, usage(question, history, content))
    items = service.astream(question, history, generator=generator)
    # Pulled now, so a bad question is a plain 4xx rather than a broken stream.
    try:
        with _answering():
            first = await unless_gone(request, anext(items, None))
    except BaseException:
        await items.aclose()
        raise
    include_usage = bool(body.stream_options and body.stream_options.include_usage)
    return StreamingResponse(
        _events(c, first, items, question, history, include_usage),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _data(payload: Any) -> str:
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"


async def _events(
    c: Completion,
    first: str | Answer | None,
    rest: AsyncIterator[str | Answer],
    question: str,
    history: list[tuple[str, str]],
    include_usage: bool,
) -> AsyncIterator[str]:
    # The text is sent once its citations are final: an LLM's raw markers are renumbered and
    # checked at the end, and a failing LLM is replaced by the extractive answer, so earlier
    # deltas could show text the answer does not keep (an OpenAI client cannot retract them).
    try:
        yield _data(chunk_body(c, {"role": "assistant", "content": ""}))
        with _answering():
            answer = first if isinstance(first, Answer) else None
            async for item in rest:
                if isinstance(item, Answer):
                    answer = item
        if answer is None:
            raise OpenAIError(500, _INTERNAL, None, None, "server_error")
        content = answer_content(answer)
        text, heading, sources = content.partition(SOURCES_HEADING)
        yield _data(chunk_body(c, {"content": text}))
        if sources:
            yield _data(chunk_body(c, {"content": heading + sources}))
        citations, info = extras(answer)
        yield _data(chunk_body(c, {"citations": citations}, "stop", profile_qa=info))
        if include_usage:
            counts = usage(question, history, content)
            yield _data({**c.head("chat.completion.chunk"), "choices": [], "usage": counts})
    except OpenAIError as exc:
        yield _data(error_body(exc.message, exc.kind, exc.code, exc.param))
    finally:
        await rest.aclose()  # type: ignore[attr-defined]
    yield "data: [DONE]\n\n"


def _error(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    return JSONResponse(body, status_code=status, headers=headers)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ClientGoneError)
    async def _gone(request: Request, exc: ClientGoneError) -> Any:
        from fastapi.responses import Response

        return Response(status_code=499)  # nobody reads it; keeps the log free of 500s

    @app.exception_handler(OpenAIError)
    async def _openai(request: Request, exc: OpenAIError) -> JSONResponse:
        body = error_body(exc.message, exc.kind, exc.code, exc.param)
        return _error(exc.status, body, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # OpenAI answers a malformed request with 400 naming the parameter; no input echoed.
        err = exc.errors()[0] if exc.errors() else {}
        loc = [str(p) for p in err.get("loc", ()) if p != "body"]
        param = ".".join(loc) or None
        message = str(err.get("msg", "invalid request"))
        if param:
            message = f"{param}: {message}"
        return _error(400, error_body(message, "invalid_request_error", "invalid_value", param))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        what = f"{request.method} {request.url.path}"
        message = {404: f"Unknown request URL: {what}.", 405: f"Method not allowed: {what}."}
        body = error_body(message.get(exc.status_code, "Request failed."), "invalid_request_error")
        return _error(exc.status_code, body)


def build_openai_app(service: ChatService) -> FastAPI:
    """The /v1 app for one loaded service (mount it at ``PREFIX``)."""
    app = FastAPI(
        title="profile-qa (OpenAI-compatible)",
        version=__version__,
        description="OpenAI chat completions over the profiles; answers keep their [n] "
        "markers and list their sources. Spec of the rest of the server: /openapi.json.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.service = service
    app.state.created = int(time.time())
    _install_error_handlers(app)
    app.include_router(router)
    return app
