"""The roster, sent to one tab: when it enters a room, on request, its own entry.

After the snapshot a tab follows ``RoomState.roster_log`` (numbered changes
of the meeting's members, see :mod:`core.roster_feed`); the browser's roster
store asks for a new snapshot with :meth:`RosterFeed.resync` when it finds a
change missing (it fell behind, or its socket reconnected). A lobby
visitor's own entry is not in the shared log: it reaches that tab alone, as
``own`` (:func:`schedule_own_entries`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import reflex as rx
from reflex.istate.manager.token import BaseStateToken

from reflex_meet.core.roster import user_to_wire
from reflex_meet.security.tokens import room_token
from reflex_meet.state import background
from reflex_meet.state.registered_app import registered_app
from reflex_meet.state.session import SessionState

__all__ = ["RosterFeed", "schedule_own_entries"]

logger = logging.getLogger("meet.roster_feed")


class RosterFeed(rx.State):
    """This tab's copy of the roster as of one change (private to the tab)."""

    # {"seq": n, "users": [member entry, ...], "own": entry or None}; {} outside a room.
    snapshot: dict[str, Any] = {}
    # This tab's own entry while it is in the lobby (not in the shared log).
    own: dict[str, Any] = {}

    @rx.event
    async def resync(self) -> None:
        """Send this tab the shared roster of its room again."""
        from reflex_meet.state.room import RoomState  # imports this module

        session = await self.get_state(SessionState)
        room = await self.get_state(RoomState)
        if not session.room or room._linked_to != room_token(session.room):
            self.snapshot = {}
            return
        self.snapshot = room._snapshot(session.participant_id)


def schedule_own_entries(room: str, tabs: dict[str, str]) -> list[asyncio.Task]:
    """Send lobby visitors their own changed entries, after the caller's locks.

    Args:
        room: The room name.
        tabs: Participant id -> the Reflex client token of its tab.

    Returns:
        The tasks (kept referenced here until done).
    """
    started = []
    for participant_id, client_token in tabs.items():
        started.append(
            background.spawn(_deliver_own(room, participant_id, client_token))
        )
    return started


async def _deliver_own(room: str, participant_id: str, client_token: str) -> None:
    """Write a tab's own entry, as the room holds it now, into its feed."""
    from reflex_meet.state.room import read_room  # imports this module

    try:
        users = (await read_room(room))._plain_users()
        entry = next((u for u in users if u.id == participant_id), None)
        token = BaseStateToken(ident=client_token, cls=RosterFeed)
        async with registered_app().modify_state(token) as root:
            session = await root.get_state(SessionState)
            if (session.room, session.participant_id) != (room, participant_id):
                return  # the tab moved on
            feed = await root.get_state(RosterFeed)
            wire = user_to_wire(entry) if entry is not None else {}
            if feed.own != wire:
                feed.own = wire
    except Exception:  # a background task: log, never lose the reason
        logger.exception("room %s: own entry of %s not sent", room, participant_id)
