"""HTTP routes of the records (mounted beside the app by ``app/api.py``).

* ``POST /api/bug-report`` ``{"text", "diagnostics"}`` → 201 ``{"reference"}``.
* ``POST /api/track-report`` ``{"room", "participant", "key", "trackId",
  "meetingId"}`` → 201 ``{"id"}``; the tab proves itself with its leave key
  like ``/api/heartbeat`` (403 ``not_in_room`` otherwise).
* ``GET /api/meetings/{id}`` and ``GET /api/bug-reports/{reference}``:
  ``Authorization: Bearer $MEET_ADMIN_TOKEN`` (401 ``unauthorized``; 503
  ``admin_disabled`` when the variable is unset); 404 ``not_found``.
* ``GET /api/health`` → 200 ``{"status": "ok", "database": "ok"}`` or 503.

Bodies are JSON objects of at most 64 KB (413 ``payload_too_large``, counted
while reading); malformed JSON is 400 ``invalid_json``, a non-object 400
``invalid_body``; a missing or invalid field is 422 with the field's Problem
code and ``"field"``. Unknown fields are ignored (as by ``/api/heartbeat``).
Errors are ``{"error": {"code", "description"}}`` and store nothing.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from core.problems import Problem, ProblemError
from core.validation import normalise_room_name
from records import db, store
from records.rate_limit import ChatRateLimiter
from records.validation import (
    validate_bug_text,
    validate_diagnostics,
    validate_meeting_id,
    validate_participant_id,
    validate_reference,
    validate_track_id,
)

__all__ = ["MAX_BODY", "TabVerifier", "record_routes"]

logger = logging.getLogger("meet.records.api")

MAX_BODY = 64 * 1024
MAX_KEY_LENGTH = 128
HEALTH_TIMEOUT = 5.0
ADMIN_TOKEN_VARIABLE = "MEET_ADMIN_TOKEN"

# Whether the tab ``participant`` with secret ``key`` is in ``room``.
TabVerifier = Callable[[str, str, str], Awaitable[bool]]


class _RefusalError(Exception):
    """Stops a request with an error response."""

    def __init__(self, response: JSONResponse) -> None:
        super().__init__(response.status_code)
        self.response = response


def _error(
    status: int,
    code: str,
    description: str,
    *,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    error: dict[str, str] = {"code": code, "description": description}
    if field is not None:
        error["field"] = field
    return JSONResponse({"error": error}, status_code=status, headers=headers)


def _too_large() -> _RefusalError:
    return _RefusalError(
        _error(
            413,
            "payload_too_large",
            f"The request body can be at most {MAX_BODY // 1024} KB.",
        )
    )


async def _read_object(request: Request) -> dict[str, Any]:
    """Read a JSON object body of at most :data:`MAX_BODY` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise _too_large()
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BODY:
            raise _too_large()
    try:
        data = json.loads(bytes(body))
    except (ValueError, RecursionError):
        raise _RefusalError(
            _error(400, "invalid_json", "The request body is not valid JSON.")
        ) from None
    if not isinstance(data, dict):
        raise _RefusalError(
            _error(400, "invalid_body", "The request body must be a JSON object.")
        )
    return data


def _field(data: dict[str, Any], name: str, validator: Callable[[Any], Any]) -> Any:
    """Validate one field, refusing with 422 and the Problem's code."""
    if name not in data or data[name] is None:
        raise _RefusalError(
            _error(422, "field_missing", f"“{name}” is required.", field=name)
        )
    value = validator(data[name])
    if isinstance(value, Problem):
        raise _RefusalError(_error(422, value.code, value.description, field=name))
    return value


def _key(raw: object) -> str | Problem:
    if not isinstance(raw, str):
        return Problem("invalid_type", "Expected a key string.")
    if not raw or len(raw) > MAX_KEY_LENGTH:
        return Problem("key_invalid", "That is not a valid key.")
    return raw


def _client(request: Request) -> str:
    return request.client.host if request.client else "-"


async def _store(func: Callable[..., Any], *args: Any) -> Any:
    """Run a store function off the event loop; map failures to responses."""
    try:
        return await db.run(func, *args)
    except ProblemError as error:
        raise _RefusalError(
            _error(422, error.problem.code, error.problem.description)
        ) from None
    except Exception:
        logger.exception("records: %s failed", getattr(func, "__name__", func))
        raise _RefusalError(
            _error(503, "database_unavailable", "The records are unavailable.")
        ) from None


