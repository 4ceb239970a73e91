"""What the states call: roster changes become records; chat; feedback."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest

from reflex_meet.core import roster
from reflex_meet.core.problems import Problem
from reflex_meet.records import db, service, store
from reflex_meet.records.models import ChatMessage
from reflex_meet.security.rate_limits import Limiter
from tests.records.db_support import count_rows


@pytest.fixture
def records_db(migrated_url: str) -> Iterator[str]:
    db.use_database(migrated_url)
    yield migrated_url
    db.use_database(None)


class Room:
    """Applies roster commands like RoomState does, recording each change."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.state = roster.Room()
        self.now = 1_770_000_000.0

    def apply(self, command: object) -> None:
        self.now += 60
        outcome = roster.apply(self.state, command)
        assert isinstance(outcome, roster.Accepted), outcome
        before = self.state.meetingId
        self.state = outcome.room
        # The one call RoomState._apply would make (here without a loop).
        service.schedule_roster_change(
            self.name, before, outcome.room, outcome.notices, self.now
        )


def test_a_meeting_is_recorded_from_roster_commands(records_db):
    room = Room("room-" + uuid.uuid4().hex[:8])
    meeting_id = str(uuid.uuid4())
    room.apply(roster.Enter(user_id="ana", name="Ana", now=room.now))
    room.apply(roster.Join(user_id="ana", now=room.now, new_meeting_id=meeting_id))
    room.apply(roster.Enter(user_id="bo", name="Bo", now=room.now))
    room.apply(roster.Join(user_id="bo", now=room.now, new_meeting_id="unused"))
    room.apply(roster.Leave(user_id="ana"))
    with db.session() as session:
        running = store.get_meeting(session, meeting_id)
    assert running["ended"] is None and running["peakParticipants"] == 2
    assert [(a["displayName"], a["left"] is None) for a in running["attendance"]] == [
        ("Ana", False),
        ("Bo", True),
    ]
    room.apply(roster.Sweep(now=room.now + 3600))  # Bo times out: meeting ends
    with db.session() as session:
        ended = store.get_meeting(session, meeting_id)
    assert ended["ended"] is not None
    assert all(a["left"] for a in ended["attendance"])
    assert room.state.meetingId is None


def test_background_recording_from_an_event_loop(records_db):
    meeting_id = str(uuid.uuid4())
    name = "room-" + uuid.uuid4().hex[:8]
    state = roster.apply(
        roster.Room(), roster.Enter(user_id="cy", name="Cy", now=1.0)
    ).room
    joined = roster.apply(
        state, roster.Join(user_id="cy", now=2.0, new_meeting_id=meeting_id)
    )

    async def handler() -> None:
        service.schedule_roster_change(name, None, joined.room, joined.notices)
        await asyncio.gather(*service._background)

    asyncio.run(handler())
    with db.session() as session:
        assert (
            store.get_meeting(session, meeting_id)["attendance"][0]["displayName"]
            == "Cy"
        )


def test_records_trouble_never_reaches_the_room(caplog):
    db.use_database("postgresql+psycopg://postgres@127.0.0.1:9/nothing")
    try:
        outcome = roster.apply(
            roster.apply(roster.Room(), roster.Enter("dee", "Dee", 1.0)).room,
            roster.Join("dee", 2.0, str(uuid.uuid4())),
        )
        service.schedule_roster_change("r", None, outcome.room, outcome.notices)
        problem = asyncio.run(
            service.send_chat_message("r", None, "dee", "Dee", None, "hi")
        )
        assert problem == service._UNAVAILABLE
        assert asyncio.run(service.chat_history("r", "dee")) == []
    finally:
        db.use_database(None)
        db.dispose("postgresql+psycopg://postgres@127.0.0.1:9/nothing")
    assert "meeting records failed" in caplog.text


def test_chat(records_db):
    room = "room-" + uuid.uuid4().hex[:8]
    limiter = Limiter()  # 5 messages per 2 s per sender (rate_limits.CHAT)

    async def send(text: object, to: str | None = None) -> dict | Problem:
        return await service.send_chat_message(
            room, None, "ana", "Ana", to, text, limiter=limiter
        )

    async def go() -> tuple:
        first = await send("  hello ")
        invalid = await send("\x00")  # refused before it counts
        direct = await send("psst", "bo")
        more = [await send(f"m{i}") for i in range(3)]
        limited = await send("sixth")
        return (
            first,
            invalid,
            direct,
            more,
            limited,
            await service.chat_history(room, "cy"),
        )

    before = count_rows(records_db, ChatMessage)
    first, invalid, direct, more, limited, seen_by_cy = asyncio.run(go())
    assert first["text"] == "hello" and direct["private"]
    assert isinstance(invalid, Problem) and invalid.code == "chat_text_control_chars"
    assert all(isinstance(m, dict) for m in more)
    assert isinstance(limited, Problem) and limited.code == "chat_rate_limited"
    assert "try again in" in limited.description
    assert [m["text"] for m in seen_by_cy] == ["hello", "m0", "m1", "m2"]
    assert count_rows(records_db, ChatMessage) == before + 5


def test_chat_limit_is_shared_by_workers(records_db, redis_url):
    """Two workers (two limiters on one Redis) share a sender's 5 per 2 s."""
    room = "room-" + uuid.uuid4().hex[:8]

    async def go() -> list:
        name = "test-chat-" + uuid.uuid4().hex[:8]
        workers = [Limiter(redis_url, key_prefix=name) for _ in range(2)]
        try:
            return [
                await service.send_chat_message(
                    room, None, "ana", "Ana", None, f"m{i}", limiter=workers[i % 2]
                )
                for i in range(8)
            ]
        finally:
            await workers[0].reset()

    sent = asyncio.run(go())
    assert all(isinstance(m, dict) for m in sent[:5])
    assert all(isinstance(m, Problem) for m in sent[5:])
    assert {m.code for m in sent[5:]} == {"chat_rate_limited"}


def test_feedback(records_db):
    meeting_id = str(uuid.uuid4())
    assert asyncio.run(service.submit_feedback(meeting_id, True, "lag", "1.0")) is None
    problem = asyncio.run(service.submit_feedback(meeting_id, "yes", None, "1.0"))
    assert problem.code == "invalid_type"
