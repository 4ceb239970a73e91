"""Plain HTTP routes beside the Reflex app (mounted by ``api_transformer``).

``POST /api/heartbeat`` and ``POST /api/leave`` take ``{"room",
"participant", "key"}``: the key is the secret the tab was given when it
entered, so nobody else can keep it alive or remove it. Heartbeats are plain
HTTP on purpose: a websocket event would cost every other member a message
(see :mod:`state.presence`).

The records' routes (bug and track reports, admin reads, health) come from
:mod:`records.routes`; track reports are proven with the same tab key.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from core import roster
from core.problems import Problem
from core.validation import normalise_room_name
from records.routes import record_routes
from state import membership, presence

__all__ = ["api"]

logger = logging.getLogger("meet.api")

MAX_PRESENCE_BODY = 1024


@dataclass(frozen=True)
class _TabProof:
    room: str
    participant: str
    key: str


def _problem(status: int, code: str, description: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "description": description}}, status_code=status
    )


async def _read_proof(request: Request) -> _TabProof | JSONResponse:
    body = await request.body()
    if len(body) > MAX_PRESENCE_BODY:
        return _problem(413, "body_too_large", "The request body is too large.")
    try:
        data = json.loads(body)
    except ValueError:
        return _problem(400, "malformed_json", "The request body is not JSON.")
    if not isinstance(data, dict):
        return _problem(400, "invalid_body", "The request body must be an object.")
    room = normalise_room_name(data.get("room"))
    if isinstance(room, Problem):
        return _problem(400, room.code, room.description)
    participant, key = data.get("participant"), data.get("key")
    if not isinstance(participant, str) or not isinstance(key, str):
        return _problem(400, "invalid_body", "participant and key must be strings.")
    if len(participant) > 64 or len(key) > 128:
        return _problem(400, "invalid_body", "participant or key is too long.")
    return _TabProof(room, participant, key)


async def heartbeat(request: Request) -> Response:
    """Keep a tab in its room; sweep out members silent for too long.

    Args:
        request: The heartbeat request.

    Returns:
        204, or 410 ``{"error": {"code": "not_in_room"}}`` when the tab is no
        longer in the room (it should enter again), or a 4xx JSON error.
    """
    proof = await _read_proof(request)
    if isinstance(proof, JSONResponse):
        return proof
    now = time.time()
    seen = await presence.touch(proof.room, proof.participant, proof.key, now)
    if seen is None:
        return _problem(410, "not_in_room", "You are no longer in this room.")
    await membership.sweep_room(proof.room, now, seen)
    return Response(status_code=204)


async def leave(request: Request) -> Response:
    """Remove a participant at once when their page unloads (sendBeacon).

    Args:
        request: The beacon request.

    Returns:
        204 when done (also when the participant had already gone), or a
        4xx JSON error.
    """
    proof = await _read_proof(request)
    if isinstance(proof, JSONResponse):
        return proof
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
        Route("/api/heartbeat", heartbeat, methods=["POST"]),
        Route("/api/leave", leave, methods=["POST"]),
        *record_routes(verify_tab=_tab_in_room),
    ]
)
