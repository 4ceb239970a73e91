"""The AI voice participant in the roster (core.roster AddAi/RemoveAi rules)."""

from reflex_meet.core import roster
from reflex_meet.core.roster import (
    AI_USER_ID,
    AddAi,
    Enter,
    Join,
    Leave,
    Mute,
    RemoveAi,
    Sweep,
    apply,
    find_user,
    joined_humans,
)

SID = "a" * 32


def _room_with(*ids: str, joined: bool = True) -> roster.Room:
    room = roster.Room()
    for i, uid in enumerate(ids):
        room = apply(room, Enter(user_id=uid, name=f"P{i}", now=100.0)).room
        if joined:
            room = apply(room, Join(user_id=uid, now=100.0, new_meeting_id="m1")).room
    return room


def _with_ai(room: roster.Room, by: str = "alice0000001") -> roster.Room:
    outcome = apply(
        room, AddAi(by_id=by, session_id=SID, name="AI assistant", now=101.0)
    )
    assert isinstance(outcome, roster.Accepted), outcome
    return outcome.room


def test_a_member_adds_the_ai_as_a_participant_with_its_voice_track():
    room = _with_ai(_room_with("alice0000001"))
    ai = find_user(room, AI_USER_ID)
    assert ai is not None and ai.joined and ai.name == "AI assistant"
    assert ai.transceiverSessionId == SID
    assert ai.tracks.audio == f"{SID}/ai-generated-voice"
    assert ai.tracks.audioEnabled and not ai.tracks.videoEnabled
    assert ai.tracks.video is None
    assert [u.id for u in joined_humans(room)] == ["alice0000001"]
    # Adding again replaces it (a new session), never two AIs.
    again = apply(
        room, AddAi(by_id="alice0000001", session_id="b" * 32, name="AI", now=102.0)
    ).room
    assert [u.id for u in again.users].count(AI_USER_ID) == 1
    assert find_user(again, AI_USER_ID).transceiverSessionId == "b" * 32


def test_only_joined_members_add_or_remove_it():
    lobby = _room_with("bob000000001", joined=False)
    for by in ("bob000000001", "stranger0001", AI_USER_ID, ""):
        outcome = apply(lobby, AddAi(by_id=by, session_id=SID, name="AI", now=1.0))
        assert isinstance(outcome, roster.Refused)
        assert outcome.problem.code == "not_in_room"
    room = _with_ai(_room_with("alice0000001", "bob000000001"))
    room = apply(room, Enter(user_id="carol0000001", name="C", now=1.0)).room
    for by in ("carol0000001", "stranger0001", AI_USER_ID):
        outcome = apply(room, RemoveAi(by_id=by))
        assert isinstance(outcome, roster.Refused), by
    bad = apply(
        room, AddAi(by_id="alice0000001", session_id="../x", name="AI", now=1.0)
    )
    assert isinstance(bad, roster.Refused)
    removed = apply(room, RemoveAi(by_id="bob000000001")).room
    assert find_user(removed, AI_USER_ID) is None
    assert apply(removed, RemoveAi()).room is removed  # idempotent


def test_the_ai_is_never_swept_or_muted_but_leaves_with_the_last_person():
    room = _with_ai(_room_with("alice0000001", "bob000000001"))
    swept = apply(room, Sweep(now=100.0 + 10, timeout=15.0)).room
    assert find_user(swept, AI_USER_ID) is not None  # no heartbeat needed
    muted = apply(room, Mute(by_id="alice0000001", target_id=AI_USER_ID))
    assert isinstance(muted, roster.Refused) and muted.problem.code == "cannot_mute_ai"
    room = apply(room, Leave(user_id="alice0000001")).room
    assert find_user(room, AI_USER_ID) is not None
    outcome = apply(room, Leave(user_id="bob000000001"))
    assert outcome.room.users == ()
    assert outcome.room.meetingId is None
    assert any(isinstance(n, roster.MeetingEnded) for n in outcome.notices)
    # Swept out together with the last person too.
    room = _with_ai(_room_with("alice0000001"))
    outcome = apply(room, Sweep(now=1000.0, timeout=15.0))
    assert outcome.room.users == ()


def test_the_ai_does_not_count_towards_joining_muted():
    ids = [f"p{i:011d}" for i in range(5)]
    room = _with_ai(_room_with(*ids), by=ids[0])
    room = apply(room, Enter(user_id="late00000001", name="Late", now=1.0)).room
    assert not roster.joins_muted(room, "late00000001")  # 5 people + the AI
