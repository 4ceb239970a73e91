"""Media components (``assets/meet/media.jsx``) and their wiring to the state.

:func:`media_bridge` is invisible and belongs once on the lobby page and once
on the meeting page: it starts media for the room (devices, a Calls session,
microphone and camera published already in the lobby), pulls the tracks the
stage needs and sends every Calls request to the server as
``MediaState.calls_request``. The rest are small presentational pieces.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import reflex as rx
from reflex.event import EventHandler, passthrough_event_spec

from reflex_meet.browser import shipped
from reflex_meet.components.labels import merge
from reflex_meet.components.room_view import RoomView
from reflex_meet.state.media import MediaState, reply_budget_ms
from reflex_meet.state.room import RoomState
from reflex_meet.state.session import SessionState

__all__ = [
    "DeviceSelect",
    "MediaBridge",
    "MediaToasts",
    "MeetVideo",
    "RoomAudio",
    "ScreenShareButton",
    "SpeakingRing",
    "device_settings",
    "media_bridge",
    "media_toasts",
    "room_audio",
]

_LIBRARY = shipped("media.jsx")


class _MediaComponent(rx.Component):
    library = _LIBRARY
    is_default = False


class MediaBridge(_MediaComponent):
    """Invisible: the tab's media engine connected to Reflex events."""

    tag = "MediaBridge"

    room: rx.Var[str]
    mic_enabled: rx.Var[bool]
    camera_enabled: rx.Var[bool]
    pull_audio: rx.Var[list[str]]
    pull_video: rx.Var[list[str]]
    report_url: rx.Var[str]
    report_body: rx.Var[str]
    meeting_id: rx.Var[str]
    # This tab's roster entry: the bridge compares the Calls session the
    # server records there with its own and starts a new one when the server
    # has forgotten it (an app restart).
    me: rx.Var[Any]
    # How long the bridge waits for the answer to one Calls request: the
    # server's retry budget plus a margin (state.media.reply_budget_ms).
    reply_timeout_ms: rx.Var[int]

    on_calls_request: EventHandler[passthrough_event_spec(dict)]
    on_announce: EventHandler[passthrough_event_spec(dict)]


class MeetVideo(_MediaComponent):
    """A video element showing a track id (``self:camera`` mirrored)."""

    tag = "MeetVideo"

    track_id: rx.Var[str]
    mirrored: rx.Var[bool]
    label: rx.Var[str]
    fit: rx.Var[str]


class RoomAudio(_MediaComponent):
    """Plays every pulled audio track on the chosen speaker."""

    tag = "RoomAudio"

    track_ids: rx.Var[list[str]]


class SpeakingRing(_MediaComponent):
    """Ring around a tile while its audio is loud (computed in the browser)."""

    tag = "SpeakingRing"

    track_id: rx.Var[str]
    is_self: rx.Var[bool]
    labels: rx.Var[dict[str, str]]


class DeviceSelect(_MediaComponent):
    """A camera, microphone or speaker menu that follows plugged devices."""

    tag = "DeviceSelect"

    kind: rx.Var[str]
    label: rx.Var[str]
    default_label: rx.Var[str]


class ScreenShareButton(_MediaComponent):
    """Screen-share toggle (``aria-pressed``); needs the click itself."""

    tag = "ScreenShareButton"

    labels: rx.Var[dict[str, str]]


class MediaToasts(_MediaComponent):
    """Toasts for lost connection, packet loss and device errors."""

    tag = "MediaToasts"

    labels: rx.Var[dict[str, str]]


def media_bridge(**props: Any) -> rx.Component:
    """The tab's media, wired to the room state.

    Args:
        **props: Overrides of the wiring (``room``, ``mic_enabled``,
            ``camera_enabled``, ``pull_audio``, ``pull_video``,
            ``on_calls_request``, ``on_announce``, ``report_url``,
            ``report_body``, ``meeting_id``, ``me``, ``reply_timeout_ms``).

    Returns:
        The invisible bridge (``data-testid="media-bridge"`` exposes
        ``data-status`` and ``data-session``).

    Example:
        >>> from reflex_meet.components.media import media_bridge
        >>> bridge = media_bridge()
    """
    wiring: dict[str, Any] = {
        "room": SessionState.room,
        "mic_enabled": RoomView.mic_on,
        "camera_enabled": RoomView.camera_on,
        "pull_audio": RoomView.pull_audio,
        "pull_video": RoomView.pull_video,
        "on_calls_request": MediaState.calls_request,
        "on_announce": RoomState.update_own,
        # Dead pulled tracks are reported here (tab proven by its leave key).
        "report_url": "/_meet/track-report",
        "report_body": SessionState.beacon_body,
        "meeting_id": RoomState.meeting_id,
        "me": RoomView.me,
        # Read when the page is compiled (CALLS_TIMEOUT_S of the app's start).
        "reply_timeout_ms": reply_budget_ms(),
    }
    wiring.update(props)
    return MediaBridge.create(**wiring)


def room_audio() -> rx.Component:
    """Everyone's audio (all of it is pulled, whatever is on stage).

    Returns:
        Hidden audio elements.
    """
    return RoomAudio.create(track_ids=RoomView.pull_audio)


def media_toasts(labels: Mapping[str, str] | None = None) -> rx.Component:
    """Connection, packet-loss and device-error toasts.

    Args:
        labels: Label overrides.

    Returns:
        The (invisible) toast source.
    """
    text = merge(labels)
    keys = (
        "connection_lost",
        "reconnected",
        "unstable_connection",
        "media_error",
        "error_permission_denied",
        "error_no_device",
        "error_device_busy",
        "error_unsupported",
        "error_unknown",
    )
    return MediaToasts.create(labels={key: text[key] for key in keys})


def device_settings(labels: Mapping[str, str] | None = None) -> rx.Component:
    """Camera, microphone and speaker menus (choices are remembered).

    Args:
        labels: Label overrides.

    Returns:
        The three menus, stacked.
    """
    text = merge(labels)
    return rx.vstack(
        DeviceSelect.create(
            kind="videoinput",
            label=text["camera"],
            default_label=text["device_default"],
        ),
        DeviceSelect.create(
            kind="audioinput",
            label=text["microphone"],
            default_label=text["device_default"],
        ),
        DeviceSelect.create(
            kind="audiooutput",
            label=text["speaker"],
            default_label=text["device_default"],
        ),
        spacing="3",
        width="100%",
        data_testid="device-settings",
    )
