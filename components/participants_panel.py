"""The participants panel: everyone in the meeting, with mute for others."""

from __future__ import annotations

from collections.abc import Mapping

import reflex as rx

from reflex_meet.components.labels import format_label, merge
from reflex_meet.components.room_view import RoomView
from reflex_meet.state.room import RoomState
from reflex_meet.state.session import SessionState

__all__ = ["participants_panel"]


def _mute_button(person: rx.Var, text: Mapping[str, str]) -> rx.Component:
    """A mute button that asks for confirmation first."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(
                rx.icon("mic-off", size=14),
                text["mute"],
                size="1",
                variant="soft",
                color_scheme="red",
                aria_label=format_label(text["mute_title"], name=person.name),
                data_testid="mute-participant",
            ),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(format_label(text["mute_title"], name=person.name)),
            rx.alert_dialog.description(
                format_label(text["mute_body"], name=person.name)
            ),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button(text["cancel"], variant="soft", color_scheme="gray")
                ),
                rx.alert_dialog.action(
                    rx.button(
                        text["confirm_mute"],
                        color_scheme="red",
                        on_click=RoomState.mute(person.id),
                        data_testid="confirm-mute",
                    )
                ),
                spacing="3",
                justify="end",
                margin_top="1rem",
            ),
        ),
    )


def _row(person: rx.Var, text: Mapping[str, str]) -> rx.Component:
    return rx.hstack(
        rx.center(
            rx.text(person.initial, weight="bold", aria_hidden="true"),
            width="2rem",
            height="2rem",
            border_radius="50%",
            background="var(--meet-avatar-bg)",
            color="var(--meet-avatar-fg)",
            flex_shrink="0",
        ),
        rx.text(
            rx.cond(
                person.is_self,
                person.name.to(str) + " " + text["you"],
                person.name.to(str),
            ),
            flex="1",
            truncate=True,
        ),
        rx.cond(
            person.raised_hand,
            rx.el.span(
                rx.icon("hand", size=14),
                class_name="meet-hand-icon",
                aria_label=text["hand_raised"],
                role="img",
            ),
        ),
        rx.cond(
            person.audio_enabled,
            rx.icon("mic", size=16, aria_label=text["mic_on"], role="img"),
            rx.icon("mic-off", size=16, aria_label=text["mic_off"], role="img"),
        ),
        rx.cond(
            ~person.is_self & person.audio_enabled,
            _mute_button(person, text),
        ),
        width="100%",
        align="center",
        spacing="2",
        role="listitem",
        data_testid="participant-row",
        data_participant_id=person.id,
    )


def participants_panel(labels: Mapping[str, str] | None = None) -> rx.Component:
    """Everyone in the meeting, self first, with hand and mic state.

    Muting someone asks for confirmation; the muted person alone can turn
    their microphone back on. Shown while ``SessionState.participants_open``.

    Args:
        labels: Label overrides (see :mod:`components.labels`).

    Returns:
        The panel (a complementary landmark).

    Example:
        >>> from reflex_meet.components import participants_panel
        >>> panel = participants_panel()
    """
    text = merge(labels)
    return rx.cond(
        SessionState.participants_open,
        rx.el.aside(
            rx.box(
                rx.el.h2(text["participants"], " (", RoomView.people_count, ")"),
                rx.el.button(
                    "×",
                    type="button",
                    aria_label=text["close_participants"],
                    title=text["close_participants"],
                    on_click=SessionState.toggle_participants,
                    class_name="meet-sheet-close",
                    data_testid="close-participants",
                ),
                class_name="meet-sheet-header",
            ),
            rx.vstack(
                rx.foreach(RoomView.participants, lambda p: _row(p, text)),
                role="list",
                spacing="2",
                width="100%",
            ),
            id="participants-panel",
            aria_label=text["participants"],
            data_testid="participants-panel",
            # A side sheet on wide screens, full screen on phones (theme.css).
            class_name="meet-sheet",
        ),
    )
