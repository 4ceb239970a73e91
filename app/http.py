"""The one HTTP toolkit of the app's plain routes under ``/_meet``.

Every route answers errors in one shape, ``{"error": {"code",
"description"}}`` (plus ``"field"`` for a bad field), with one code per
fault on every route:

* 400 ``invalid_json``: the body is not JSON (or not UTF-8);
* 400 ``invalid_body``: the JSON is not an object (or arrived incomplete);
* 413 ``payload_too_large``: the body is over the route's limit, counted
  while reading (a declared ``Content-Length`` over it is refused before
  reading anything; a chunked body after at most the limit plus one chunk);
* 422 with the field's Problem code and ``"field"``: a missing
  (``field_missing``), mistyped (``invalid_type``) or invalid field;
* 404 ``not_found`` / 405 ``method_not_allowed`` (with ``Allow``) for any
  path or method under ``/_meet`` no route serves (:func:`fallback_routes`);
* 500 ``internal_error`` for any unhandled exception, logged with its
  traceback, nothing of it in the answer (:func:`api_endpoint`,
  :func:`exception_handlers`).

Responses are always valid UTF-8: :class:`JSONResponse` replaces lone
surrogates (which stored data might still hold) with U+FFFD.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette import responses
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Match, Route
from starlette.types import Receive, Scope, Send

from reflex_meet.core.problems import Problem
from reflex_meet.core.text import replace_lone_surrogates

__all__ = [
    "API_PREFIX",
    "HttpError",
    "JSONResponse",
    "api_endpoint",
    "error_response",
    "exception_handlers",
    "fallback_routes",
    "read_json_object",
    "require_field",
]

logger = logging.getLogger("meet.http")

API_PREFIX = "/_meet"

Endpoint = Callable[[Request], Awaitable[Response]]


class JSONResponse(responses.JSONResponse):
    """Starlette's JSON response, always valid UTF-8 (lone surrogates → U+FFFD)."""

    def render(self, content: Any) -> bytes:
        """Encode ``content`` as compact UTF-8 JSON.

        Args:
            content: JSON-serialisable data.

        Returns:
            The body.
        """
        text = json.dumps(
            content, ensure_ascii=False, allow_nan=False, separators=(",", ":")
        )
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:
            return replace_lone_surrogates(text).encode("utf-8")


