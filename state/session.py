"""This tab's place in a room: its participant id and panels (private)."""

from __future__ import annotations

import json

import reflex as rx

__all__ = ["SessionState"]


class SessionState(rx.State):
    """Per-tab facts the room components read; never shared with others.

    Two tabs of one browser are two participants: Reflex gives every tab its
    own client token, and this state lives under that token.
    """

    # The participant id of this tab in ``room`` ("" when not in a room).
    participant_id: str = ""
    # The room this tab is in (normalised name, "" when none).
    room: str = ""
    # Secret this tab presents in its page-unload beacon to leave at once.
    leave_key: str = ""
    # The worker process that handled this tab's last room event (diagnostic:
    # the multi-worker test reads it to prove two tabs hit different workers).
    worker_pid: int = 0
    # The room this tab left with the Leave button (""): a heartbeat answered
    # after the leave must not bring the tab back in (no ghost).
    _left_room: str = ""

    @rx.var
    def beacon_body(self) -> str:
        """The JSON the page-unload beacon posts to ``/_meet/leave``."""
        if not self.room:
            return ""
        return json.dumps(
            {
                "room": self.room,
                "participant": self.participant_id,
                "key": self.leave_key,
            }
        )

    # UI state of this tab.
    participants_open: bool = False
    # The meeting this tab last left (the feedback page asks about it).
    last_meeting_id: str = ""
    # Whether the device settings panel is open.
    settings_open: bool = False

    @rx.event
    def set_settings_open(self, open_: object) -> None:
        """Open or close the device settings.

        Args:
            open_: True to open.
        """
        if isinstance(open_, bool):
            self.settings_open = open_

    @rx.event
    def toggle_participants(self) -> None:
        """Open or close the participants panel."""
        self.participants_open = not self.participants_open
