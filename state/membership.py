"""What happens when a participant is gone: nothing reaches their tab any more.

Leaving (the Leave button, the unload beacon) and being swept out (no
heartbeat for 15 s) only edited the roster before; a tab that stayed open
kept its link to the room (roster, chat) and its Calls session kept pulling
everyone's media. Now, whenever a participant disappears from a room's
roster (:meth:`state.room.RoomState._apply` finds them gone):

1. at once, under the room's lock: the tab's client token is dropped from
   the room's linked clients, so no further room change is sent to it;
2. right after, in a task: the tab's own states are detached from the room
   (its link removed, its participant id, room, key and Calls session
   cleared), so its later events act on nothing and its Calls proxy
   requests are refused;
3. its Calls session's tracks are closed on Calls (``tracks/close`` with
   ``force``), published and pulled alike, so no media reaches it either.

:func:`sweep_room` is the presence sweep shared by heartbeats and the
background sweeper (:mod:`state.sweeper`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

from reflex.istate.manager.token import BaseStateToken

from reflex_meet.calls.client import MAX_TRACKS_PER_CALL
from reflex_meet.calls.errors import CallsError
from reflex_meet.core import roster
from reflex_meet.state import background, presence
from reflex_meet.state.calls_backend import calls_client
from reflex_meet.state.registered_app import registered_app

__all__ = ["Departure", "apply_to_room", "schedule_release", "sweep_room"]

logger = logging.getLogger("meet.membership")


@dataclass(frozen=True)
class Departure:
    """A participant who is no longer in a room.

    Attributes:
        room: The room they left.
        participant_id: Their participant id.
        client_token: Their tab's Reflex client token ("" when unknown).
        calls_session: Their Calls session ("" when they had none).
    """

    room: str
    participant_id: str
    client_token: str
    calls_session: str


def schedule_release(departures: Iterable[Departure]) -> list[asyncio.Task]:
    """Detach departed tabs and close their Calls tracks, in the background.

    Runs after the caller's locks are released (the tab's own event, or the
    room's modification, must finish first).

    Args:
        departures: Who left.

    Returns:
        The tasks (kept referenced here until done).
    """
    started = []
    for departure in departures:
        started.append(background.spawn(_release(departure)))
    return started


async def _release(departure: Departure) -> None:
    try:
        if departure.client_token:
            await _detach_tab(departure)
        if departure.calls_session:
            await _close_calls_session(departure.calls_session)
    except Exception:  # a background task: log, never lose the reason
        logger.exception(
            "room %s: releasing %s failed", departure.room, departure.participant_id
        )


async def _detach_tab(departure: Departure) -> None:
    """Unlink a tab from the room and clear its place in it."""
    # Imported here: these states import this module.
    from reflex_meet.state.media import MediaState
    from reflex_meet.state.room import RoomState, room_state_token
    from reflex_meet.state.session import SessionState

    tab = BaseStateToken(ident=departure.client_token, cls=SessionState)
    async with registered_app().modify_state(tab) as root:
        session = await root.get_state(SessionState)
        if (session.room, session.participant_id) != (
            departure.room,
            departure.participant_id,
        ):
            return  # the tab has moved on (another room, a new stay)
        if await _in_roster(departure):
            return  # it entered again (a reload keeps its participant id)
        links = root._reflex_internal_links or {}
        links.pop(RoomState.get_full_name(), None)
        session.room = ""
        session.participant_id = ""
        session.leave_key = ""
        media = await root.get_state(MediaState)
        media._calls_session = ""
        # The room itself is left alone: this tree may hold the *linked* room
        # (computed vars load it), so writing to it here would change it for
        # everyone.
    # Its events may have linked it again since the room dropped it; now that
    # it has no link, drop it for good.
    async with registered_app().modify_state(room_state_token(departure.room)) as root:
        room_state = await root.get_state(RoomState)
        back = any(u.id == departure.participant_id for u in room_state._plain_users())
        if not back and departure.client_token in room_state._linked_from:
            room_state._linked_from.discard(departure.client_token)
    logger.info(
        "room %s: %s detached from the room", departure.room, departure.participant_id
    )


async def _in_roster(departure: Departure) -> bool:
    """Whether the participant is in the room's roster again (read, no lock)."""
    from reflex_meet.state.room import read_room

    users = (await read_room(departure.room))._plain_users()
    return any(user.id == departure.participant_id for user in users)


