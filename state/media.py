"""The Calls proxy: every Calls request of a tab's media bridge is an event here.

The bridge never talks to Calls. It sends ``{id, op, sessionId, body}``; the
server checks it with :func:`core.calls_policy.authorise` against facts only
the server holds (this tab's own session, the room's announced tracks), adds
the secret, calls Calls with :class:`calls.client.CallsClient`, and hands the
answer back to the bridge with ``window.meetMedia.resolve(id, reply)``. The
reply is ``{status, body}`` or ``{status, error: {code, description}}``.

The handler runs in the background: a slow Calls answer never holds up the
tab's other events. Nothing here is shared with the room except the session
id the server records in the roster when it creates a tab's session.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator

import reflex as rx

from calls.errors import CallsError, CallsInvalidRequestError
from core import roster
from core.calls_policy import CallsOperation, authorise, room_track_ids
from core.problems import Problem
from state.calls_backend import calls_client
from state.room import RoomState, room_token
from state.session import SessionState

__all__ = ["MediaState", "reply_script"]

logger = logging.getLogger("meet.media")

_REQUEST_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")


def reply_script(request_id: str, reply: dict[str, object]) -> str:
    """The JavaScript that hands an answer to the tab's media engine.

    Args:
        request_id: The bridge's request id (already validated).
        reply: ``{status, body}`` or ``{status, error}``.

    Returns:
        A script for ``rx.call_script``; JSON is a valid JS expression and
        ``ensure_ascii`` escapes the line separators JavaScript would reject.
    """
    payload = json.dumps(reply, ensure_ascii=True)
    return (
        "window.meetMedia && window.meetMedia.resolve("
        f"{json.dumps(request_id)}, {payload})"
    )


def _error(status: int, problem: Problem) -> dict[str, object]:
    return {
        "status": status,
        "error": {"code": problem.code, "description": problem.description},
    }


class MediaState(rx.State):
    """Per-tab record of its Calls session (backend only, never sent)."""

    _calls_session: str = ""

    async def _facts(self) -> tuple[bool, str, frozenset[str], str, str]:
        """In room?, own session, pullable tracks, participant id, room."""
        session = await self.get_state(SessionState)
        room_state = await self.get_state(RoomState)
        users = [getattr(u, "__wrapped__", u) for u in room_state.users]
        member = bool(
            session.room
            and room_state._linked_to == room_token(session.room)
            and any(u.id == session.participant_id for u in users)
        )
        # A tab keeps its session across rooms until the bridge makes a new
        # one; what it may pull always follows its current room.
        own = self._calls_session
        pullable = room_track_ids(users, exclude=session.participant_id)
        return member, own, pullable, session.participant_id, session.room

    @rx.event(background=True)
    async def calls_request(self, request: object) -> AsyncIterator[rx.event.EventSpec]:
        """Check one Calls request from the bridge, forward it, answer it.

        Args:
            request: ``{"id", "op", "sessionId", "body"}`` from the bridge.

        Yields:
            The script that hands the answer back to the bridge.
        """
        request_id = request.get("id") if isinstance(request, dict) else None
        if not isinstance(request_id, str) or not _REQUEST_ID.fullmatch(request_id):
            logger.warning("refused a Calls request without a valid id")
            return
        async with self:
            member, own, pullable, participant, room = await self._facts()
        decision = authorise(
            request, in_room=member, own_session=own or None, pullable=pullable
        )
        if isinstance(decision, Problem):
            logger.warning(
                "room %s: refused Calls %s from %s: %s (%s)",
                room or "-",
                request.get("op") if isinstance(request, dict) else "?",
                participant or "-",
                decision.code,
                decision.description,
            )
            yield rx.call_script(reply_script(request_id, _error(403, decision)))
            return
        reply = await _forward(decision)
        if decision.op == "sessions/new" and "body" in reply:
            body = reply["body"]
            new_session = body.get("sessionId") if isinstance(body, dict) else None
            if isinstance(new_session, str):
                async with self:
                    await self._record_session(new_session, participant, room)
        yield rx.call_script(reply_script(request_id, reply))

    async def _record_session(
        self, session_id: str, participant: str, room: str
    ) -> None:
        session = await self.get_state(SessionState)
        if session.room != room or session.participant_id != participant:
            return  # the tab moved on while Calls answered
        self._calls_session = session_id
        room_state = await self.get_state(RoomState)
        room_state._apply(
            roster.SetSession(user_id=participant, session_id=session_id),
            actor=participant,
        )


async def _forward(operation: CallsOperation) -> dict[str, object]:
    """Make the authorised call; never raises, answers in the reply shape."""
    try:
        status, body = await calls_client().request(
            operation.method, operation.path, operation.session_id, operation.body
        )
    except CallsError as failure:
        logger.info(
            "Calls %s failed: %s (%s)",
            operation.op,
            failure.problem.code,
            failure.problem.description,
        )
        fallback = 400 if isinstance(failure, CallsInvalidRequestError) else 502
        return _error(failure.status or fallback, failure.problem)
    return {"status": status, "body": body}
