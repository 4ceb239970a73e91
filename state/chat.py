"""Room chat: persistent per room, public or direct to one participant.

Messages are stored (``records``) and delivered three ways, so that nobody
receives what they may not see and the room's shared state stays small:

* on entering the meeting, a tab loads the last 200 messages it may see
  (``ChatState.history``, from the database);
* a public message is appended to ``RoomState.chat_recent`` (shared by the
  room, only the last few messages, so each new one costs every member a
  small delta; kept in the room's one shared state rather than a second
  linked one, which would double the locks every event takes);
* a direct message goes to the sender's and the recipient's own
  ``ChatState.direct`` only (the recipient's tab is found through
  :mod:`state.presence`).

The browser merges the three lists (``assets/meet/chat.jsx``).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

import reflex as rx
from reflex.istate.manager.token import BaseStateToken

from reflex_meet.core import ids
from reflex_meet.core.problems import Problem
from reflex_meet.records import service
from reflex_meet.state import presence
from reflex_meet.state.registered_app import registered_app
from reflex_meet.state.room import RoomState
from reflex_meet.state.session import SessionState

__all__ = ["ChatState", "chat_view"]

logger = logging.getLogger("meet.chat")

# Direct messages kept per tab while it stays (the rest is history).
DIRECT = 50
# The browser's id of a message it sends (to know when to clear its draft).


def chat_view(message: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """The browser's shape of a stored message.

    Args:
        message: A message as ``records.store`` returns it.
        names: Display names by participant id (for direct recipients).

    Returns:
        ``{id, sender_id, sender_name, recipient_id, recipient_name, text,
        sent}`` with ``sent`` in epoch milliseconds.
    """
    sent = message.get("sent")
    try:
        millis = int(datetime.fromisoformat(str(sent)).timestamp() * 1000)
    except ValueError:
        millis = 0
    recipient = message.get("recipientId") or ""
    return {
        "id": str(message.get("id")),
        "sender_id": message.get("senderId") or "",
        "sender_name": message.get("senderName") or "",
        "recipient_id": recipient,
        "recipient_name": names.get(recipient, "") if recipient else "",
        "text": message.get("text") or "",
        "sent": millis,
    }


class ChatState(rx.State):
    """One tab's chat: its history, its direct messages, its last error."""

    history: list[dict[str, Any]] = []
    direct: list[dict[str, Any]] = []
    # The last refusal: a code (the UI has a label per code) and plain words.
    error_code: str = ""
    error: str = ""
    # The browser's id of the last message stored: its draft may be cleared
    # (a refused message keeps its draft).
    sent_nonce: str = ""

    def _refuse(self, problem: Problem) -> None:
        self.error_code = problem.code
        self.error = problem.description

    def _clear_error(self) -> None:
        self.error_code = self.error = ""

    @rx.event
    async def open_room(self) -> None:
        """Load the chat history of the room (meeting page on_load)."""
        session = await self.get_state(SessionState)
        if not session.room or not session.participant_id:
            return
        room_state = await self.get_state(RoomState)
        names = {u.id: u.name for u in room_state._plain_users()}
        stored = await service.chat_history(session.room, session.participant_id)
        self.history = [chat_view(m, names) for m in stored]
        self.direct = []
        self._clear_error()

    @rx.event
    async def send(self, message: object) -> None:
        """Send a message typed in the chat panel.

        Args:
            message: ``{"text": str, "to": participant id or ""}``.
        """
        session = await self.get_state(SessionState)
        if not isinstance(message, dict) or not session.room:
            return
        text, to = message.get("text"), message.get("to") or ""
        nonce = message.get("nonce")
        if not ids.is_id(ids.REQUEST_ID, nonce):
            nonce = ""
        room_state = await self.get_state(RoomState)
        users = {u.id: u for u in room_state._plain_users()}
        me = users.get(session.participant_id)
        if me is None or not me.joined:
            self._refuse(Problem("chat_not_joined", "Join the meeting to chat."))
            return
        if to and (not isinstance(to, str) or to not in users or to == me.id):
            self._refuse(
                Problem("chat_recipient_gone", "That person is not in the meeting.")
            )
            return
        # The sender's name is the roster's (validated when they entered),
        # never the browser's own copy of it.
        stored = await service.send_chat_message(
            session.room,
            room_state.meeting_id or None,
            me.id,
            me.name,
            to or None,
            text,
        )
        if isinstance(stored, Problem):
            self._refuse(stored)
            return
        self._clear_error()
        if nonce:
            self.sent_nonce = nonce
        view = chat_view(stored, {u.id: u.name for u in users.values()})
        if to:
            self.direct = [*self.direct, view][-DIRECT:]
            # After this event: the recipient's tab shares the room's linked
            # states, whose locks this event holds until it ends.
            task = asyncio.create_task(_deliver_direct(session.room, to, view))
            _deliveries.add(task)
            task.add_done_callback(_deliveries.discard)
        else:
            room_state._add_chat_message(view)


_deliveries: set[asyncio.Task] = set()


async def _deliver_direct(room: str, recipient: str, view: dict[str, Any]) -> None:
    """Append a direct message to the recipient's tab only."""
    token = await presence.client_token_of(room, recipient)
    if not token:
        logger.info("room %s: direct message for %s stored only", room, recipient)
        return
    tab = BaseStateToken(ident=token, cls=ChatState)
    async with registered_app().modify_state(tab) as root:
        chat = await root.get_state(ChatState)
        chat.direct = [*chat.direct, view][-DIRECT:]