async def close_calls_session(session_id: str) -> None:
    """Close every track of a Calls session nobody needs (e.g. an unwanted AI).

    Args:
        session_id: The session.
    """
    try:
        await _close_calls_session(session_id)
    except Exception:  # a background task: log, never lose the reason
        logger.exception("closing Calls session %s failed", session_id)


async def _close_calls_session(session_id: str) -> None:
    """Close every track of a Calls session (published and pulled).

    A tab in a big room holds more tracks than one Calls request may list:
    they are closed in requests of at most ``MAX_TRACKS_PER_CALL``, and a
    request that fails does not keep the others from closing theirs.
    """
    client = calls_client()
    try:
        tracks = await client.get_session(session_id)
    except CallsError as failure:  # already closed or gone: nothing to stop
        logger.info(
            "closing Calls session %s: %s", session_id, failure.problem.description
        )
        return
    # Once each: an AI's fed-in track shares its voice track's mid.
    mids = list(dict.fromkeys(track.mid for track in tracks if track.mid))
    for start in range(0, len(mids), MAX_TRACKS_PER_CALL):
        try:
            await client.close_tracks(
                session_id, mids[start : start + MAX_TRACKS_PER_CALL], force=True
            )
        except CallsError as failure:
            logger.info(
                "closing Calls session %s: %s",
                session_id,
                failure.problem.description,
            )
            if failure.status == 410:  # the session itself is gone
                return


async def apply_to_room(
    room: str, command: object, last_seen: dict[str, float]
) -> set[str]:
    """Apply a roster command to a room by its own token (routes, sweeper).

    Args:
        room: A normalised room name.
        command: The roster command.
        last_seen: Heartbeat times (for a sweep).

    Returns:
        Members with no recorded heartbeat (they count as fresh).
    """
    from reflex_meet.state.room import RoomState, room_state_token

    async with registered_app().modify_state(room_state_token(room)) as root:
        room_state = await root.get_state(RoomState)
        unknown = {user.id for user in room_state._plain_users()} - set(last_seen)
        seen = {uid: time.time() for uid in unknown} | last_seen
        room_state._apply(command, actor="", last_seen=seen, room=room)
        return unknown


async def sweep_room(
    room: str, now: float, seen: dict[str, float], *, adopt_unknown: bool = True
) -> None:
    """Sweep out the members of a room silent for longer than the timeout.

    Changes the room (and so sends its members anything) only when somebody
    is swept out.

    Args:
        room: A normalised room name.
        now: The current time.
        seen: The room's heartbeat times (see :mod:`state.presence`).
        adopt_unknown: Also start the clock of members with no heartbeat
            record (reads the whole room: the background sweeper does it,
            heartbeats, many per second in a big room, do not).
    """
    from reflex_meet.state.room import read_room

    cutoff = now - roster.HEARTBEAT_TIMEOUT
    stale = {pid for pid, at in seen.items() if at < cutoff}
    if stale:
        await apply_to_room(room, roster.Sweep(now=now), seen)
        await presence.forget(room, stale)
    if not adopt_unknown:
        return
    # Members with no heartbeat record (their arrival was not recorded, or
    # the record was lost): start their clock; swept later if they stay silent.
    members = {
        user.id
        for user in (await read_room(room))._plain_users()
        if not roster.is_ai(user)  # the AI sends no heartbeats
    }
    for uid in members - set(seen) - stale:
        await presence.touch_unverified(room, uid, now)
