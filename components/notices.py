"""Join/leave/mute notices as toasts and a screen-reader live region."""

from __future__ import annotations

from collections.abc import Mapping

import reflex as rx

from reflex_meet.browser import shipped
from reflex_meet.components.labels import merge
from reflex_meet.components.room_view import RoomView
from reflex_meet.state.room import RoomState

__all__ = ["RoomNotices", "room_notices"]

_NOTICE_KEYS = ("joined_notice", "left_notice", "timed_out_notice", "muted_by_other")


class RoomNotices(rx.Component):
    """Shows each new room notice once (``assets/meet/notices.jsx``)."""

    library = shipped("notices.jsx")
    tag = "RoomNotices"
    is_default = False

    notices: rx.Var[list[dict[str, str]]]
    self_id: rx.Var[str]
    labels: rx.Var[dict[str, str]]
    users: rx.Var[list]
    quiet: rx.Var[bool]


def room_notices(labels: Mapping[str, str] | None = None) -> rx.Component:
    """Announce joins, leaves and mutes of the current room.

    Args:
        labels: Label overrides (see :mod:`components.labels`).

    Returns:
        An invisible live region that also raises toasts.
    """
    merged = merge(labels)
    return RoomNotices.create(
        notices=RoomState.notices,
        self_id=RoomView.self_id,
        labels={key: merged[key] for key in _NOTICE_KEYS},
        users=RoomView.participants,
        # Orange mutes join/leave sounds above 5 people; we quiet the toasts
        # (screen readers still hear them).
        quiet=RoomView.people_count > 5,
    )
