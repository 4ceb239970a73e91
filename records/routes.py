"""HTTP routes of the records (mounted beside the app by ``app/api.py``).

* ``POST /_meet/bug-report`` ``{"text", "diagnostics"}`` → 201 ``{"reference"}``.
* ``POST /_meet/track-report`` ``{"room", "participant", "key", "trackId",
  "meetingId"}`` → 201 ``{"id"}``; the tab proves itself with its leave key
  like ``/_meet/heartbeat`` (403 ``not_in_room`` otherwise).
* ``GET /_meet/meetings/{id}`` and ``GET /_meet/bug-reports/{reference}``:
  ``Authorization: Bearer $MEET_ADMIN_TOKEN`` (401 ``unauthorized``; 503
  ``admin_disabled`` when the variable is unset); 404 ``not_found``.
* ``GET /_meet/health`` → 200 ``{"status": "ok", "database": "ok"}`` or 503.

Bodies are JSON objects of at most 64 KB, read and refused with the codes of
:mod:`app.http` (``payload_too_large``, ``invalid_json``, ``invalid_body``; a
missing or invalid field is 422 with the field's Problem code and
``"field"``). Unknown fields are ignored (as by ``/_meet/heartbeat``). Errors
are ``{"error": {"code", "description"}}`` and store nothing.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from reflex_meet.app.http import (
    HttpError,
    JSONResponse,
    api_endpoint,
    error_response,
    read_json_object,
    require_field,
)
from reflex_meet.core.problems import Problem, ProblemError
from reflex_meet.core.validation import normalise_room_name, validate_tab_key
from reflex_meet.records import db, store
from reflex_meet.records.validation import (
    validate_bug_text,
    validate_diagnostics,
    validate_meeting_id,
    validate_participant_id,
    validate_reference,
    validate_track_id,
)
from reflex_meet.security import rate_limits
from reflex_meet.security.http_limits import too_many

__all__ = ["MAX_BODY", "TabVerifier", "record_routes"]

logger = logging.getLogger("meet.records.api")

MAX_BODY = 64 * 1024
HEALTH_TIMEOUT = 5.0
ADMIN_TOKEN_VARIABLE = "MEET_ADMIN_TOKEN"

# Whether the tab ``participant`` with secret ``key`` is in ``room``.
TabVerifier = Callable[[str, str, str], Awaitable[bool]]


async def _store(func: Callable[..., Any], *args: Any) -> Any:
    """Run a store function off the event loop; map failures to responses."""
    try:
        return await db.run(func, *args)
    except ProblemError as error:
        raise HttpError.from_problem(422, error.problem) from None
    except Exception:
        logger.exception("records: %s failed", getattr(func, "__name__", func))
        raise HttpError(
            503, "database_unavailable", "The records are unavailable."
        ) from None


def _admin_refusal(request: Request) -> JSONResponse | None:
    """None when the request carries the admin token, else the refusal."""
    token = os.environ.get(ADMIN_TOKEN_VARIABLE, "")
    if not token:
        return error_response(
            503, "admin_disabled", "Administration is disabled on this server."
        )
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), token.encode()
    ):
        return error_response(
            401,
            "unauthorized",
            "A valid administrator token is required.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return None


def record_routes(
    verify_tab: TabVerifier,
    *,
    limiter: Callable[[], rate_limits.Limiter] = rate_limits.default_limiter,
) -> list[Route]:
    """Build the records' routes.

    Floods of any route are refused by :class:`security.http_limits.HttpRateLimit`
    around the app; here valid reports are counted, shared by all workers:
    :data:`~security.rate_limits.BUG_REPORTS` per client address and
    :data:`~security.rate_limits.TRACK_REPORTS` per participant (429
    ``rate_limited`` with ``Retry-After``, nothing stored).

    Args:
        verify_tab: Checks a tab's ``(room, participant, key)`` proof (the
            app passes one backed by :mod:`state.presence`).
        limiter: Returns the rate limiter (default: the shared one).

    Returns:
        Starlette routes to add to the API app.
    """

    @api_endpoint
    async def bug_report(request: Request) -> JSONResponse:
        data = await read_json_object(request, MAX_BODY)
        text = require_field(data, "text", validate_bug_text)
        diagnostics = require_field(data, "diagnostics", validate_diagnostics)
        address = request.client.host if request.client else "-"
        limited = await limiter().hit(rate_limits.BUG_REPORTS, address)
        if limited is not None:
            return too_many(limited)
        reference = await _store(store.add_bug_report, text, diagnostics)
        logger.warning("records: bug report %s stored", reference)
        return JSONResponse({"reference": reference}, status_code=201)

    @api_endpoint
    async def track_report(request: Request) -> JSONResponse:
        data = await read_json_object(request, MAX_BODY)
        room = require_field(data, "room", normalise_room_name)
        participant = require_field(data, "participant", validate_participant_id)
        key = require_field(data, "key", validate_tab_key)
        track_id = require_field(data, "trackId", validate_track_id)
        meeting_id = require_field(data, "meetingId", validate_meeting_id)
        if not await verify_tab(room, participant, key):
            return error_response(403, "not_in_room", "You are not in this room.")
        limited = await limiter().hit(rate_limits.TRACK_REPORTS, participant)
        if limited is not None:
            return too_many(limited)
        row_id = await _store(store.add_track_report, meeting_id, track_id, participant)
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
            return error_response(404, "not_found", missing)
        found = await _store(load, key)
        if found is None:
            return error_response(404, "not_found", missing)
        return JSONResponse(found)

    @api_endpoint
    async def meeting(request: Request) -> JSONResponse:
        return await admin_read(
            request,
            "meeting_id",
            validate_meeting_id,
            store.get_meeting,
            "There is no such meeting.",
        )

    @api_endpoint
    async def bug(request: Request) -> JSONResponse:
        return await admin_read(
            request,
            "reference",
            validate_reference,
            store.get_bug_report,
            "There is no such bug report.",
        )

    @api_endpoint
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
        Route("/_meet/bug-report", bug_report, methods=["POST"]),
        Route("/_meet/track-report", track_report, methods=["POST"]),
        Route("/_meet/meetings/{meeting_id}", meeting, methods=["GET"]),
        Route("/_meet/bug-reports/{reference}", bug, methods=["GET"]),
        Route("/_meet/health", health, methods=["GET"]),
    ]
