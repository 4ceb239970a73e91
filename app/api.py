"""Plain HTTP routes beside the Reflex app (mounted by ``api_transformer``).

``POST /_meet/heartbeat`` and ``POST /_meet/leave`` take ``{"room",
"participant", "key"}`` (at most 1 KB): the key is the secret the tab was
given when it entered, so nobody else can keep it alive or remove it.
Heartbeats are plain HTTP on purpose: a websocket event would cost every
other member a message (see :mod:`state.presence`).

The records' routes (bug and track reports, admin reads, health) come from
:mod:`records.routes`; track reports are proven with the same tab key.

Reflex mounts its own app (pages, ``/_event``…) behind these routes, so
:func:`app.http.fallback_routes` come last: anything else under ``/_meet``
answers JSON 404/405. Bodies, errors and failures are handled the same way on
every route by :mod:`app.http`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reflex_meet.app import http
from reflex_meet.core import roster
from reflex_meet.core.validation import normalise_room_name, validate_tab_key
from reflex_meet.records.routes import record_routes
from reflex_meet.records.validation import validate_participant_id
from reflex_meet.security.http_limits import HttpRateLimit, check_presence
from reflex_meet.security.tokens import check_tab_key
from reflex_meet.state import membership, presence

__all__ = ["api"]

logger = logging.getLogger("meet.api")

MAX_PRESENCE_BODY = 1024


@dataclass(frozen=True)
class _TabProof:
    room: str
    participant: str
    key: str


async def _read_proof(request: Request) -> _TabProof:
    """Read the tab's ``{"room", "participant", "key"}`` (refusing bad ones).

    Rate-limited per tab when the key is valid, else per client address
    (:func:`security.http_limits.check_presence`); a malformed request gets
    its own error.
    """
    data = await http.read_json_object(request, MAX_PRESENCE_BODY)
    proof = _TabProof(
        room=http.require_field(data, "room", normalise_room_name),
        participant=http.require_field(data, "participant", validate_participant_id),
        key=http.require_field(data, "key", validate_tab_key),
    )
    proven = check_tab_key(proof.room, proof.participant, proof.key)
    address = request.client.host if request.client else "-"
    await check_presence(address, (proof.room, proof.participant) if proven else None)
    return proof


@http.api_endpoint
async def heartbeat(request: Request) -> Response:
    """Keep a tab in its room; sweep out members silent for too long.

    Args:
        request: The heartbeat request.

    Returns:
        204, or 410 ``{"error": {"code": "not_in_room"}}`` when the tab is no
        longer in the room (it should enter again), or a 4xx JSON error.
    """
    proof = await _read_proof(request)
    now = time.time()
    seen = await presence.touch(proof.room, proof.participant, proof.key, now)
    if seen is None:
        return http.error_response(
            410, "not_in_room", "You are no longer in this room."
        )
    await membership.sweep_room(proof.room, now, seen, adopt_unknown=False)
    return Response(status_code=204)


@http.api_endpoint
async def leave(request: Request) -> Response:
    """Remove a participant at once when their page unloads (sendBeacon).

    Args:
        request: The beacon request.

    Returns:
        204 when done (also when the participant had already gone), or a
        4xx JSON error.
    """
    proof = await _read_proof(request)
    if await presence.forget_with_key(proof.room, proof.participant, proof.key):
        await membership.apply_to_room(
            proof.room, roster.Leave(user_id=proof.participant), {}
        )
    else:
        logger.warning("room %s: leave beacon for an unknown tab", proof.room)
    return Response(status_code=204)


async def _tab_in_room(room: str, participant: str, key: str) -> bool:
    """Whether a tab proves it is in a room (counts as its heartbeat).

    Args:
        room: A normalised room name.
        participant: The tab's participant id.
        key: The tab's secret.

    Returns:
        True when the key matches a present participant.
    """
    return await presence.touch(room, participant, key, time.time()) is not None


api = Starlette(
    routes=[
        Route("/_meet/heartbeat", heartbeat, methods=["POST"]),
        Route("/_meet/leave", leave, methods=["POST"]),
        *record_routes(verify_tab=_tab_in_room),
        *http.fallback_routes(),  # last: JSON 404/405 for the rest of /_meet
    ],
    exception_handlers=http.exception_handlers(),
)
# Around everything under /_meet/ (Reflex mounts its own app inside `api`).
api.add_middleware(HttpRateLimit)
