"""The meeting: the stage of tiles, the control bar and the side panel."""

from __future__ import annotations

from collections.abc import Mapping

import reflex as rx

from reflex_meet.components.ai import ai_controls
from reflex_meet.components.chat import chat_feed, chat_panel
from reflex_meet.components.cues import (
    auto_mute_notice,
    debug_overlay,
    muted_hint,
    room_sounds,
)
from reflex_meet.components.labels import format_label, merge
from reflex_meet.components.layout import CopyLinkButton, StageGrid
from reflex_meet.components.lobby import people_in_room
from reflex_meet.components.media import media_bridge, media_toasts, room_audio
from reflex_meet.components.media_controls import media_controls, settings_sheet
from reflex_meet.components.notices import room_notices
from reflex_meet.components.participant_tile import participant_tile
from reflex_meet.components.participants_panel import participants_panel
from reflex_meet.components.presence_bar import room_presence
from reflex_meet.components.room_view import RoomView
from reflex_meet.state.room import RoomState
from reflex_meet.state.session import SessionState

__all__ = ["room", "stage", "waiting_for_others"]


def _page_controls(labels: Mapping[str, str]) -> rx.Component:
    """Previous/next page buttons and "Page 2 of 5" (only with several pages)."""
    return rx.cond(
        RoomView.pages > 1,
        rx.hstack(
            rx.icon_button(
                rx.fragment(rx.icon("chevron-left", size=18)),
                aria_label=labels["previous_page"],
                on_click=RoomView.show_page(RoomView.page - 1),
                disabled=RoomView.page <= 1,
                variant="solid",
                color_scheme="gray",
                class_name="meet-control meet-page-button",
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
                rx.fragment(rx.icon("chevron-right", size=18)),
                aria_label=labels["next_page"],
                on_click=RoomView.show_page(RoomView.page + 1),
                disabled=RoomView.page >= RoomView.pages,
                variant="solid",
                color_scheme="gray",
                class_name="meet-control meet-page-button",
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
            class_name="meet-page-controls",
            role="navigation",
            aria_label=labels["stage_pages"],
        ),
    )


def stage(labels: Mapping[str, str] | None = None) -> rx.Component:
    """The tiles of the stage page shown, with page controls when there are more.

    The tiles are sized to fit the stage's box, width and height, at the
    aspect ratio of ``--meet-tile-aspect`` (16:9): a balanced grid, or the
    pinned tile (else a shared screen) large beside a strip of the others
    (:class:`components.layout.StageGrid`). A page holds at most 9 tiles (5
    while someone shares a screen, 2 on a narrow screen); the first page
    follows the stage rules (pinned tile, self, screen shares, then the most
    recently active, the active speaker included); video is pulled only for
    the page shown, audio for everyone.

    Args:
        labels: Label overrides.

    Returns:
        The stage: a column holding the tile grid and its page controls; it
        fills the height it is given.
    """
    text = merge(labels)
    return rx.box(
        waiting_for_others(labels),
        StageGrid.create(
            rx.foreach(
                RoomView.stage_tiles, lambda tile: participant_tile(tile, labels=labels)
            ),
            role="list",
            aria_label=text["stage"],
            data_testid="stage",
            data_page=RoomView.page,
            data_pages=RoomView.pages,
        ),
        _page_controls(text),
        class_name="meet-stage",
    )


def waiting_for_others(labels: Mapping[str, str] | None = None) -> rx.Component:
    """Show "Waiting for others to join" with a copy-link button, while alone.

    Args:
        labels: Label overrides (``waiting_for_others``, ``copy_link``,
            ``link_copied``).

    Returns:
        A note shown while this tab is the only one in the meeting.
    """
    text = merge(labels)
    return rx.cond(
        RoomView.in_meeting & (RoomView.people_count <= 1),
        rx.box(
            rx.el.p(text["waiting_for_others"]),
            CopyLinkButton.create(
                label=text["copy_link"],
                copied_label=text["link_copied"],
                url="/" + SessionState.room.to(str),
            ),
            class_name="meet-waiting",
            role="status",
            data_testid="waiting-for-others",
        ),
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
        >>> from reflex_meet.components import room
        >>> page = room(labels={"leave": "Hang up"})
    """
    text = merge(labels)
    return rx.box(
        rx.el.header(
            rx.el.h1(format_label(text["room_heading"], room=SessionState.room)),
            rx.box(people_in_room(labels), class_name="meet-people-count"),
            class_name="meet-room-header",
        ),
        rx.box(
            stage(labels),
            participants_panel(labels),
            chat_panel(labels),
            settings_sheet(labels),
            class_name="meet-room-main",
        ),
        rx.box(ai_controls(labels), class_name="meet-ai-controls"),
        media_controls(labels),
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
        # The meeting is always on a dark stage (light or dark mode
        # elsewhere): Radix Themes' dark tokens apply inside it.
        class_name="meet-room dark-theme",
        data_testid="room-root",
        data_worker=SessionState.worker_pid,
        data_meeting=RoomState.meeting_id,
    )
