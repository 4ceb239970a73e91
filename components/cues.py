"""Orange's small touches: sounds, the muted hint, audio-only, meeting id, debug.

All of these run in the browser and send nothing to the server (except the
hint's Unmute button, which is the microphone toggle's event):

* :func:`room_sounds` plays a short sound when someone joins or leaves or
  raises a hand; :func:`sounds_toggle` switches them off (remembered).
* :func:`muted_hint` shows "Are you talking? You are muted" while the muted
  microphone hears speech; :func:`auto_mute_notice` says why the microphone
  is off after joining a meeting of more than 5 people.
* :func:`audio_only_toggle` pulls no video at all (remembered).
* :func:`meeting_id` shows the room's id with a copy button.
* :func:`debug_toggle` and :func:`debug_overlay`: connection state, bitrate
  and packet loss per track.

Example:
    >>> import reflex as rx
    >>> from reflex_meet.components.cues import room_sounds, muted_hint, sounds_toggle
    >>> extras = rx.fragment(room_sounds(), muted_hint(), sounds_toggle())
"""

from __future__ import annotations

from collections.abc import Mapping

import reflex as rx
from reflex.event import EventHandler, no_args_event_spec

from reflex_meet.browser import shipped
from reflex_meet.components.labels import merge
from reflex_meet.components.room_view import RoomView
from reflex_meet.state.room import RoomState
from reflex_meet.state.session import SessionState

__all__ = [
    "audio_only_toggle",
    "auto_mute_notice",
    "debug_overlay",
    "debug_toggle",
    "meeting_id",
    "meeting_options",
    "muted_hint",
    "room_sounds",
    "sounds_toggle",
]

_CUES = shipped("cues.jsx")
_DEBUG = shipped("debug_overlay.jsx")


class RoomSounds(rx.Component):
    """Invisible: join/leave/raised-hand sounds (``cues.jsx``)."""

    library = _CUES
    tag = "RoomSounds"
    is_default = False


class MutedHint(rx.Component):
    """The muted-speech hint, a polite live region."""

    library = _CUES
    tag = "MutedHint"
    is_default = False

    text: rx.Var[str]
    unmute_label: rx.Var[str]
    on_unmute: EventHandler[no_args_event_spec]


class AutoMuteNotice(rx.Component):
    """Invisible: a toast saying why a join into a crowd is muted."""

    library = _CUES
    tag = "AutoMuteNotice"
    is_default = False

    text: rx.Var[str]


class DebugOverlay(rx.Component):
    """The connection details panel (samples getStats() while shown)."""

    library = _DEBUG
    tag = "DebugOverlay"
    is_default = False

    labels: rx.Var[dict[str, str]]
    on_close: EventHandler[no_args_event_spec]


def room_sounds() -> rx.Component:
    """Sounds when others join, leave or raise a hand (once per meeting page).

    Returns:
        The invisible component.
    """
    return RoomSounds.create()


def _switch(
    label: str, on: rx.Var[bool], icon: str, toggle: rx.Var, test_id: str
) -> rx.Component:
    """A browser-side on/off switch: a labelled button with ``aria-pressed``."""
    return rx.button(
        rx.icon(icon, size=16),
        label,
        aria_pressed=rx.cond(on, "true", "false"),
        on_click=toggle,
        variant=rx.cond(on, "solid", "soft"),
        color_scheme="gray",
        size="2",
        data_testid=test_id,
        class_name="meet-switch",
    )


def sounds_toggle(labels: Mapping[str, str] | None = None) -> rx.Component:
    """The switch for the join/leave/hand sounds, remembered in the browser.

    Args:
        labels: Label overrides (``sounds``).

    Returns:
        A toggle button (``aria-pressed``), ``data-testid="toggle-sounds"``.
    """
    return _switch(
        merge(labels)["sounds"],
        RoomView.sounds_on,
        "bell",
        RoomView.toggle_sounds(),
        "toggle-sounds",
    )


