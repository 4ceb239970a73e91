"""The control bar: microphone, camera, raise hand, participants, leave."""

from __future__ import annotations

from collections.abc import Mapping

import reflex as rx

from reflex_meet.components.bug_report import bug_report_button
from reflex_meet.components.chat import chat_button
from reflex_meet.components.cues import meeting_options
from reflex_meet.components.labels import merge
from reflex_meet.components.layout import MoreControls, Sheet, SheetButton
from reflex_meet.components.media import ScreenShareButton, device_settings
from reflex_meet.components.room_view import RoomView
from reflex_meet.state.room import RoomState
from reflex_meet.state.session import SessionState

__all__ = ["media_controls", "settings_button", "settings_sheet", "toggle_button"]


def toggle_button(
    label: str | rx.Var[str],
    pressed: rx.Var[bool],
    icon_on: str,
    icon_off: str,
    on_click: object,
    *,
    hint: str | rx.Var[str] = "",
    test_id: str = "",
    unavailable: rx.Var[bool] | None = None,
    reason: rx.Var[str] | str = "",
    reason_id: str = "",
) -> rx.Component:
    """A labelled toggle button exposing its state as ``aria-pressed``.

    Args:
        label: The accessible name; constant, the state is in aria-pressed.
        pressed: Whether the toggle is on.
        icon_on: Lucide icon shown while on.
        icon_off: Lucide icon shown while off.
        on_click: The event(s) to run on click.
        hint: Tooltip text (for example the keyboard shortcut).
        test_id: ``data-testid`` of the button.
        unavailable: While true the button is disabled (a device that could
            not be opened), with ``reason`` as its tooltip and description.
        reason: Why it is unavailable (shown on hover, read by screen readers).
        reason_id: The id of the element holding ``reason``
            (``aria-describedby``).

    Returns:
        The button.
    """
    # A translated label is a var (never "empty"): only "" means no hint.
    tooltip = label if isinstance(hint, str) and not hint else hint
    if unavailable is not None:
        return rx.fragment(
            rx.icon_button(
                rx.cond(pressed, rx.icon(icon_on), rx.icon(icon_off)),
                aria_label=label,
                aria_pressed=rx.cond(pressed, "true", "false"),
                aria_describedby=rx.cond(unavailable, reason_id, ""),
                title=rx.cond(unavailable, reason, tooltip),
                on_click=on_click,
                disabled=unavailable,
                variant=rx.cond(pressed, "solid", "soft"),
                color_scheme=rx.cond(pressed, "gray", "red"),
                size="3",
                data_testid=test_id,
                data_unavailable=rx.cond(unavailable, "true", "false"),
            ),
            rx.el.span(rx.cond(unavailable, reason, ""), id=reason_id, hidden=True),
        )
    return rx.icon_button(
        rx.cond(pressed, rx.icon(icon_on, size=20), rx.icon(icon_off, size=20)),
        aria_label=label,
        aria_pressed=rx.cond(pressed, "true", "false"),
        title=tooltip,
        on_click=on_click,
        variant="solid",
        color_scheme="gray",
        size="3",
        # Colours from the theme (on: neutral, off: --meet-danger).
        class_name="meet-control meet-media-toggle",
        data_testid=test_id,
    )


def _device_reason(
    problem: rx.Var[str], device: str, text: Mapping[str, str]
) -> rx.Var[str]:
    """Why a device could not be opened, in words (``device``: mic/camera)."""
    return rx.match(
        problem,
        ("permission_denied", text[f"{device}_blocked"]),
        ("no_device", text[f"{device}_missing"]),
        ("device_busy", text[f"{device}_busy"]),
        text[f"{device}_unavailable"],
    ).to(str)


def microphone_toggle(labels: Mapping[str, str] | None = None) -> rx.Component:
    """The microphone toggle (also Ctrl/⌘+D).

    Args:
        labels: Label overrides.

    Returns:
        The toggle button.
    """
    text = merge(labels)
    return toggle_button(
        text["microphone"],
        RoomView.mic_on,
        "mic",
        "mic-off",
        RoomState.set_microphone(~RoomView.mic_on),
        hint=text["microphone_shortcut"],
        test_id="toggle-mic",
        unavailable=RoomView.mic_problem != "",
        reason=_device_reason(RoomView.mic_problem, "mic", text),
        reason_id="mic-unavailable-reason",
    )


