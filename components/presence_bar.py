"""Wiring of the browser-side presence pieces to the room state."""

from __future__ import annotations

import reflex as rx

from components.bridge import room_bridge
from state.room import RoomState
from state.session import SessionState

__all__ = ["room_presence"]


def room_presence() -> rx.Component:
    """Heartbeat, leave-on-unload beacon, shortcuts and layout width.

    Returns:
        An invisible component; include it once on a page in a room.
    """
    return room_bridge(
        on_heartbeat=RoomState.heartbeat,
        on_shortcut=RoomState.toggle_own,
        on_narrow_change=SessionState.set_narrow,
        on_update_own=RoomState.update_own,
        beacon_url="/api/leave",
        beacon_body=SessionState.beacon_body,
    )