def muted_hint(labels: Mapping[str, str] | None = None) -> rx.Component:
    """The hint "Are you talking? You are muted", with an Unmute button.

    Args:
        labels: Label overrides (``muted_hint``, ``unmute``).

    Returns:
        A live region that shows the hint while needed.
    """
    text = merge(labels)
    return MutedHint.create(
        text=text["muted_hint"],
        unmute_label=text["unmute"],
        on_unmute=RoomState.set_microphone(True),
        class_name="meet-muted-hint-region",
    )


def auto_mute_notice(labels: Mapping[str, str] | None = None) -> rx.Component:
    """A toast after joining a meeting of more than 5 people muted.

    Args:
        labels: Label overrides (``auto_muted``).

    Returns:
        The invisible component.
    """
    return AutoMuteNotice.create(text=merge(labels)["auto_muted"])


def audio_only_toggle(labels: Mapping[str, str] | None = None) -> rx.Component:
    """Audio-only mode: this tab pulls no video (one's own preview stays).

    Args:
        labels: Label overrides (``audio_only``).

    Returns:
        A toggle button (``aria-pressed``), ``data-testid="toggle-audio-only"``.
    """
    return _switch(
        merge(labels)["audio_only"],
        RoomView.audio_only,
        "headphones",
        RoomView.toggle_audio_only(),
        "toggle-audio-only",
    )


def meeting_id(labels: Mapping[str, str] | None = None) -> rx.Component:
    """The meeting's id (the room name) with a button that copies it.

    Args:
        labels: Label overrides (``meeting_id``, ``copy_meeting_id``,
            ``meeting_id_copied``).

    Returns:
        The id and its copy button.
    """
    text = merge(labels)
    return rx.hstack(
        rx.text(text["meeting_id"], size="1", color_scheme="gray"),
        rx.code(SessionState.room, data_testid="meeting-id"),
        rx.icon_button(
            rx.icon("copy", size=14),
            size="1",
            variant="ghost",
            aria_label=text["copy_meeting_id"],
            title=text["copy_meeting_id"],
            on_click=[
                rx.set_clipboard(SessionState.room),
                rx.toast.success(text["meeting_id_copied"], id="meet-copied"),
            ],
            data_testid="copy-meeting-id",
        ),
        align="center",
        spacing="2",
        class_name="meet-meeting-id",
    )


def debug_toggle(labels: Mapping[str, str] | None = None) -> rx.Component:
    """The button that shows or hides the connection details.

    Args:
        labels: Label overrides (``debug``).

    Returns:
        A toggle button (``aria-pressed``), ``data-testid="toggle-debug"``.
    """
    return _switch(
        merge(labels)["debug"],
        RoomView.debug_open,
        "activity",
        RoomView.toggle_debug(),
        "toggle-debug",
    )


def meeting_options(labels: Mapping[str, str] | None = None) -> rx.Component:
    """The meeting id and the sounds, audio-only and debug switches together.

    Args:
        labels: Label overrides.

    Returns:
        A column for a settings panel or menu.
    """
    return rx.vstack(
        meeting_id(labels),
        sounds_toggle(labels),
        audio_only_toggle(labels),
        debug_toggle(labels),
        spacing="2",
        align="stretch",
        width="100%",
    )


def debug_overlay(labels: Mapping[str, str] | None = None) -> rx.Component:
    """Connection state, bitrate and packet loss per track, while opened.

    Args:
        labels: Label overrides (``debug_*``).

    Returns:
        The panel, rendered only while :func:`debug_toggle` has it open.
    """
    text = merge(labels)
    keys = ("connection", "ice", "rtt", "bandwidth", "track", "bitrate", "loss")
    shown = {key: text[f"debug_{key}"] for key in keys}
    shown |= {
        "title": text["debug"],
        "close": text["debug_close"],
        "direction_in": text["debug_in"],
        "direction_out": text["debug_out"],
        "no_connection": text["debug_no_connection"],
    }
    return rx.cond(
        RoomView.debug_open,
        DebugOverlay.create(labels=shown, on_close=RoomView.toggle_debug()),
    )