def camera_toggle(labels: Mapping[str, str] | None = None) -> rx.Component:
    """The camera toggle (also Ctrl/⌘+E).

    Args:
        labels: Label overrides.

    Returns:
        The toggle button.
    """
    text = merge(labels)
    return toggle_button(
        text["camera"],
        RoomView.camera_on,
        "video",
        "video-off",
        RoomState.set_camera(~RoomView.camera_on),
        hint=text["camera_shortcut"],
        test_id="toggle-camera",
        unavailable=RoomView.camera_problem != "",
        reason=_device_reason(RoomView.camera_problem, "camera", text),
        reason_id="camera-unavailable-reason",
    )


def settings_button(labels: Mapping[str, str] | None = None) -> rx.Component:
    """A button opening the camera, microphone and speaker menus.

    Args:
        labels: Label overrides.

    Returns:
        The button with its popover.
    """
    text = merge(labels)
    return rx.popover.root(
        rx.popover.trigger(
            rx.icon_button(
                rx.fragment(rx.icon("settings", size=20)),
                aria_label=text["settings"],
                title=text["settings"],
                variant="solid",
                color_scheme="gray",
                size="3",
                class_name="meet-control",
                data_testid="open-settings",
            )
        ),
        rx.popover.content(
            rx.vstack(
                device_settings(labels),
                rx.separator(size="4"),
                meeting_options(labels),
                spacing="3",
            ),
            aria_label=text["settings"],
            min_width="18rem",
        ),
    )


def settings_sheet(labels: Mapping[str, str] | None = None) -> rx.Component:
    """The camera, microphone and speaker menus as a side sheet of the room.

    Opened by the settings button of :func:`media_controls`; a full-screen
    sheet on phones.

    Args:
        labels: Label overrides.

    Returns:
        The sheet (rendered only while open).
    """
    text = merge(labels)
    return Sheet.create(
        device_settings(labels),
        rx.separator(size="4"),
        meeting_options(labels),
        sheet="settings",
        heading=text["settings"],
        close_label=text["close_settings"],
        test_id="settings-panel",
    )


def media_controls(labels: Mapping[str, str] | None = None) -> rx.Component:
    """The meeting's control bar, centred, always in view.

    Microphone, camera and raise hand first; screen share, settings, chat,
    bug report and participants next (behind a "More" button on narrow
    screens); Leave last.

    Args:
        labels: Label overrides (see :mod:`components.labels`).

    Returns:
        A toolbar with microphone, camera, screen share, settings, raise hand,
        participants and leave.

    Example:
        >>> from reflex_meet.components import media_controls
        >>> bar = media_controls(labels={"leave": "Hang up"})
    """
    text = merge(labels)
    return rx.box(
        rx.box(
            microphone_toggle(labels),
            camera_toggle(labels),
            rx.icon_button(
                rx.fragment(rx.icon("hand", size=20)),
                aria_label=text["raise_hand"],
                aria_pressed=rx.cond(RoomView.hand_raised, "true", "false"),
                title=text["raise_hand"],
                on_click=RoomState.set_hand(~RoomView.hand_raised),
                variant="solid",
                color_scheme="gray",
                size="3",
                class_name="meet-control",
                data_testid="toggle-hand",
            ),
            class_name="meet-controls-group",
        ),
        MoreControls.create(
            ScreenShareButton.create(
                labels={
                    "share_screen": text["share_screen"],
                    "stop_sharing": text["stop_sharing"],
                }
            ),
            SheetButton.create(
                sheet="settings", label=text["settings"], test_id="open-settings"
            ),
            chat_button(labels),
            rx.icon_button(
                rx.fragment(rx.icon("users", size=20)),
                aria_label=text["participants"],
                aria_pressed=rx.cond(SessionState.participants_open, "true", "false"),
                aria_controls="participants-panel",
                title=text["participants"],
                on_click=SessionState.toggle_participants,
                variant="solid",
                color_scheme="gray",
                size="3",
                class_name="meet-control",
                data_testid="toggle-participants",
            ),
            bug_report_button(labels),
            label=text["more_controls"],
        ),
        rx.button(
            rx.icon("phone-off", size=20),
            rx.el.span(text["leave"], class_name="meet-leave-text"),
            on_click=RoomState.leave,
            color_scheme="red",
            size="3",
            aria_label=text["leave"],
            title=text["leave"],
            class_name="meet-leave",
            data_testid="leave",
        ),
        role="toolbar",
        aria_label=text["controls"],
        class_name="meet-controls",
    )
