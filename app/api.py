"""Plain HTTP routes beside the Reflex app (mounted by ``api_transformer``)."""

from __future__ import annotations

import json
import logging
import secrets

from reflex.istate.manager.token import BaseStateToken
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from core import roster
from core.problems import Problem
from core.validation import normalise_room_name
from state.room import RoomState, room_token

__all__ = ["api"]

logger = logging.getLogger("meet.api")

MAX_BEACON_BYTES = 1024


def _problem(status: int, code: str, description: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "description": description}}, status_code=status
    )


async def leave(request: Request) -> Response:
    """Remove a participant at once when their page unloads (sendBeacon).

    The body is ``{"room", "participant", "key"}``; the key is the secret the
    tab was given when it entered, so nobody else can remove it.

    Args:
        request: The beacon request.

    Returns:
        204 when done (also when the participant had already gone), or a
        4xx JSON error.
    """
    body = await request.body()
    if len(body) > MAX_BEACON_BYTES:
        return _problem(413, "body_too_large", "The request body is too large.")
    try:
        data = json.loads(body)
    except ValueError:
        return _problem(400, "malformed_json", "The request body is not JSON.")
    if not isinstance(data, dict):
        return _problem(400, "invalid_body", "The request body must be an object.")
    room = normalise_room_name(data.get("room"))
    participant, key = data.get("participant"), data.get("key")
    if isinstance(room, Problem):
        return _problem(400, room.code, room.description)
    if not isinstance(participant, str) or not isinstance(key, str):
        return _problem(400, "invalid_body", "participant and key must be strings.")
    from app.app import app as reflex_app  # the registered app (import cycle)

    token = BaseStateToken(ident=room_token(room), cls=RoomState)
    async with reflex_app.modify_state(token) as root:
        room_state = await root.get_state(RoomState)
        expected = room_state._leave_keys.get(participant, "")
        if expected and secrets.compare_digest(expected, key):
            room_state._apply(roster.Leave(user_id=participant), actor=participant)
        elif expected:
            logger.warning("room %s: leave beacon with a wrong key", room)
    return Response(status_code=204)


api = Starlette(routes=[Route("/api/leave", leave, methods=["POST"])])
