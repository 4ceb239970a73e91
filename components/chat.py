"""Room chat components (``assets/meet/chat.jsx``) wired to the chat state.

Put :func:`chat_feed` once on the meeting page (with ``ChatState.open_room``
in its ``on_load``), :func:`chat_button` in a control bar and
:func:`chat_panel` where the panel should open. Opening and closing the panel
happens in the browser only.
"""

from __future__ import annotations

from collections.abc import Mapping

import reflex as rx
from reflex.event import EventHandler, passthrough_event_spec

from reflex_meet.browser import shipped
from reflex_meet.components.labels import merge
from reflex_meet.components.room_view import RoomView
from reflex_meet.state.chat import ChatState
from reflex_meet.state.room import RoomState
from reflex_meet.state.session import SessionState

__all__ = [
    "ChatButton",
    "ChatFeed",
    "ChatPanel",
    "chat_button",
    "chat_feed",
    "chat_panel",
]

_LIBRARY = shipped("chat.jsx")
_PANEL_KEYS = (
    "chat",
    "close_chat",
    "chat_messages",
    "chat_empty",
    "direct_to",
    "direct_from",
    "you_said",
    "send_to",
    "everyone",
    "message",
    "send",
    "chat_rate_limited",
    "chat_text_missing",
    "chat_text_too_long",
    "chat_text_control_chars",
    "chat_not_joined",
    "chat_recipient_gone",
    "records_unavailable",
)


class ChatFeed(rx.Component):
    """Invisible: merges the message lists; announces new messages."""

    library = _LIBRARY
    tag = "ChatFeed"
    is_default = False

    history: rx.Var[list[dict]]
    live: rx.Var[list[dict]]
    direct: rx.Var[list[dict]]
    self_id: rx.Var[str]
    labels: rx.Var[dict[str, str]]


class ChatButton(rx.Component):
    """The chat toggle with its unread badge (``aria-pressed``)."""

    library = _LIBRARY
    tag = "ChatButton"
    is_default = False

    label: rx.Var[str]
    unread_label: rx.Var[str]


class ChatPanel(rx.Component):
    """Messages, recipient menu and composer."""

    library = _LIBRARY
    tag = "ChatPanel"
    is_default = False

    participants: rx.Var[list]
    labels: rx.Var[dict[str, str]]
    error: rx.Var[str]
    error_code: rx.Var[str]
    max_length: rx.Var[int]
    sent_nonce: rx.Var[str]

    on_send: EventHandler[passthrough_event_spec(dict)]


def chat_feed(labels: Mapping[str, str] | None = None) -> rx.Component:
    """The invisible source of the chat (once per meeting page).

    Args:
        labels: Label overrides (``new_message``, ``new_direct_message``).

    Returns:
        The feed, with the screen-reader announcer of new messages.
    """
    text = merge(labels)
    return ChatFeed.create(
        history=ChatState.history,
        live=RoomState.chat_recent,
        direct=ChatState.direct,
        self_id=SessionState.participant_id,
        labels={k: text[k] for k in ("new_message", "new_direct_message")},
    )


def chat_button(labels: Mapping[str, str] | None = None) -> rx.Component:
    """The chat toggle for a control bar.

    Args:
        labels: Label overrides (``chat``, ``chat_unread``).

    Returns:
        The button; ``data-unread`` holds the unread count.
    """
    text = merge(labels)
    return ChatButton.create(label=text["chat"], unread_label=text["chat_unread"])


def chat_panel(labels: Mapping[str, str] | None = None) -> rx.Component:
    """The chat panel (shown while the chat toggle is pressed).

    Args:
        labels: Label overrides.

    Returns:
        The panel.

    Example:
        >>> from reflex_meet.components.chat import chat_button, chat_feed, chat_panel
        >>> parts = [chat_feed(), chat_button(), chat_panel({"send": "Post"})]
    """
    text = merge(labels)
    return ChatPanel.create(
        participants=RoomView.participants,
        labels={k: text[k] for k in _PANEL_KEYS},
        error=ChatState.error,
        error_code=ChatState.error_code,
        max_length=2000,
        sent_nonce=ChatState.sent_nonce,
        on_send=ChatState.send,
    )
