"""Reading and writing the records: plain functions over a database session.

Every function takes a SQLModel session first: ``rx.session()``,
``records.db.session()`` or ``sqlmodel.Session(engine)``. Writes commit
before returning. Input is validated again here (:mod:`records.validation`):
bad input raises :class:`~core.problems.ProblemError` and nothing is written.
Times may be given as aware ``datetime`` (any zone) or as POSIX seconds
(``time.time()``); results carry ISO 8601 UTC strings.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from reflex_meet.core.problems import Problem, ProblemError
from reflex_meet.core.validation import normalise_room_name, room_id_from_bytes
from reflex_meet.records.models import (
    Attendance,
    BugReport,
    CallFeedback,
    ChatMessage,
    Meeting,
    TrackReport,
)
from reflex_meet.records.validation import (
    validate_app_version,
    validate_bug_text,
    validate_chat_text,
    validate_comment,
    validate_diagnostics,
    validate_display_name,
    validate_meeting_id,
    validate_participant_id,
    validate_reference,
    validate_track_id,
)

__all__ = [
    "MAX_RECENT_MESSAGES",
    "Moment",
    "add_bug_report",
    "add_chat_message",
    "add_feedback",
    "add_track_report",
    "attendance_joined",
    "attendance_left",
    "get_bug_report",
    "get_meeting",
    "meeting_ended",
    "meeting_started",
    "open_meetings",
    "participant_count",
    "participant_left",
    "recent_messages",
]

MAX_RECENT_MESSAGES = 500

Moment = datetime | float | int | None


# ---- helpers -------------------------------------------------------------------


def _valid(value: Any) -> Any:
    """Return a validator's value, raising its Problem."""
    if isinstance(value, Problem):
        raise ProblemError(value)
    return value


def _room(raw: object) -> str:
    return _valid(normalise_room_name(raw))


def _utc(at: Moment) -> datetime:
    """A moment as an aware UTC datetime (now when None)."""
    if at is None:
        return datetime.now(UTC)
    if isinstance(at, datetime):
        if at.tzinfo is None:
            msg = "naive datetimes are ambiguous; pass an aware one or POSIX seconds"
            raise ValueError(msg)
        return at.astimezone(UTC)
    if isinstance(at, bool) or not isinstance(at, int | float):
        msg = f"not a moment: {at!r}"
        raise TypeError(msg)
    return datetime.fromtimestamp(at, UTC)


def _iso(value: datetime | None) -> str | None:
    """ISO 8601 text in UTC (SQLite hands back naive UTC datetimes)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def _commit(session: Session, *rows: object) -> None:
    for row in rows:
        session.add(row)
    try:
        session.commit()
    except Exception:
        session.rollback()
        raise
    for row in rows:
        session.refresh(row)


def _meeting(session: Session, meeting_id: str) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise ProblemError(Problem("meeting_unknown", "There is no such meeting."))
    return meeting


# ---- meetings and attendance ---------------------------------------------------


def meeting_started(
    session: Session, meeting_id: str, room: str, at: Moment = None
) -> None:
    """Record the start of a meeting (again: no change).

    Args:
        session: The database session.
        meeting_id: The app's meeting id (uuid4 text).
        room: The room name.
        at: When the first person joined (default: now).
    """
    meeting_id = _valid(validate_meeting_id(meeting_id))
    room = _room(room)
    if session.get(Meeting, meeting_id) is not None:
        return
    _commit(session, Meeting(id=meeting_id, room=room, started=_utc(at)))


def open_meetings(session: Session, limit: int = 1000) -> list[tuple[str, str]]:
    """Meetings not yet ended, oldest first.

    Args:
        session: The database session.
        limit: At most this many.

    Returns:
        ``(meeting_id, room)`` pairs.
    """
    rows = session.exec(
        select(Meeting.id, Meeting.room)
        .where(col(Meeting.ended).is_(None))
        .order_by(col(Meeting.started))
        .limit(limit)
    ).all()
    return [(meeting_id, room) for meeting_id, room in rows]


def participant_count(session: Session, meeting_id: str, n: int) -> int:
    """Note how many people are in a meeting now; keeps the peak.

    Args:
        session: The database session.
        meeting_id: The meeting.
        n: People in the meeting now.

    Returns:
        The peak so far.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ProblemError(Problem("invalid_count", "Expected a count of people."))
    meeting = _meeting(session, _valid(validate_meeting_id(meeting_id)))
    if n > meeting.peak_participants:
        # One UPDATE, so concurrent workers cannot lower the peak.
        session.execute(
            sa.update(Meeting)
            .where(col(Meeting.id) == meeting.id, col(Meeting.peak_participants) < n)
            .values(peak_participants=n)
        )
        session.commit()
        session.refresh(meeting)
    return meeting.peak_participants


