"""The store functions on SQLite and PostgreSQL (a fresh database each)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
import reflex as rx
import sqlalchemy as sa
from sqlmodel import Session

from reflex_meet.core.problems import ProblemError
from reflex_meet.records import db, store
from reflex_meet.records.models import (
    Attendance,
    BugReport,
    CallFeedback,
    ChatMessage,
    Meeting,
    TrackReport,
)
from tests.records.db_support import count_rows

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def new_meeting(session: Session, room: str = "standup", at: datetime = T0) -> str:
    meeting_id = str(uuid.uuid4())
    store.meeting_started(session, meeting_id, room, at)
    return meeting_id


def unique_room() -> str:
    return "room-" + uuid.uuid4().hex[:10]


# ---- meetings and attendance ------------------------------------------------


def test_meeting_lifecycle(session):
    room = unique_room()
    meeting_id = new_meeting(session, room)
    store.meeting_started(session, meeting_id, "other-room", T0 + timedelta(hours=1))
    ana = store.attendance_joined(
        session, meeting_id, "Ana", T0, participant_id="p-ana"
    )
    # Any time zone in, UTC out.
    cet = timezone(timedelta(hours=1))
    bo = store.attendance_joined(
        session, meeting_id, "  Bo  ", datetime(2026, 3, 1, 13, 1, tzinfo=cet)
    )
    assert isinstance(ana, int) and isinstance(bo, int) and ana != bo
    assert store.participant_count(session, meeting_id, 3) == 3
    assert store.participant_count(session, meeting_id, 5) == 5
    assert store.participant_count(session, meeting_id, 2) == 5
    store.attendance_left(session, bo, T0 + timedelta(minutes=30))
    store.attendance_left(session, bo, T0 + timedelta(minutes=45))  # no change

    running = store.get_meeting(session, meeting_id)
    assert running["room"] == room
    assert running["started"] == "2026-03-01T12:00:00+00:00"
    assert running["ended"] is None
    assert running["peakParticipants"] == 5
    assert [a["displayName"] for a in running["attendance"]] == ["Ana", "Bo"]
    assert running["attendance"][0]["participantId"] == "p-ana"
    assert running["attendance"][1]["joined"] == "2026-03-01T12:01:00+00:00"
    assert running["attendance"][1]["left"] == "2026-03-01T12:30:00+00:00"
    assert running["attendance"][0]["left"] is None

    store.meeting_ended(session, meeting_id, T0 + timedelta(hours=1))
    ended = store.get_meeting(session, meeting_id)
    assert ended["ended"] == "2026-03-01T13:00:00+00:00"
    # Whoever was still there left when it ended.
    assert ended["attendance"][0]["left"] == "2026-03-01T13:00:00+00:00"
    assert ended["attendance"][1]["left"] == "2026-03-01T12:30:00+00:00"


def test_posix_seconds_and_default_now(session):
    meeting_id = str(uuid.uuid4())
    store.meeting_started(session, meeting_id, unique_room(), T0.timestamp() + 0.25)
    assert store.get_meeting(session, meeting_id)["started"] == (
        "2026-03-01T12:00:00.250000+00:00"
    )
    before = datetime.now(UTC)
    row_id = store.attendance_joined(session, meeting_id, "Now")
    joined = datetime.fromisoformat(
        store.get_meeting(session, meeting_id)["attendance"][0]["joined"]
    )
    assert row_id and before - timedelta(seconds=1) <= joined <= datetime.now(UTC)
    with pytest.raises(ValueError, match="naive"):
        store.meeting_ended(session, meeting_id, datetime(2026, 1, 1))


def test_participant_left_closes_open_attendance(session):
    meeting_id = new_meeting(session, unique_room())
    store.attendance_joined(session, meeting_id, "Cy", T0, participant_id="p-cy")
    assert store.participant_left(session, meeting_id, "p-cy", T0 + timedelta(1)) == 1
    assert store.participant_left(session, meeting_id, "p-cy", T0 + timedelta(2)) == 0
    store.attendance_joined(session, meeting_id, "Cy", T0 + timedelta(3), "p-cy")
    rows = store.get_meeting(session, meeting_id)["attendance"]
    assert [r["left"] is None for r in rows] == [False, True]


def test_unknown_meeting_and_attendance(session, migrated_url):
    before = count_rows(migrated_url, Attendance)
    unknown = str(uuid.uuid4())
    assert store.get_meeting(session, unknown) is None
    with pytest.raises(ProblemError) as error:
        store.attendance_joined(session, unknown, "Ana", T0)
    assert error.value.problem.code == "meeting_unknown"
    with pytest.raises(ProblemError):
        store.participant_count(session, unknown, 2)
    with pytest.raises(ProblemError):
        store.meeting_ended(session, unknown, T0)
    with pytest.raises(ProblemError) as error:
        store.attendance_left(session, 10**9, T0)
    assert error.value.problem.code == "attendance_unknown"
    assert count_rows(migrated_url, Attendance) == before


def test_bad_meeting_input_stores_nothing(session, migrated_url):
    before = count_rows(migrated_url, Meeting)
    for meeting_id, room in [
        ("not-a-uuid", "room"),
        (str(uuid.uuid4()), "Bad Room!"),
        (str(uuid.uuid4()), ""),
    ]:
        with pytest.raises(ProblemError):
            store.meeting_started(session, meeting_id, room, T0)
    meeting_id = new_meeting(session, unique_room())
    with pytest.raises(ProblemError) as error:
        store.attendance_joined(session, meeting_id, "x" * 51, T0)
    assert error.value.problem.code == "name_too_long"
    with pytest.raises(ProblemError):
        store.participant_count(session, meeting_id, -1)
    assert count_rows(migrated_url, Meeting) == before + 1
    assert store.get_meeting(session, meeting_id)["attendance"] == []


def test_peak_is_kept_across_sessions(plain_engine):
    with Session(plain_engine) as first, Session(plain_engine) as second:
        meeting_id = new_meeting(first, unique_room())
        store.participant_count(first, meeting_id, 4)
        assert store.participant_count(second, meeting_id, 3) == 4
        assert store.participant_count(second, meeting_id, 6) == 6
        assert store.participant_count(first, meeting_id, 5) == 6


# ---- chat ---------------------------------------------------------------------


def test_chat_messages_oldest_first_with_direct_messages(session):
    room = unique_room()
    meeting_id = new_meeting(session, room)
    sent = [
        ("ana", "Ana", None, "hello everyone"),
        ("bo", "Bo", "ana", "psst ana"),
        ("cy", "Cy", None, "  hi  "),
        ("ana", "Ana", "cy", "secret for cy"),
        ("bo", "Bo", None, "multi\nline"),
    ]
    for i, (sender, name, recipient, text) in enumerate(sent):
        message = store.add_chat_message(
            session,
            room,
            meeting_id,
            sender,
            name,
            recipient,
            text,
            T0 + timedelta(seconds=i),
        )
        assert message["senderId"] == sender and message["recipientId"] == recipient
        assert message["private"] is (recipient is not None)
        assert message["meetingId"] == meeting_id
    store.add_chat_message(
        session, unique_room(), None, "zed", "Zed", None, "other room", T0
    )

    def texts(viewer):
        return [m["text"] for m in store.recent_messages(session, room, viewer)]

    assert texts("ana") == [
        "hello everyone",
        "psst ana",
        "hi",
        "secret for cy",
        "multi\nline",
    ]
    assert texts("bo") == ["hello everyone", "psst ana", "hi", "multi\nline"]
    assert texts("cy") == ["hello everyone", "hi", "secret for cy", "multi\nline"]
    assert texts("dee") == ["hello everyone", "hi", "multi\nline"]
    assert texts(None) == ["hello everyone", "hi", "multi\nline"]
    latest = store.recent_messages(session, room, "ana", limit=2)
    assert [m["text"] for m in latest] == ["secret for cy", "multi\nline"]
    assert latest[-1]["sent"] == "2026-03-01T12:00:04+00:00"
    assert latest[-1]["senderName"] == "Bo"


def test_peoples_text_round_trips_as_utf8(session):
    """Emoji sequences, ZWNJ and right-to-left text are stored byte for byte."""
    room = unique_room()
    name, text = "👩‍💻 مریم", "می‌خواهم 🏴󠁧󠁢󠁳󠁣󠁴󠁿 👨‍👩‍👧 שלום"
    store.add_chat_message(session, room, None, "ana", name, None, text, T0)
    [message] = store.recent_messages(session, room, "ana")
    assert (message["senderName"], message["text"]) == (name, text)
    message["text"].encode("utf-8")  # strict


def test_chat_limit_and_same_instant_order(session):
    room = unique_room()
    for i in range(12):
        store.add_chat_message(session, room, None, "ana", "Ana", None, f"m{i}", T0)
    assert [m["text"] for m in store.recent_messages(session, room, "ana")] == [
        f"m{i}" for i in range(12)
    ]
    assert [
        m["text"] for m in store.recent_messages(session, room, "ana", limit=3)
    ] == ["m9", "m10", "m11"]
    assert len(store.recent_messages(session, room, "ana", limit=0)) == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"text": ""}, "chat_text_missing"),
        ({"text": "x" * 2001}, "chat_text_too_long"),
        ({"text": "a\x00b"}, "chat_text_control_chars"),
        ({"text": "a\ud800b"}, "invalid_text"),
        ({"text": "\u202egnp.exe"}, "chat_text_control_chars"),
        ({"text": 5}, "invalid_type"),
        ({"room": "bad_room!"}, "room_invalid_chars"),
        ({"sender_id": ""}, "participant_invalid"),
        ({"recipient_id": "bad id"}, "participant_invalid"),
        ({"sender_name": ""}, "name_missing"),
        ({"sender_name": "An\udc00a"}, "invalid_text"),
        ({"meeting_id": "nope"}, "meeting_id_invalid"),
    ],
)
def test_bad_chat_messages_are_not_stored(session, migrated_url, change, code):
    before = count_rows(migrated_url, ChatMessage)
    args = {
        "room": unique_room(),
        "meeting_id": None,
        "sender_id": "ana",
        "sender_name": "Ana",
        "recipient_id": None,
        "text": "hi",
        "at": T0,
    } | change
    with pytest.raises(ProblemError) as error:
        store.add_chat_message(session, **args)
    assert error.value.problem.code == code
    assert count_rows(migrated_url, ChatMessage) == before


# ---- feedback and reports -------------------------------------------------------


def test_feedback(session, migrated_url):
    meeting_id = str(uuid.uuid4())
    first = store.add_feedback(session, meeting_id, True, "  choppy audio ", "1.0.0")
    second = store.add_feedback(session, meeting_id, False, "   ", "1.0.0", T0)
    rows = {row.id: row for row in session.exec(CallFeedback.__table__.select())}
    assert rows[first].comment == "choppy audio" and rows[first].experienced_issues
    assert rows[second].comment is None and not rows[second].experienced_issues
    before = count_rows(migrated_url, CallFeedback)
    for args in [
        (meeting_id, "yes", None, "1.0"),
        (meeting_id, 1, None, "1.0"),
        (meeting_id, True, "x" * 2001, "1.0"),
        (meeting_id, True, None, ""),
        ("nope", True, None, "1.0"),
    ]:
        with pytest.raises(ProblemError):
            store.add_feedback(session, *args)
    assert count_rows(migrated_url, CallFeedback) == before


def test_bug_reports(session, migrated_url):
    diagnostics = {
        "userAgent": "Chromium",
        "nested": {"list": [1, 2.5, None, True, "ünï 🙂"]},
    }
    reference = store.add_bug_report(session, " It froze. ", diagnostics, T0)
    assert len(reference) == 8 and reference.isalnum() and reference.islower()
    found = store.get_bug_report(session, reference.upper())
    assert found == {
        "reference": reference,
        "text": "It froze.",
        "diagnostics": diagnostics,
        "created": "2026-03-01T12:00:00+00:00",
    }
    other = store.add_bug_report(session, "again", {})
    assert other != reference
    assert store.get_bug_report(session, "zzzzzzzz") is None
    before = count_rows(migrated_url, BugReport)
    for text, diag in [("", {}), ("ok", []), ("ok", {"a": [[[[[[[[1]]]]]]]]})]:
        with pytest.raises(ProblemError):
            store.add_bug_report(session, text, diag)
    with pytest.raises(ProblemError):
        store.get_bug_report(session, "../x")
    assert count_rows(migrated_url, BugReport) == before


def test_track_reports(session, migrated_url):
    meeting_id = str(uuid.uuid4())
    row_id = store.add_track_report(session, meeting_id, "sess1/video-1", "p1", T0)
    row = session.get(TrackReport, row_id)
    assert (row.meeting_id, row.track_id, row.reporter_id) == (
        meeting_id,
        "sess1/video-1",
        "p1",
    )
    before = count_rows(migrated_url, TrackReport)
    for args in [
        (meeting_id, "no-slash", "p1"),
        (meeting_id, "a/b", ""),
        ("x", "a/b", "p1"),
    ]:
        with pytest.raises(ProblemError):
            store.add_track_report(session, *args)
    assert count_rows(migrated_url, TrackReport) == before


# ---- through Reflex's database layer ---------------------------------------


def test_records_db_session_and_run(migrated_url):
    room = unique_room()
    with db.session(migrated_url) as db_session:
        meeting_id = new_meeting(db_session, room)

    async def from_an_event_handler() -> list[dict]:
        await db.run(
            store.add_chat_message,
            room,
            meeting_id,
            "ana",
            "Ana",
            None,
            "via run",
            url=migrated_url,
        )
        return await db.run(store.recent_messages, room, "ana", url=migrated_url)

    messages = asyncio.run(from_an_event_handler())
    assert [m["text"] for m in messages] == ["via run"]


def test_rx_session_works_too(migrated_url):
    db.ensure_migrated(migrated_url)
    with rx.session(migrated_url) as rx_session:
        meeting_id = new_meeting(rx_session, unique_room())
        assert store.get_meeting(rx_session, meeting_id)["attendance"] == []


def test_foreign_keys_are_enforced(migrated_url):
    """Attendance needs its meeting, on SQLite too (PRAGMA foreign_keys)."""
    with db.engine(migrated_url).connect() as connection:
        with pytest.raises(sa.exc.IntegrityError):
            connection.execute(
                sa.text(
                    "INSERT INTO meet_attendance (meeting_id, display_name, joined) "
                    "VALUES ('no-such-meeting', 'x', CURRENT_TIMESTAMP)"
                )
            )
        connection.rollback()
