"""Wiring of the browser-side presence pieces to the room state."""

from __future__ import annotations

import reflex as rx

from reflex_meet.components.bridge import room_bridge
from reflex_meet.components.room_view import roster_sync
from reflex_meet.state.room import RoomState
from reflex_meet.state.session import SessionState

__all__ = ["room_presence"]


def room_presence(*, in_meeting: bool) -> rx.Component:
    """Heartbeat, leave-on-unload beacon, shortcuts and the roster feed.

    Args:
        in_meeting: True on the meeting page (a tab swept out while away
            joins again), False in the lobby.

    Returns:
        An invisible component; include it once on a page in a room.
        :func:`~reflex_meet.components.lobby` and
        :func:`~reflex_meet.components.room` already do; a page built from
        the other blocks needs it, or its tab is swept out of the room after
        15 s without heartbeats.

    Example:
        >>> import reflex as rx
        >>> from reflex_meet.components import people_in_room, room_presence
        >>> page = rx.box(people_in_room(), room_presence(in_meeting=False))
    """
    # Not ``enter``: a late answer to a heartbeat sent before Leave must not
    # bring a tab that left back in (``reenter`` refuses then).
    on_gone = [RoomState.reenter]
    if in_meeting:
        on_gone.append(RoomState.join_directly)
    return rx.fragment(
        room_bridge(
            heartbeat_url="/_meet/heartbeat",
            on_gone=on_gone,
            on_shortcut=RoomState.toggle_own,
            on_update_own=RoomState.update_own,
            beacon_url="/_meet/leave",
            beacon_body=SessionState.beacon_body,
        ),
        roster_sync(),
    )
