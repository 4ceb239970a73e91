"""The tables: meetings, attendance, chat, feedback, bug and track reports.

``sqlmodel.SQLModel`` tables (Reflex 0.10's recommended replacement for
``rx.Model``) in a space of their own, so the kit lives beside a host app's
tables without touching them: their own SQLAlchemy registry and metadata
(:data:`METADATA`, not ``SQLModel.metadata``, which Reflex's ``ModelRegistry``
and a host's ``reflex db makemigrations`` use), table names starting with
``meet_``, and their own Alembic version table
(:data:`records.db.VERSION_TABLE`). The kit migrates its tables itself
(:func:`records.db.migrate`).

Times are stored in UTC (``timestamp with time zone`` on PostgreSQL; SQLite
keeps them naive, read back as UTC by :mod:`records.store`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

__all__ = [
    "METADATA",
    "TABLE_PREFIX",
    "Attendance",
    "BugReport",
    "CallFeedback",
    "ChatMessage",
    "MeetTable",
    "Meeting",
    "TrackReport",
]

# Column sizes (validation in records.validation keeps values within them).
ID_LENGTH = 64
ROOM_LENGTH = 64
NAME_LENGTH = 50
TRACK_ID_LENGTH = 256
VERSION_LENGTH = 64
REFERENCE_LENGTH = 16


def _utc_column(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(
        default=None if nullable else ...,
        sa_type=sa.DateTime(timezone=True),
        nullable=nullable,
        index=index,
    )


TABLE_PREFIX = "meet_"
"""Every table of the kit is named ``meet_…``: no clash with a host's tables."""

_REGISTRY = registry()


class MeetTable(SQLModel, registry=_REGISTRY):
    """Base of the kit's tables: their own registry and metadata."""


class Meeting(MeetTable, table=True):
    """One meeting: from the first person joining a room to the last leaving.

    Attributes:
        id: The app's meeting id (uuid4 text).
        room: The room name.
        started: When the first person joined.
        ended: When the last person left (None while running).
        peak_participants: The most people in the meeting at once.
    """

    __tablename__: ClassVar[str] = "meet_meeting"  # type: ignore[misc]

    id: str = Field(primary_key=True, max_length=ID_LENGTH)
    room: str = Field(max_length=ROOM_LENGTH, index=True)
    started: datetime = _utc_column()
    ended: datetime | None = _utc_column(nullable=True)
    peak_participants: int = Field(default=0)


class Attendance(MeetTable, table=True):
    """One person's stay in a meeting.

    Attributes:
        id: Row id.
        meeting_id: The meeting.
        participant_id: The app's participant id (None if not known).
        display_name: The name shown at the time.
        joined: When they joined.
        left: When they left (None while present).
    """

    __tablename__: ClassVar[str] = "meet_attendance"  # type: ignore[misc]

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: str = Field(
        foreign_key="meet_meeting.id",
        max_length=ID_LENGTH,
        index=True,
        ondelete="CASCADE",
    )
    participant_id: str | None = Field(default=None, max_length=ID_LENGTH)
    display_name: str = Field(max_length=NAME_LENGTH)
    joined: datetime = _utc_column()
    left: datetime | None = _utc_column(nullable=True)


class ChatMessage(MeetTable, table=True):
    """A chat message to the whole room or to one participant.

    Attributes:
        id: Row id (also the order of messages sent at the same instant).
        room: The room name.
        meeting_id: The meeting it was sent in (None outside a meeting).
        sender_id: The sender's participant id.
        sender_name: The sender's display name at the time.
        recipient_id: The one participant it is for, None for everyone.
        text: The message (1–2000 characters).
        sent: When it was sent.
    """

    __tablename__: ClassVar[str] = "meet_chat_message"  # type: ignore[misc]
    __table_args__ = (sa.Index("ix_meet_chat_message_room_sent", "room", "sent"),)

    id: int | None = Field(default=None, primary_key=True)
    room: str = Field(max_length=ROOM_LENGTH)
    meeting_id: str | None = Field(default=None, max_length=ID_LENGTH, index=True)
    sender_id: str = Field(max_length=ID_LENGTH)
    sender_name: str = Field(max_length=NAME_LENGTH)
    recipient_id: str | None = Field(default=None, max_length=ID_LENGTH)
    text: str = Field(sa_type=sa.Text)
    sent: datetime = _utc_column()


class CallFeedback(MeetTable, table=True):
    """What someone said about a call after leaving it.

    Attributes:
        id: Row id.
        meeting_id: The meeting.
        experienced_issues: Whether they had problems.
        comment: Optional free text (≤ 2000 characters).
        app_version: The app version they used.
        created: When the feedback was given.
    """

    __tablename__: ClassVar[str] = "meet_call_feedback"  # type: ignore[misc]

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: str = Field(max_length=ID_LENGTH, index=True)
    experienced_issues: bool
    comment: str | None = Field(default=None, sa_type=sa.Text)
    app_version: str = Field(max_length=VERSION_LENGTH)
    created: datetime = _utc_column()


class BugReport(MeetTable, table=True):
    """A bug report with the browser's diagnostics.

    Attributes:
        id: Row id (private).
        reference: The short public id told to the reporter.
        text: What the reporter wrote.
        diagnostics: A JSON object (≤ 64 KB, depth ≤ 8).
        created: When it was reported.
    """

    __tablename__: ClassVar[str] = "meet_bug_report"  # type: ignore[misc]

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=REFERENCE_LENGTH, unique=True, index=True)
    text: str = Field(sa_type=sa.Text)
    diagnostics: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    created: datetime = _utc_column()


class TrackReport(MeetTable, table=True):
    """A subscribed track that never delivered media ("dead track").

    Attributes:
        id: Row id.
        meeting_id: The meeting.
        track_id: ``"<sessionId>/<trackName>"``.
        reporter_id: The participant who saw it dead.
        reported_at: When it was reported.
    """

    __tablename__: ClassVar[str] = "meet_track_report"  # type: ignore[misc]

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: str = Field(max_length=ID_LENGTH, index=True)
    track_id: str = Field(max_length=TRACK_ID_LENGTH)
    reporter_id: str = Field(max_length=ID_LENGTH)
    reported_at: datetime = _utc_column()


# Everything the migrations manage (Reflex's registry merges into the same).
METADATA = _REGISTRY.metadata
