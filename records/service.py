"""What the app's states call: async, never blocking the event loop, never raising.

* :func:`record_roster_change` / :func:`schedule_roster_change` turn the notices
  of an accepted :mod:`core.roster` command into meeting and attendance
  records (call it where ``RoomState`` applies commands).
* :func:`send_chat_message` validates, rate-limits and stores a message;
  :func:`chat_history` reads what a participant may see.
* :func:`submit_feedback` stores call feedback.

Database trouble is logged and reported as a Problem (or ignored for the
roster records): a meeting goes on without its records.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from reflex_meet.core import roster
from reflex_meet.core.problems import Problem, ProblemError
from reflex_meet.records import db, store
from reflex_meet.records.validation import validate_chat_text
from reflex_meet.security import rate_limits

__all__ = [
    "chat_history",
    "end_meeting",
    "open_meetings",
    "record_roster_change",
    "schedule_roster_change",
    "send_chat_message",
    "submit_feedback",
]

logger = logging.getLogger("meet.records")

_background: set[asyncio.Task] = set()
_UNAVAILABLE = Problem("records_unavailable", "This cannot be saved right now.")


def _log_roster(
    session: Session,
    room: str,
    previous_meeting_id: str | None,
    new_room: roster.Room,
    notices: Sequence[object],
    at: float,
) -> None:
    current = previous_meeting_id or new_room.meetingId
    for notice in notices:
        try:
            if isinstance(notice, roster.MeetingStarted):
                current = notice.meeting_id
                store.meeting_started(session, current, room, at)
            elif isinstance(notice, roster.UserJoined) and current:
                store.meeting_started(session, current, room, at)  # if missed
                store.attendance_joined(
                    session, current, notice.name, at, participant_id=notice.user_id
                )
            elif isinstance(notice, roster.UserLeft) and current:
                store.participant_left(session, current, notice.user_id, at)
            elif isinstance(notice, roster.MeetingEnded):
                store.meeting_ended(session, notice.meeting_id, at)
        except ProblemError as error:
            logger.warning(
                "room %s: %s not recorded: %s",
                room,
                type(notice).__name__,
                error.problem.code,
            )
    if new_room.meetingId:
        joined = sum(1 for user in new_room.users if user.joined)
        try:
            store.participant_count(session, new_room.meetingId, joined)
        except ProblemError as error:
            logger.warning("room %s: count not recorded: %s", room, error.problem.code)


async def record_roster_change(
    room: str,
    previous_meeting_id: str | None,
    new_room: roster.Room,
    notices: Sequence[object],
    at: float | None = None,
) -> None:
    """Record meetings and attendance from an accepted roster command.

    Args:
        room: The room name.
        previous_meeting_id: The room's meeting id before the command.
        new_room: ``Accepted.room`` (the room after the command).
        notices: ``Accepted.notices``.
        at: When it happened (POSIX seconds; default now).
    """
    if not notices and not new_room.meetingId:
        return
    when = time.time() if at is None else at
    try:
        await db.run(_log_roster, room, previous_meeting_id, new_room, notices, when)
    except Exception:
        logger.exception("room %s: meeting records failed", room)


async def open_meetings() -> list[tuple[str, str]]:
    """Meetings that have not ended, as ``(meeting_id, room)`` ([] on trouble).

    Returns:
        The open meetings, oldest first.
    """
    try:
        return await db.run(store.open_meetings)
    except Exception:
        logger.exception("reading open meetings failed")
        return []


async def end_meeting(meeting_id: str, at: float | None = None) -> None:
    """Mark a meeting ended (one left open by a crash or a restart).

    Args:
        meeting_id: The meeting.
        at: When (POSIX seconds; default now).
    """
    when = time.time() if at is None else at
    try:
        await db.run(store.meeting_ended, meeting_id, when)
    except Exception:
        logger.exception("ending meeting %s failed", meeting_id)


def schedule_roster_change(
    room: str,
    previous_meeting_id: str | None,
    new_room: roster.Room,
    notices: Sequence[object],
    at: float | None = None,
) -> None:
    """Like :func:`record_roster_change`, in the background (from sync code).

    Only notices that change records are worth a task: joins, leaves, starts
    and ends.

    Args:
        room: The room name.
        previous_meeting_id: The room's meeting id before the command.
        new_room: ``Accepted.room``.
        notices: ``Accepted.notices``.
        at: When it happened (POSIX seconds; default now).
    """
    kinds = (
        roster.MeetingStarted,
        roster.MeetingEnded,
        roster.UserJoined,
        roster.UserLeft,
    )
    if not any(isinstance(notice, kinds) for notice in notices):
        return
    when = time.time() if at is None else at
    coroutine = record_roster_change(
        room, previous_meeting_id, new_room, tuple(notices), when
    )
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # no event loop (scripts, plain tests): do it now
        asyncio.run(coroutine)
        return
    task = loop.create_task(coroutine)
    _background.add(task)
    task.add_done_callback(_background.discard)


async def send_chat_message(
    room: str,
    meeting_id: str | None,
    sender_id: str,
    sender_name: str,
    recipient_id: str | None,
    text: object,
    *,
    limiter: rate_limits.Limiter | None = None,
) -> dict[str, Any] | Problem:
    """Validate, rate-limit and store a chat message.

    Args:
        room: The room name.
        meeting_id: The current meeting, or None.
        sender_id: The sender's participant id (from the server's session,
            never from the browser).
        sender_name: The sender's display name.
        recipient_id: A participant id for a direct message, or None.
        text: The text as typed.
        limiter: The rate limiter (default: the one shared by all workers,
            :data:`security.rate_limits.CHAT` per sender).

    Returns:
        The stored message (see :func:`records.store.add_chat_message`), or a
        Problem (validation codes, ``chat_rate_limited``,
        ``records_unavailable``).
    """
    checked = validate_chat_text(text)
    if isinstance(checked, Problem):
        return checked
    limited = await (limiter or rate_limits.default_limiter()).hit(
        rate_limits.CHAT, sender_id, log_as=f"chat of {sender_id} in room {room}"
    )
    if limited is not None:
        return limited.problem()
    try:
        return await db.run(
            store.add_chat_message,
            room,
            meeting_id,
            sender_id,
            sender_name,
            recipient_id,
            checked,
        )
    except ProblemError as error:
        return error.problem
    except Exception:
        logger.exception("room %s: chat message not stored", room)
        return _UNAVAILABLE


async def chat_history(
    room: str, viewer_id: str | None, limit: int = 200
) -> list[dict[str, Any]]:
    """Return the messages a participant may see, oldest first ([] on trouble).

    Args:
        room: The room name.
        viewer_id: The participant asking.
        limit: At most this many (the newest).

    Returns:
        Messages as :func:`records.store.recent_messages` gives them.
    """
    try:
        return await db.run(store.recent_messages, room, viewer_id, limit)
    except Exception:
        logger.exception("room %s: chat history unavailable", room)
        return []


async def submit_feedback(
    meeting_id: str,
    experienced_issues: object,
    comment: object,
    app_version: str,
) -> Problem | None:
    """Store feedback about a call.

    Args:
        meeting_id: The meeting it is about.
        experienced_issues: Whether they had problems (a real boolean).
        comment: Optional text (≤ 2000 characters).
        app_version: The app version.

    Returns:
        None when stored, else a Problem.
    """
    try:
        await db.run(
            store.add_feedback, meeting_id, experienced_issues, comment, app_version
        )
    except ProblemError as error:
        return error.problem
    except Exception:
        logger.exception("feedback not stored")
        return _UNAVAILABLE
    return None
