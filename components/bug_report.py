"""The "Report a bug" button and dialog (``assets/meet/bug_report.jsx``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import reflex as rx

from reflex_meet.browser import shipped
from reflex_meet.components.labels import merge
from reflex_meet.components.room_view import RoomView
from reflex_meet.core.version import APP_VERSION
from reflex_meet.state.room import RoomState
from reflex_meet.state.session import SessionState

__all__ = ["BugReportButton", "bug_report_button"]

_KEYS = (
    "report_bug",
    "report_bug_heading",
    "report_bug_body",
    "report_bug_description",
    "report_bug_send",
    "report_bug_sent",
    "report_bug_failed",
    "close",
)


class BugReportButton(rx.Component):
    """A button opening a dialog that posts a bug report with diagnostics."""

    library = shipped("bug_report.jsx")
    tag = "BugReportButton"
    is_default = False

    labels: rx.Var[dict[str, str]]
    room: rx.Var[str]
    meeting_id: rx.Var[str]
    me: rx.Var[Any]
    app_version: rx.Var[str]
    url: rx.Var[str]


def bug_report_button(labels: Mapping[str, str] | None = None) -> rx.Component:
    """Report a bug from the room; the person sees a reference id.

    The diagnostics (room, meeting id, own roster entry, the last 100 Calls
    request/response entries with SDP shortened, the browser) are gathered in
    the browser and posted to ``/_meet/bug-report`` with the description.

    Args:
        labels: Label overrides.

    Returns:
        The button and its dialog.
    """
    text = merge(labels)
    return BugReportButton.create(
        labels={k: text[k] for k in _KEYS},
        room=SessionState.room,
        meeting_id=RoomState.meeting_id,
        me=RoomView.me,
        app_version=APP_VERSION,
        url="/_meet/bug-report",
    )