def meeting_ended(session: Session, meeting_id: str, at: Moment = None) -> None:
    """Record the end of a meeting; closes attendance still open.

    Args:
        session: The database session.
        meeting_id: The meeting.
        at: When the last person left (default: now).
    """
    meeting = _meeting(session, _valid(validate_meeting_id(meeting_id)))
    when = _utc(at)
    if meeting.ended is None:
        meeting.ended = when
    open_rows = session.exec(
        select(Attendance).where(
            Attendance.meeting_id == meeting.id, col(Attendance.left).is_(None)
        )
    ).all()
    for row in open_rows:
        row.left = when
    _commit(session, meeting, *open_rows)


def attendance_joined(
    session: Session,
    meeting_id: str,
    display_name: str,
    at: Moment = None,
    participant_id: str | None = None,
) -> int:
    """Record someone joining a meeting.

    Args:
        session: The database session.
        meeting_id: The meeting (already recorded by :func:`meeting_started`).
        display_name: Their name at the time.
        at: When they joined (default: now).
        participant_id: The app's participant id, for :func:`participant_left`.

    Returns:
        The attendance id (for :func:`attendance_left`).
    """
    meeting = _meeting(session, _valid(validate_meeting_id(meeting_id)))
    name = _valid(validate_display_name(display_name))
    if participant_id is not None:
        participant_id = _valid(validate_participant_id(participant_id))
    row = Attendance(
        meeting_id=meeting.id,
        participant_id=participant_id,
        display_name=name,
        joined=_utc(at),
    )
    _commit(session, row)
    assert row.id is not None  # set by the database on commit
    return row.id


def attendance_left(session: Session, attendance_id: int, at: Moment = None) -> None:
    """Record someone leaving (again: no change).

    Args:
        session: The database session.
        attendance_id: What :func:`attendance_joined` returned.
        at: When they left (default: now).
    """
    row = session.get(Attendance, attendance_id)
    if row is None:
        raise ProblemError(
            Problem("attendance_unknown", "There is no such attendance.")
        )
    if row.left is None:
        row.left = _utc(at)
        _commit(session, row)


def participant_left(
    session: Session, meeting_id: str, participant_id: str, at: Moment = None
) -> int:
    """Close the open attendance of a participant (by the app's ids).

    Args:
        session: The database session.
        meeting_id: The meeting.
        participant_id: The participant id given to :func:`attendance_joined`.
        at: When they left (default: now).

    Returns:
        How many attendance rows were closed (0 when none was open).
    """
    meeting_id = _valid(validate_meeting_id(meeting_id))
    participant_id = _valid(validate_participant_id(participant_id))
    rows = session.exec(
        select(Attendance).where(
            Attendance.meeting_id == meeting_id,
            Attendance.participant_id == participant_id,
            col(Attendance.left).is_(None),
        )
    ).all()
    when = _utc(at)
    for row in rows:
        row.left = when
    if rows:
        _commit(session, *rows)
    return len(rows)


def _attendance_dict(row: Attendance) -> dict[str, Any]:
    return {
        "id": row.id,
        "participantId": row.participant_id,
        "displayName": row.display_name,
        "joined": _iso(row.joined),
        "left": _iso(row.left),
    }


def get_meeting(session: Session, meeting_id: str) -> dict[str, Any] | None:
    """Return a meeting with its attendance (in joining order).

    Args:
        session: The database session.
        meeting_id: The meeting.

    Returns:
        ``{"id", "room", "started", "ended", "peakParticipants",
        "attendance": [{"id", "participantId", "displayName", "joined",
        "left"}]}``, or None when there is no such meeting.
    """
    meeting_id = _valid(validate_meeting_id(meeting_id))
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        return None
    rows = session.exec(
        select(Attendance)
        .where(Attendance.meeting_id == meeting_id)
        .order_by(col(Attendance.joined), col(Attendance.id))
    ).all()
    return {
        "id": meeting.id,
        "room": meeting.room,
        "started": _iso(meeting.started),
        "ended": _iso(meeting.ended),
        "peakParticipants": meeting.peak_participants,
        "attendance": [_attendance_dict(row) for row in rows],
    }


# ---- chat --------------------------------------------------------------------------


def _message_dict(row: ChatMessage) -> dict[str, Any]:
    return {
        "id": row.id,
        "room": row.room,
        "meetingId": row.meeting_id,
        "senderId": row.sender_id,
        "senderName": row.sender_name,
        "recipientId": row.recipient_id,
        "private": row.recipient_id is not None,
        "text": row.text,
        "sent": _iso(row.sent),
    }


def add_chat_message(
    session: Session,
    room: str,
    meeting_id: str | None,
    sender_id: str,
    sender_name: str,
    recipient_id: str | None,
    text: str,
    at: Moment = None,
) -> dict[str, Any]:
    """Store a chat message (rate limiting is the caller's, see security.rate_limits).

    Args:
        session: The database session.
        room: The room name.
        meeting_id: The meeting it is sent in, or None.
        sender_id: The sender's participant id.
        sender_name: The sender's display name.
        recipient_id: The one participant it is for, or None for everyone.
        text: The message (trimmed; 1–2000 characters).
        at: When it was sent (default: now).

    Returns:
        The stored message: ``{"id", "room", "meetingId", "senderId",
        "senderName", "recipientId", "private", "text", "sent"}``.
    """
    row = ChatMessage(
        room=_room(room),
        meeting_id=None
        if meeting_id is None
        else _valid(validate_meeting_id(meeting_id)),
        sender_id=_valid(validate_participant_id(sender_id)),
        sender_name=_valid(validate_display_name(sender_name)),
        recipient_id=None
        if recipient_id is None
        else _valid(validate_participant_id(recipient_id)),
        text=_valid(validate_chat_text(text)),
        sent=_utc(at),
    )
    _commit(session, row)
    return _message_dict(row)


