"""The lobby: preview your camera and microphone, see who is in, join."""

from __future__ import annotations

from collections.abc import Mapping

import reflex as rx

from reflex_meet.components.labels import format_label, merge
from reflex_meet.components.lobby_preview import lobby_preview
from reflex_meet.components.media import media_bridge, media_toasts
from reflex_meet.components.media_controls import (
    camera_toggle,
    microphone_toggle,
    settings_button,
)
from reflex_meet.components.notices import room_notices
from reflex_meet.components.presence_bar import room_presence
from reflex_meet.components.room_view import RoomView
from reflex_meet.core.paths import current as kit_paths
from reflex_meet.state.profile import ProfileState
from reflex_meet.state.session import SessionState

__all__ = ["lobby", "people_in_room"]

_DEVICE_ERROR_KEYS = {
    "permission_denied": "error_permission_denied",
    "no_device": "error_no_device",
    "device_busy": "error_device_busy",
    "unsupported": "error_unsupported",
    "unknown": "error_unknown",
}


def people_in_room(labels: Mapping[str, str] | None = None) -> rx.Component:
    """The live "N people in the room" line.

    Args:
        labels: Label overrides.

    Returns:
        A text that updates as people join and leave.
    """
    text = merge(labels)
    count = RoomView.people_count
    return rx.text(
        rx.match(
            count,
            (0, text["people_in_room_zero"]),
            (1, text["people_in_room_one"]),
            format_label(text["people_in_room_other"], count=count),
        ),
        data_testid="people-count",
        data_count=count,
        color=rx.color("gray", 11),
    )


_NAME_ERRORS = ("name_missing", "name_too_long", "name_control_chars", "invalid_text")


def _change_name(text: Mapping[str, str]) -> rx.Component:
    """The lobby's "Change name" button and its form (validated on save)."""
    return rx.popover.root(
        rx.popover.trigger(
            rx.button(
                rx.icon("pencil", size=14),
                text["change_name"],
                variant="ghost",
                size="1",
                data_testid="change-name",
            )
        ),
        rx.popover.content(
            rx.form(
                rx.vstack(
                    rx.el.label(text["display_name"], html_for="lobby-display-name"),
                    rx.input(
                        id="lobby-display-name",
                        name="display_name",
                        default_value=ProfileState.display_name,
                        auto_complete="nickname",
                        aria_invalid=rx.cond(
                            ProfileState.name_error != "", "true", "false"
                        ),
                        aria_describedby="lobby-name-error",
                        width="100%",
                    ),
                    rx.text(
                        rx.match(
                            ProfileState.name_error,
                            *[(key, text[key]) for key in _NAME_ERRORS],
                            "",
                        ),
                        id="lobby-name-error",
                        role="alert",
                        color=rx.color("red", 11),
                        size="2",
                        data_testid="lobby-name-error",
                    ),
                    rx.button(
                        text["save_name"], type="submit", data_testid="save-new-name"
                    ),
                    align="start",
                    width="100%",
                ),
                on_submit=ProfileState.rename,
                reset_on_submit=False,
            ),
            aria_label=text["change_name"],
            min_width="16rem",
        ),
        open=ProfileState.editing_name,
        on_open_change=ProfileState.set_editing_name,
    )


def lobby(labels: Mapping[str, str] | None = None) -> rx.Component:
    """The pre-join screen of a room.

    Shows the room name, a live people count, a mirrored camera preview with a
    microphone level meter, microphone and camera toggles, device errors in
    plain words, a copy-link button and Join. Use it on a page whose
    ``on_load`` runs ``[ProfileState.require_name, RoomState.enter]``.

    Args:
        labels: Label overrides (see :mod:`components.labels`).

    Returns:
        The lobby.

    Example:
        >>> from reflex_meet.components import lobby
        >>> page = lobby(labels={"join": "Enter"})
    """
    text = merge(labels)
    preview_labels = {
        "mic_level": text["mic_level"],
        "camera_off": text["camera_off"],
        "camera_preview": text["camera_preview"],
        "preview_starting": text["preview_starting"],
        "permission_title": text["permission_title"],
        "permission_body": text["permission_body"],
        "permission_continue": text["permission_continue"],
        **{code: text[key] for code, key in _DEVICE_ERROR_KEYS.items()},
    }
    return rx.center(
        rx.vstack(
            rx.heading(
                format_label(text["lobby_heading"], room=SessionState.room),
                size="7",
                as_="h1",
            ),
            people_in_room(labels),
            rx.hstack(
                rx.text(
                    format_label(text["signed_in_as"], name=ProfileState.display_name)
                ),
                _change_name(text),
                align="center",
                spacing="2",
            ),
            lobby_preview(
                audio_enabled=RoomView.mic_on,
                video_enabled=RoomView.camera_on,
                labels=preview_labels,
            ),
            rx.hstack(
                microphone_toggle(labels),
                camera_toggle(labels),
                settings_button(labels),
                rx.button(
                    rx.icon("link"),
                    text["copy_link"],
                    variant="soft",
                    size="3",
                    on_click=[
                        rx.call_script(
                            "navigator.clipboard?.writeText(window.location.href)"
                        ),
                        rx.toast(text["link_copied"]),
                    ],
                    data_testid="copy-link",
                ),
                rx.button(
                    text["join"],
                    size="3",
                    # Navigates in the browser at once: the meeting page's
                    # on_load joins (RoomState.join_directly). Asking the
                    # server first put the click behind this tab's queued
                    # events and the room's lock (seconds on a busy server).
                    on_click=rx.redirect(
                        kit_paths().lobby("") + SessionState.room + "/room"
                    ),
                    disabled=RoomView.me.is_none(),
                    data_testid="join",
                ),
                spacing="3",
                wrap="wrap",
                justify="center",
            ),
            rx.text(text["shortcuts_hint"], size="1", class_name="meet-shortcuts-hint"),
            room_presence(in_meeting=False),
            room_notices(labels),
            media_bridge(),
            media_toasts(labels),
            align="center",
            spacing="4",
            width="100%",
            max_width="40rem",
        ),
        padding="2rem 1rem",
        width="100%",
        class_name="meet-page meet-hero",
    )
