"""The room bridge component (``assets/meet/room_bridge.jsx``) for Python."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import EventHandler, no_args_event_spec, passthrough_event_spec

from reflex_meet.browser import shipped

__all__ = ["RoomBridge", "room_bridge"]


class RoomBridge(rx.Component):
    """Invisible: heartbeat, unload beacon, shortcuts, ``window.meetBridge``."""

    library = shipped("room_bridge.jsx")
    tag = "RoomBridge"
    is_default = False

    interval_ms: rx.Var[int]
    heartbeat_url: rx.Var[str]
    beacon_url: rx.Var[str]
    beacon_body: rx.Var[str]

    on_gone: EventHandler[no_args_event_spec]
    on_shortcut: EventHandler[passthrough_event_spec(str)]
    on_update_own: EventHandler[passthrough_event_spec(dict)]


def room_bridge(**props: Any) -> rx.Component:
    """Create the room bridge.

    Args:
        **props: ``heartbeat_url`` (POSTed ``beacon_body`` every
            ``interval_ms``), ``on_gone`` (the server no longer has this tab
            in the room), ``on_shortcut`` (receives ``"toggle_mic"``
            or ``"toggle_camera"``),
            ``on_update_own`` (dict of changes), ``beacon_url``,
            ``beacon_body``, ``interval_ms`` (default 5000).

    Returns:
        The component.
    """
    return RoomBridge.create(**props)