def recent_messages(
    session: Session, room: str, viewer_id: str | None, limit: int = 200
) -> list[dict[str, Any]]:
    """Return a room's latest messages that a participant may see, oldest first.

    Messages to everyone, plus direct messages the viewer sent or received.

    Args:
        session: The database session.
        room: The room name.
        viewer_id: The participant asking (None: only messages to everyone).
        limit: At most this many (1–500), the newest ones.

    Returns:
        Messages as returned by :func:`add_chat_message`.
    """
    room = _room(room)
    limit = max(1, min(int(limit), MAX_RECENT_MESSAGES))
    visible = col(ChatMessage.recipient_id).is_(None)
    if viewer_id:
        visible = sa.or_(
            visible,
            ChatMessage.sender_id == viewer_id,
            ChatMessage.recipient_id == viewer_id,
        )
    rows: Sequence[ChatMessage] = session.exec(
        select(ChatMessage)
        .where(ChatMessage.room == room, visible)
        .order_by(col(ChatMessage.sent).desc(), col(ChatMessage.id).desc())
        .limit(limit)
    ).all()
    return [_message_dict(row) for row in reversed(rows)]


# ---- feedback and reports ------------------------------------------------------


def add_feedback(
    session: Session,
    meeting_id: str,
    experienced_issues: bool,
    comment: str | None,
    app_version: str,
    at: Moment = None,
) -> int:
    """Store feedback about a call.

    Args:
        session: The database session.
        meeting_id: The meeting.
        experienced_issues: Whether they had problems (a real boolean).
        comment: Optional text (≤ 2000 characters; blank means none).
        app_version: The app version they used.
        at: When it was given (default: now).

    Returns:
        The feedback row id.
    """
    if not isinstance(experienced_issues, bool):
        raise ProblemError(Problem("invalid_type", "Expected true or false."))
    row = CallFeedback(
        meeting_id=_valid(validate_meeting_id(meeting_id)),
        experienced_issues=experienced_issues,
        comment=_valid(validate_comment(comment)),
        app_version=_valid(validate_app_version(app_version)),
        created=_utc(at),
    )
    _commit(session, row)
    assert row.id is not None  # set by the database on commit
    return row.id


def _new_reference(session: Session) -> str:
    for _ in range(8):
        reference = room_id_from_bytes(os.urandom(8))
        taken = session.exec(
            select(BugReport.id).where(BugReport.reference == reference)
        ).first()
        if taken is None:
            return reference
    msg = "could not find a free bug report reference"
    raise RuntimeError(msg)


def add_bug_report(
    session: Session, text: str, diagnostics: dict, at: Moment = None
) -> str:
    """Store a bug report.

    Args:
        session: The database session.
        text: What the reporter wrote (1–4000 characters).
        diagnostics: A JSON object (≤ 64 KB serialised, depth ≤ 8).
        at: When it was reported (default: now).

    Returns:
        The short public reference (8 characters, e.g. ``"k3m9xq2t"``).
    """
    row = BugReport(
        reference="",
        text=_valid(validate_bug_text(text)),
        diagnostics=_valid(validate_diagnostics(diagnostics)),
        created=_utc(at),
    )
    row.reference = _new_reference(session)
    _commit(session, row)
    return row.reference


def get_bug_report(session: Session, ref: str) -> dict[str, Any] | None:
    """Return a bug report by its public reference.

    Args:
        session: The database session.
        ref: The reference (case-insensitive).

    Returns:
        ``{"reference", "text", "diagnostics", "created"}``, or None.
    """
    reference = _valid(validate_reference(ref))
    row = session.exec(
        select(BugReport).where(BugReport.reference == reference)
    ).first()
    if row is None:
        return None
    return {
        "reference": row.reference,
        "text": row.text,
        "diagnostics": row.diagnostics,
        "created": _iso(row.created),
    }


def add_track_report(
    session: Session,
    meeting_id: str,
    track_id: str,
    reporter_id: str,
    at: Moment = None,
) -> int:
    """Store a report of a subscribed track that delivers no media.

    Args:
        session: The database session.
        meeting_id: The meeting.
        track_id: ``"<sessionId>/<trackName>"``.
        reporter_id: The reporting participant's id.
        at: When it was reported (default: now).

    Returns:
        The report row id.
    """
    row = TrackReport(
        meeting_id=_valid(validate_meeting_id(meeting_id)),
        track_id=_valid(validate_track_id(track_id)),
        reporter_id=_valid(validate_participant_id(reporter_id)),
        reported_at=_utc(at),
    )
    _commit(session, row)
    assert row.id is not None  # set by the database on commit
    return row.id