def _admin_refusal(request: Request) -> JSONResponse | None:
    """None when the request carries the admin token, else the refusal."""
    token = os.environ.get(ADMIN_TOKEN_VARIABLE, "")
    if not token:
        return _error(
            503, "admin_disabled", "Administration is disabled on this server."
        )
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), token.encode()
    ):
        return _error(
            401,
            "unauthorized",
            "A valid administrator token is required.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return None


def record_routes(
    verify_tab: TabVerifier,
    *,
    bug_limiter: ChatRateLimiter | None = None,
    track_limiter: ChatRateLimiter | None = None,
) -> list[Route]:
    """Build the records' routes.

    Args:
        verify_tab: Checks a tab's ``(room, participant, key)`` proof (the
            app passes one backed by :mod:`state.presence`).
        bug_limiter: Limits bug reports per client address (default: 5 per
            minute per worker).
        track_limiter: Limits track reports per participant (default: 30 per
            minute per worker).

    Returns:
        Starlette routes to add to the API app.
    """
    bugs = bug_limiter or ChatRateLimiter(limit=5, window=60.0)
    tracks = track_limiter or ChatRateLimiter(limit=30, window=60.0)

    def too_many(limiter: ChatRateLimiter, who: str) -> JSONResponse:
        wait = limiter.retry_after(who)
        return _error(
            429,
            "rate_limited",
            "Too many reports; please wait a moment.",
            headers={"Retry-After": str(max(1, round(wait)))},
        )

    async def bug_report(request: Request) -> JSONResponse:
        try:
            data = await _read_object(request)
            text = _field(data, "text", validate_bug_text)
            diagnostics = _field(data, "diagnostics", validate_diagnostics)
            if not bugs.allow(_client(request)):
                return too_many(bugs, _client(request))
            reference = await _store(store.add_bug_report, text, diagnostics)
        except _RefusalError as refused:
            return refused.response
        logger.warning("records: bug report %s stored", reference)
        return JSONResponse({"reference": reference}, status_code=201)

    async def track_report(request: Request) -> JSONResponse:
        try:
            data = await _read_object(request)
            room = _field(data, "room", normalise_room_name)
            participant = _field(data, "participant", validate_participant_id)
            key = _field(data, "key", _key)
            track_id = _field(data, "trackId", validate_track_id)
            meeting_id = _field(data, "meetingId", validate_meeting_id)
            if not await verify_tab(room, participant, key):
                return _error(403, "not_in_room", "You are not in this room.")
            if not tracks.allow(participant):
                return too_many(tracks, participant)
            row_id = await _store(
                store.add_track_report, meeting_id, track_id, participant
            )
        except _RefusalError as refused:
            return refused.response
        return JSONResponse({"id": row_id}, status_code=201)

    async def admin_read(
        request: Request,
        param: str,
        validate: Callable[[Any], Any],
        load: Callable[..., Any],
        missing: str,
    ) -> JSONResponse:
        """An admin-only read of one record by its id in the path."""
        refusal = _admin_refusal(request)
        if refusal is not None:
            return refusal
        key = validate(request.path_params[param])
        if isinstance(key, Problem):
            return _error(404, "not_found", missing)
        try:
            found = await _store(load, key)
        except _RefusalError as refused:
            return refused.response
        if found is None:
            return _error(404, "not_found", missing)
        return JSONResponse(found)

    async def meeting(request: Request) -> JSONResponse:
        return await admin_read(
            request,
            "meeting_id",
            validate_meeting_id,
            store.get_meeting,
            "There is no such meeting.",
        )

    async def bug(request: Request) -> JSONResponse:
        return await admin_read(
            request,
            "reference",
            validate_reference,
            store.get_bug_report,
            "There is no such bug report.",
        )

    async def health(_request: Request) -> JSONResponse:
        try:
            ok = await asyncio.wait_for(
                asyncio.to_thread(db.is_reachable), HEALTH_TIMEOUT
            )
        except TimeoutError:
            ok = False
        if ok:
            return JSONResponse({"status": "ok", "database": "ok"})
        return JSONResponse(
            {
                "status": "unavailable",
                "database": "unreachable",
                "error": {
                    "code": "database_unavailable",
                    "description": "The database does not answer.",
                },
            },
            status_code=503,
        )

    return [
        Route("/api/bug-report", bug_report, methods=["POST"]),
        Route("/api/track-report", track_report, methods=["POST"]),
        Route("/api/meetings/{meeting_id}", meeting, methods=["GET"]),
        Route("/api/bug-reports/{reference}", bug, methods=["GET"]),
        Route("/api/health", health, methods=["GET"]),
    ]
