"""The Calls proxy: every Calls request of a tab's media bridge is an event here.

The bridge never talks to Calls. It sends ``{id, op, sessionId, body}``; the
server checks it with :func:`core.calls_policy.authorise` against facts only
the server holds (this tab's own session, the room's announced tracks), adds
the secret, calls Calls with :class:`calls.client.CallsClient`, and hands the
answer back to the bridge with ``window.meetMedia.resolve(id, reply)``. The
reply is ``{status, body}`` or ``{status, error: {code, description}}``.

One retry layer, one budget: the server's CallsClient retries transient
Calls failures (and waits Calls' ``Retry-After``); the bridge sends each
request once. Every forward is held to the retry policy's worst case
(:func:`calls.client.worst_case_s` of ``CALLS_TIMEOUT_S``), and the page waits
that plus a margin (:func:`reply_budget_ms`, passed to the bridge as
``reply_timeout_ms``). The only request the bridge sends again is one our own
rate limit refused (``rate_limited`` with ``retryAfter``: nothing was
forwarded), after waiting ``retryAfter``.

The handler runs in the background: a slow Calls answer never holds up the
tab's other events. Nothing here is shared with the room except the session
id the server records in the roster when it creates a tab's session.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator

import reflex as rx
from reflex.istate.manager.token import BaseStateToken

from reflex_meet.calls.client import worst_case_s
from reflex_meet.calls.config import DEFAULT_TIMEOUT_S
from reflex_meet.calls.errors import (
    CallsConfigError,
    CallsError,
    CallsInvalidRequestError,
    CallsTimeout,
)
from reflex_meet.core import calls_wire, ids, roster
from reflex_meet.core.calls_policy import CallsOperation, authorise, room_track_ids
from reflex_meet.core.problems import Problem
from reflex_meet.core.roster import User
from reflex_meet.security import rate_limits
from reflex_meet.state.calls_backend import calls_client, calls_config, ice_servers
from reflex_meet.state.registered_app import registered_app
from reflex_meet.state.room import RoomState, read_room, room_state_token
from reflex_meet.state.session import SessionState

__all__ = [
    "REPLY_MARGIN_S",
    "MediaState",
    "forward_budget_s",
    "reply_budget_ms",
    "reply_script",
    "valid_request_id",
]

logger = logging.getLogger("meet.media")

# What the page waits beyond the server's own budget: the trip of the request
# and of its answer through Reflex (assets/meet/media_logic.js REPLY_MARGIN_MS).
REPLY_MARGIN_S = 5.0


def forward_budget_s(timeout_s: float | None = None) -> float:
    """The longest the server spends on one forwarded Calls request.

    Args:
        timeout_s: ``CALLS_TIMEOUT_S``; the configured one when None (the
            default when the configuration is bad: start-up refuses it anyway).

    Returns:
        The retry policy's worst case (:func:`calls.client.worst_case_s`).
    """
    if timeout_s is None:
        try:
            timeout_s = calls_config().timeout_s
        except CallsConfigError:
            timeout_s = DEFAULT_TIMEOUT_S
    return worst_case_s(timeout_s)


def reply_budget_ms(timeout_s: float | None = None) -> int:
    """How long the page waits for the answer to one Calls request, in ms.

    Args:
        timeout_s: ``CALLS_TIMEOUT_S`` (the configured one when None).

    Returns:
        :func:`forward_budget_s` plus :data:`REPLY_MARGIN_S`, in ms. With the
        default 10 s: 4 x 10 + 3 x 10 + 5 = 75 s, the page's default
        (``DEFAULT_REPLY_TIMEOUT_MS``; tests/unit/test_bridge_budget.py).
    """
    return round((forward_budget_s(timeout_s) + REPLY_MARGIN_S) * 1000)


def valid_request_id(value: object) -> bool:
    """Whether ``value`` is a request id the bridge may use (and a reply echo).

    Args:
        value: The ``id`` of a request, as sent.

    Returns:
        True for 1-32 letters, digits, ``_`` or ``-``.
    """
    return ids.is_id(ids.REQUEST_ID, value)


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

    @rx.event(background=True)
    async def calls_request(self, request: object) -> AsyncIterator[rx.event.EventSpec]:
        """Check one Calls request from the bridge, forward it, answer it.

        Args:
            request: ``{"id", "op", "sessionId", "body"}`` from the bridge.

        Yields:
            The script that hands the answer back to the bridge.
        """
        request_id = request.get("id") if isinstance(request, dict) else None
        if not valid_request_id(request_id):
            logger.warning("refused a Calls request without a valid id")
            return
        # Read without locks: nothing is written here, and holding the tab's
        # and the room's locks while Calls answers would stall other events.
        root = await registered_app().state_manager.get_state(
            BaseStateToken(ident=self.router.session.client_token, cls=MediaState)
        )
        session = await root.get_state(SessionState)
        participant, room = session.participant_id, session.room
        # The tab's own limits were counted as the event arrived
        # (security.calls_throttle); the room's needs the room.
        limited = await rate_limits.check_calls_room(
            room, log_as=f"Calls requests in room {room} ({participant or '-'})"
        )
        if limited is not None:  # the room is not read, nothing is forwarded
            reply = {"status": 429, "error": limited.error()}
            yield rx.call_script(reply_script(request_id, reply))
            return
        own = (await root.get_state(MediaState))._calls_session
        users = await _room_users(room) if room else ()
        me = next((u for u in users if u.id == participant), None)
        pullable = room_track_ids(users, exclude=participant)
        decision = authorise(
            request,
            in_room=me is not None,
            joined=me is not None and me.joined,
            own_session=own or None,
            pullable=pullable,
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
        new_session = _new_session_id(reply) if decision.op == "sessions/new" else None
        if new_session is not None:
            async with self:
                session = await self.get_state(SessionState)
                moved = (session.room, session.participant_id) != (
                    room,
                    participant,
                )
                if not moved:
                    self._calls_session = new_session
            if not moved:
                await _record_session(room, participant, new_session)
            # STUN, or a TURN credential of its own (never the TURN token).
            reply["iceServers"] = await ice_servers().for_new_session()
        yield rx.call_script(reply_script(request_id, reply))


# The room is read and written through its own token (as the HTTP routes do),
# not through the tab's link: reading takes no lock at all.
async def _room_users(room: str) -> tuple[User, ...]:
    """The room's roster, read (no lock, no write) by the room's own token."""
    return (await read_room(room))._plain_users()


async def _record_session(room: str, participant: str, session_id: str) -> None:
    """Record a tab's new Calls session in the roster (everyone sees it)."""
    async with registered_app().modify_state(room_state_token(room)) as root:
        room_state = await root.get_state(RoomState)
        room_state._apply(
            roster.SetSession(user_id=participant, session_id=session_id),
            actor=participant,
            room=room,
        )


def _new_session_id(reply: dict[str, object]) -> str | None:
    """The session id in a ``sessions/new`` reply, None if it holds none."""
    try:
        return calls_wire.parse_new_session_answer(reply.get("body")).session_id
    except calls_wire.WireError:
        return None


async def _forward(operation: CallsOperation) -> dict[str, object]:
    """Make the authorised call; never raises, answers in the reply shape.

    Held to :func:`forward_budget_s`, so the page (which waits longer) always
    gets an answer.
    """
    budget = forward_budget_s()
    try:
        async with asyncio.timeout(budget):
            status, body = await calls_client().request(
                operation.method, operation.path, operation.session_id, operation.body
            )
    except TimeoutError:
        logger.warning("Calls %s took more than %g s", operation.op, budget)
        problem = CallsTimeout.because(
            f"The Calls API did not answer within {budget:g} s."
        ).problem
        return _error(504, problem)
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
