"""The meeting: the stage of tiles, the control bar and the side panel."""

from __future__ import annotations

from collections.abc import Mapping

import reflex as rx

from components.ai import ai_controls
from components.chat import chat_feed, chat_panel
from components.cues import auto_mute_notice, debug_overlay, muted_hint, room_sounds
from components.labels import format_label, merge
from components.lobby import people_in_room
from components.media import media_bridge, media_toasts, room_audio
from components.media_controls import media_controls
from components.notices import room_notices
from components.participant_tile import participant_tile
from components.participants_panel import participants_panel
from components.presence_bar import room_presence
from components.room_view import RoomView
from state.room import RoomState
from state.session import SessionState

__all__ = ["room", "stage"]


def _page_controls(labels: Mapping[str, str]) -> rx.Component:
    """Previous/next page buttons and "Page 2 of 5" (only with several pages)."""
    return rx.cond(
        RoomView.pages > 1,
        rx.hstack(
            rx.icon_button(
                rx.icon("chevron-left", size=18),
                aria_label=labels["previous_page"],
                on_click=RoomView.show_page(RoomView.page - 1),
                disabled=RoomView.page <= 1,
                variant="soft",
                data_testid="page-previous",
            ),
            rx.text(
                format_label(
                    labels["page_indicator"], page=RoomView.page, pages=RoomView.pages
                ),
                size="2",
                aria_live="polite",
                data_testid="page-indicator",
            ),
            rx.icon_button(
                rx.icon("chevron-right", size=18),
                aria_label=labels["next_page"],
                on_click=RoomView.show_page(RoomView.page + 1),
                disabled=RoomView.page >= RoomView.pages,
                variant="soft",
                data_testid="page-next",
            ),
            rx.text(
                format_label(
                    labels["more_participants"], count=RoomView.overflow_count
                ),
                size="2",
                color_scheme="gray",
                data_testid="overflow",
            ),
            align="center",
            spacing="3",
            justify="center",
            width="100%",
            role="navigation",
            aria_label=labels["stage_pages"],
        ),
    )


def stage(labels: Mapping[str, str] | None = None) -> rx.Component:
    """The tiles of the stage page shown, with page controls when there are more.

    A page holds at most 9 tiles (5 while someone shares a screen, 2 on a
    narrow screen); the first page follows the stage rules (pinned tile,
    self, screen shares, then the most recently active, the active speaker
    included); video is pulled only for the page shown, audio for everyone.

    Args:
        labels: Label overrides.

    Returns:
        The responsive tile grid.
    """
    text = merge(labels)
    count = RoomView.stage_tiles.length()
    return rx.vstack(
        rx.grid(
            rx.foreach(
                RoomView.stage_tiles, lambda tile: participant_tile(tile, labels)
            ),
            # One column on phones; elsewhere as many as the stage needs
            # (1 tile: 1, 2 to 4 tiles: 2, more: 3), so tiles stay large.
            columns=rx.breakpoints(
                initial="1",
                sm=rx.cond(count > 1, "2", "1"),
                lg=rx.match(count, (1, "1"), (2, "2"), (3, "2"), (4, "2"), "3"),
            ),
            spacing="3",
            width="100%",
            role="list",
            aria_label=text["stage"],
            data_testid="stage",
            data_page=RoomView.page,
            data_pages=RoomView.pages,
        ),
        _page_controls(text),
        width="100%",
        flex="1",
        padding="1rem",
    )


def room(labels: Mapping[str, str] | None = None) -> rx.Component:
    """A complete meeting room: stage, control bar, participants panel.

    Use it on a page whose ``on_load`` runs ``[ProfileState.require_name,
    RoomState.enter, RoomState.join_directly, ChatState.open_room]``.

    Args:
        labels: Label overrides (see :mod:`components.labels`).

    Returns:
        The room.

    Example:
        >>> from components import room
        >>> page = room(labels={"leave": "Hang up"})
    """
    text = merge(labels)
    return rx.vstack(
        rx.hstack(
            rx.heading(
                format_label(text["room_heading"], room=SessionState.room),
                size="5",
                as_="h1",
            ),
            rx.spacer(),
            people_in_room(labels),
            width="100%",
            padding="0.75rem 1rem",
            align="center",
        ),
        rx.hstack(
            rx.box(stage(labels), flex="1", width="100%"),
            participants_panel(labels),
            chat_panel(labels),
            width="100%",
            flex="1",
            align="start",
            spacing="0",
        ),
        media_controls(labels),
        ai_controls(labels),
        room_presence(in_meeting=True),
        room_notices(labels),
        media_bridge(),
        room_audio(),
        media_toasts(labels),
        chat_feed(labels),
        room_sounds(),
        auto_mute_notice(labels),
        muted_hint(labels),
        debug_overlay(labels),
        width="100%",
        min_height="100vh",
        spacing="0",
        data_testid="room-root",
        data_worker=SessionState.worker_pid,
        data_meeting=RoomState.meeting_id,
    )
