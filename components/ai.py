"""The AI participant's controls: invite dialog, pending state, talk, remove.

Hidden unless ``OPENAI_API_TOKEN`` and ``OPENAI_MODEL_ENDPOINT`` are set
(:attr:`state.ai.AiState.available`). The AI itself is a roster entry, so its
tile (with its own speaking ring, computed in the browser from its pulled
audio) comes from the stage like anyone's.
"""

from __future__ import annotations

from collections.abc import Mapping

import reflex as rx
from reflex.event import EventHandler, no_args_event_spec, passthrough_event_spec

from reflex_meet.browser import shipped
from reflex_meet.calls.ai import MAX_INSTRUCTIONS, VOICES
from reflex_meet.components.labels import format_label, merge
from reflex_meet.state.ai import AiState
from reflex_meet.state.room import RoomState

__all__ = ["AiTalkButton", "ai_controls", "invite_ai_dialog"]


class AiTalkButton(rx.Component):
    """Hold to talk to the AI (also the key A, released after 200 ms)."""

    library = shipped("ai.jsx")
    tag = "AiTalkButton"
    is_default = False

    controlling_user: rx.Var[str]
    controlling_name: rx.Var[str]
    label: rx.Var[str]
    label_other: rx.Var[str]
    hint: rx.Var[str]

    on_request: EventHandler[passthrough_event_spec(str)]
    on_release: EventHandler[no_args_event_spec]


def invite_ai_dialog(labels: Mapping[str, str] | None = None) -> rx.Component:
    """The "Invite AI" button and its dialog (instructions and voice).

    The fields are prefilled from the page's ``?instructions=`` and ``?voice=``.

    Args:
        labels: Label overrides.

    Returns:
        The dialog with its trigger.
    """
    text = merge(labels)
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.button(
                rx.icon("bot", size=18),
                text["invite_ai"],
                variant="soft",
                size="3",
                data_testid="invite-ai",
            )
        ),
        rx.dialog.content(
            rx.dialog.title(text["invite_ai_title"]),
            rx.dialog.description(text["invite_ai_description"], size="2"),
            rx.form(
                rx.vstack(
                    rx.el.label(text["ai_instructions"], html_for="ai-instructions"),
                    rx.text_area(
                        name="instructions",
                        id="ai-instructions",
                        default_value=AiState.draft_instructions,
                        max_length=MAX_INSTRUCTIONS,
                        rows="4",
                        width="100%",
                        data_testid="ai-instructions",
                    ),
                    rx.el.label(text["ai_voice"], html_for="ai-voice"),
                    rx.el.select(
                        *[rx.el.option(voice, value=voice) for voice in VOICES],
                        name="voice",
                        id="ai-voice",
                        default_value=AiState.draft_voice,
                        data_testid="ai-voice",
                    ),
                    rx.cond(
                        AiState.invite_problem != "",
                        rx.text(
                            AiState.invite_problem,
                            color_scheme="red",
                            role="alert",
                            data_testid="ai-invite-problem",
                        ),
                    ),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button(text["ai_cancel"], type="button", variant="soft")
                        ),
                        rx.button(
                            text["ai_invite_submit"],
                            type="submit",
                            data_testid="ai-invite-submit",
                        ),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                ),
                on_submit=AiState.invite_ai,
                reset_on_submit=False,
            ),
        ),
        open=AiState.invite_open,
        on_open_change=AiState.open_invite,
    )


def ai_controls(labels: Mapping[str, str] | None = None) -> rx.Component:
    """Invite (or "joining…"), talk and remove the AI, and its last error.

    Args:
        labels: Label overrides.

    Returns:
        The controls (nothing when the AI is not configured).
    """
    text = merge(labels)
    ai = RoomState.ai
    enabled = ai["enabled"].to(bool)
    pending = ai["connectionPending"].to(bool)
    error = ai["error"].to(str)
    return rx.cond(
        AiState.available,
        rx.hstack(
            rx.cond(
                pending,
                rx.button(
                    rx.spinner(size="2"),
                    text["ai_connecting"],
                    disabled=True,
                    variant="soft",
                    size="3",
                    aria_busy="true",
                    data_testid="ai-pending",
                ),
                rx.cond(
                    enabled,
                    rx.hstack(
                        AiTalkButton.create(
                            controlling_user=ai["controllingUser"].to(str),
                            controlling_name=ai["controllingName"].to(str),
                            label=text["ai_talk"],
                            label_other=text["ai_other_talking"],
                            hint=text["ai_talk_hint"],
                            on_request=AiState.request_ai_control,
                            on_release=AiState.release_ai_control,
                        ),
                        rx.button(
                            rx.icon("bot-off", size=18),
                            text["remove_ai"],
                            on_click=AiState.remove_ai,
                            variant="soft",
                            color_scheme="red",
                            size="3",
                            data_testid="remove-ai",
                        ),
                        align="center",
                    ),
                    invite_ai_dialog(labels),
                ),
            ),
            rx.cond(
                error,  # absent (undefined) or "" when there is none
                rx.text(
                    format_label(text["ai_error"], error=error),
                    color_scheme="red",
                    size="2",
                    role="alert",
                    data_testid="ai-error",
                ),
            ),
            align="center",
            justify="center",
            width="100%",
            padding="0 1rem 0.5rem",
            data_testid="ai-controls",
        ),
    )