def error_response(
    status: int,
    code: str,
    description: str,
    *,
    field: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """An error in the one shape of every route.

    Args:
        status: The HTTP status.
        code: The machine-readable code (e.g. ``"invalid_json"``).
        description: One plain sentence for people.
        field: The body field at fault, if any.
        headers: Extra response headers (e.g. ``Allow``, ``Retry-After``).

    Returns:
        ``{"error": {"code", "description"[, "field"]}}`` with ``status``.
    """
    error: dict[str, str] = {"code": code, "description": description}
    if field is not None:
        error["field"] = field
    return JSONResponse(
        {"error": error}, status_code=status, headers=dict(headers or {})
    )


class HttpError(Exception):
    """Stops a request with an error response (see :func:`api_endpoint`)."""

    def __init__(
        self,
        status: int,
        code: str,
        description: str,
        *,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Describe the refusal.

        Args:
            status: The HTTP status.
            code: The error code.
            description: One plain sentence for people.
            field: The body field at fault, if any.
            headers: Extra response headers.
        """
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.description = description
        self.field = field
        self.headers = dict(headers or {})

    @classmethod
    def from_problem(
        cls, status: int, problem: Problem, *, field: str | None = None
    ) -> HttpError:
        """The refusal of a :class:`~core.problems.Problem`.

        Args:
            status: The HTTP status (422 for a bad field).
            problem: The problem.
            field: The body field at fault, if any.

        Returns:
            The error, with the Problem's code and description.
        """
        return cls(status, problem.code, problem.description, field=field)

    def response(self) -> JSONResponse:
        """The JSON error response.

        Returns:
            The response in the one error shape.
        """
        return error_response(
            self.status,
            self.code,
            self.description,
            field=self.field,
            headers=self.headers,
        )


def _too_large(limit: int) -> HttpError:
    size = f"{limit // 1024} KB" if limit >= 1024 else f"{limit} bytes"
    return HttpError(
        413, "payload_too_large", f"The request body can be at most {size}."
    )


async def read_json_object(request: Request, limit: int) -> dict[str, Any]:
    """Read a JSON object body of at most ``limit`` bytes.

    The limit is enforced while reading: a declared ``Content-Length`` over
    it is refused before reading, and a body without one (chunked) is
    refused as soon as the bytes read pass it, so at most ``limit`` plus one
    chunk is ever held.

    Args:
        request: The request.
        limit: The most bytes this route accepts.

    Returns:
        The object.

    Raises:
        HttpError: 413 ``payload_too_large``, 400 ``invalid_json`` or 400
            ``invalid_body``.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    body = bytearray()
    try:
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > limit:
                raise _too_large(limit)
    except ClientDisconnect:
        raise HttpError(
            400, "invalid_body", "The request body arrived incomplete."
        ) from None
    try:  # strict UTF-8 (json.loads alone lets encoded surrogates through)
        data = json.loads(bytes(body).decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise HttpError(
            400, "invalid_json", "The request body is not valid JSON."
        ) from None
    if not isinstance(data, dict):
        raise HttpError(400, "invalid_body", "The request body must be a JSON object.")
    return data


def require_field(
    data: Mapping[str, Any], name: str, validator: Callable[[Any], Any]
) -> Any:
    """Validate one required field of a body.

    Args:
        data: The body object.
        name: The field.
        validator: A :mod:`core.validation`-style check returning the value
            or a Problem.

    Returns:
        The validated value.

    Raises:
        HttpError: 422 ``field_missing`` (absent or null), or 422 with the
            validator's Problem code; both name the field.
    """
    if name not in data or data[name] is None:
        raise HttpError(422, "field_missing", f"“{name}” is required.", field=name)
    value = validator(data[name])
    if isinstance(value, Problem):
        raise HttpError.from_problem(422, value, field=name)
    return value


def _internal_error() -> JSONResponse:
    return error_response(
        500, "internal_error", "Something went wrong on the server; sorry."
    )


def api_endpoint(endpoint: Endpoint) -> Endpoint:
    """Make a route handler answer every failure in the one error shape.

    :class:`HttpError` becomes its response; any other exception is logged
    with its traceback and answered 500 ``internal_error`` (no detail).

    Args:
        endpoint: ``async (request) -> Response``.

    Returns:
        The wrapped handler.
    """

    @functools.wraps(endpoint)
    async def handle(request: Request) -> Response:
        try:
            return await endpoint(request)
        except HttpError as refused:
            return refused.response()
        except Exception:
            logger.exception("%s %r failed", request.method, request.url.path)
            return _internal_error()

    return handle


def _under_api(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


class _Fallback:
    """ASGI app: 404 or 405 (with ``Allow``) for what no route under /_meet serves.

    An ASGI app rather than a function so that its routes match every method
    (Starlette gives function endpoints ``GET`` only by default).
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        allowed: set[str] = set()
        for route in getattr(request.app, "routes", []):
            if not isinstance(route, Route) or isinstance(route.endpoint, _Fallback):
                continue
            match, _ = route.matches(scope)
            if match is Match.PARTIAL and route.methods:
                allowed |= route.methods
        if allowed:
            response = error_response(
                405,
                "method_not_allowed",
                f"{request.method} is not allowed here.",
                headers={"Allow": ", ".join(sorted(allowed))},
            )
        else:
            response = error_response(404, "not_found", "There is no such API route.")
        await response(scope, receive, send)


def fallback_routes() -> list[Route]:
    """Routes that answer JSON 404/405 for anything else under ``/_meet``.

    Put them after the real routes of the Starlette app: Reflex mounts its
    own app (pages, static files) at ``""`` behind them, which would answer
    HTML or plain text for unknown ``/_meet`` paths and wrong methods.

    Returns:
        Two routes (``/_meet`` and ``/_meet/{anything}``), any method.
    """
    return [
        Route(API_PREFIX, _Fallback()),
        Route(API_PREFIX + "/{rest:path}", _Fallback()),
    ]


async def _http_exception(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, HTTPException):  # registered for HTTPException only
        return await _server_error(request, exc)
    if _under_api(request.url.path):
        code = {404: "not_found", 405: "method_not_allowed"}.get(
            exc.status_code, "http_error"
        )
        return error_response(
            exc.status_code, code, str(exc.detail), headers=exc.headers
        )
    if exc.status_code in {204, 304}:
        return Response(status_code=exc.status_code, headers=exc.headers)
    return PlainTextResponse(exc.detail, exc.status_code, headers=exc.headers)


async def _server_error(request: Request, exc: Exception) -> Response:
    if not _under_api(request.url.path):
        return PlainTextResponse("Internal Server Error", status_code=500)
    logger.error("%s %r failed", request.method, request.url.path, exc_info=exc)
    return _internal_error()


def exception_handlers() -> dict[Any, Callable[[Request, Exception], Any]]:
    """Exception handlers for the API's Starlette app.

    Under ``/_meet``, HTTP exceptions become JSON errors and any other
    exception a logged JSON 500 ``internal_error`` (also for middleware);
    elsewhere (Reflex's pages, mounted behind) Starlette's plain answers stay.

    Returns:
        ``Starlette(exception_handlers=...)``'s mapping.
    """
    return {HTTPException: _http_exception, Exception: _server_error}
