import dataclasses

import pytest

from reflex_meet.core import roster
from reflex_meet.core.roster import (
    Accepted,
    Enter,
    Heartbeat,
    Join,
    Leave,
    MeetingEnded,
    MeetingStarted,
    Mute,
    RaiseHand,
    Refused,
    Room,
    SetName,
    Sweep,
    UpdateOwn,
    UserJoined,
    UserLeft,
    UserMuted,
    apply,
    find_user,
    people_count,
)


def ok(room, command):
    outcome = apply(room, command)
    assert isinstance(outcome, Accepted), outcome
    return outcome


def refused(room, command):
    outcome = apply(room, command)
    assert isinstance(outcome, Refused), outcome
    return outcome.problem.code


def room_with(*names, joined=True, now=100.0):
    room = Room()
    for index, name in enumerate(names):
        uid = name.lower()
        room = ok(room, Enter(uid, name, now)).room
        if joined:
            room = ok(room, Join(uid, now + index, f"m-{uid}")).room
    return room


def test_enter_adds_a_lobby_entry_without_starting_a_meeting():
    room = ok(Room(), Enter("a", "Ada", 1.0)).room
    assert find_user(room, "a").joined is False
    assert room.meetingId is None
    assert people_count(room) == 0
    assert room.lastSeen == {"a": 1.0}


def test_enter_twice_refreshes_name_and_time():
    room = ok(Room(), Enter("a", "Ada", 1.0)).room
    room = ok(room, Enter("a", "Ada L", 2.0)).room
    assert len(room.users) == 1
    assert find_user(room, "a").name == "Ada L"
    assert room.lastSeen["a"] == 2.0


def test_enter_refuses_a_bad_name():
    assert refused(Room(), Enter("a", "  ", 1.0)) == "name_missing"
    assert refused(Room(), Enter("a", "x" * 51, 1.0)) == "name_too_long"


def test_first_join_starts_the_meeting_and_later_joins_keep_it():
    room = ok(Room(), Enter("a", "Ada", 1.0)).room
    outcome = ok(room, Join("a", 2.0, "m1"))
    assert outcome.room.meetingId == "m1"
    assert outcome.notices == (MeetingStarted("m1"), UserJoined("a", "Ada"))
    room = ok(outcome.room, Enter("b", "Bob", 3.0)).room
    outcome = ok(room, Join("b", 4.0, "m2"))
    assert outcome.room.meetingId == "m1"
    assert outcome.notices == (UserJoined("b", "Bob"),)
    assert people_count(outcome.room) == 2


def test_join_requires_entering_first_and_is_idempotent():
    assert refused(Room(), Join("a", 1.0, "m")) == "not_in_room"
    room = room_with("Ada")
    again = ok(room, Join("ada", 9.0, "other"))
    assert again.room is room
    assert again.notices == ()


def test_joining_a_meeting_of_more_than_five_starts_muted():
    five = room_with("A", "B", "C", "D", "E")
    five = ok(five, Enter("f", "F", 200.0)).room
    sixth = find_user(ok(five, Join("f", 201.0, "m")).room, "f")
    assert sixth.joined and sixth.tracks.audioEnabled  # 5 others: not muted
    six = room_with("A", "B", "C", "D", "E", "F")
    assert roster.joins_muted(six, "g") and not roster.joins_muted(six, "f")
    six = ok(six, Enter("g", "G", 200.0)).room
    seventh = find_user(ok(six, Join("g", 201.0, "m")).room, "g")
    assert seventh.joined and not seventh.tracks.audioEnabled
    # The camera and everything else is as chosen in the lobby.
    assert seventh.tracks.videoEnabled == find_user(six, "g").tracks.videoEnabled
    assert roster.AUTO_MUTE_ABOVE == 5


def test_last_leave_ends_the_meeting():
    room = room_with("Ada", "Bob")
    outcome = ok(room, Leave("ada"))
    assert outcome.room.meetingId == room.meetingId
    assert outcome.notices == (UserLeft("ada", "Ada", "left"),)
    outcome = ok(outcome.room, Leave("bob"))
    assert outcome.room.meetingId is None
    assert outcome.notices == (UserLeft("bob", "Bob", "left"), MeetingEnded("m-ada"))
    assert outcome.room.users == ()
    assert outcome.room.lastSeen == {}


def test_lobby_visitor_leaving_is_silent_and_keeps_the_meeting():
    room = room_with("Ada")
    room = ok(room, Enter("eve", "Eve", 100.0)).room
    outcome = ok(room, Leave("eve"))
    assert outcome.notices == ()
    assert outcome.room.meetingId == "m-ada"


def test_leave_of_someone_absent_changes_nothing():
    room = room_with("Ada")
    outcome = ok(room, Leave("ghost"))
    assert outcome.room is room


def test_meeting_restarts_with_a_new_id_after_it_ended():
    room = room_with("Ada")
    room = ok(room, Leave("ada")).room
    room = ok(room, Enter("ada", "Ada", 5.0)).room
    assert ok(room, Join("ada", 6.0, "m-new")).room.meetingId == "m-new"


def test_sweep_boundaries():
    room = room_with("Ada", "Bob", now=100.0)
    room = ok(room, Heartbeat("bob", 110.0)).room
    # Exactly 15 s of silence is kept ...
    kept = ok(room, Sweep(now=115.0))  # ada last seen 100 (join), bob 110
    assert {u.id for u in kept.room.users} == {"ada", "bob"}
    # ... more than 15 s is dropped, with a timed-out notice.
    outcome = ok(room, Sweep(now=115.001))
    assert {u.id for u in outcome.room.users} == {"bob"}
    assert outcome.notices == (UserLeft("ada", "Ada", "timed_out"),)


def test_sweep_exactly_at_the_timeout_keeps_the_user():
    room = ok(Room(), Enter("a", "Ada", 10.0)).room
    assert ok(room, Sweep(now=25.0)).room is room
    assert ok(room, Sweep(now=25.01)).room.users == ()


def test_sweeping_everyone_ends_the_meeting():
    room = room_with("Ada", now=0.0)
    outcome = ok(room, Sweep(now=100.0))
    assert outcome.room.meetingId is None
    assert MeetingEnded("m-ada") in outcome.notices


def test_heartbeat_only_touches_last_seen():
    room = room_with("Ada")
    outcome = ok(room, Heartbeat("ada", 500.0))
    assert outcome.room.users == room.users
    assert outcome.room.lastSeen["ada"] == 500.0
    assert refused(room, Heartbeat("ghost", 1.0)) == "not_in_room"


def test_two_tabs_of_one_person_are_independent():
    room = room_with("Ada")
    room = ok(room, Enter("ada-tab2", "Ada", 100.0)).room
    room = ok(room, Join("ada-tab2", 101.0, "x")).room
    assert people_count(room) == 2
    room = ok(room, Leave("ada")).room
    assert [u.id for u in room.users] == ["ada-tab2"]
    assert room.meetingId == "m-ada"


def with_session(room, user_id, session_id):
    return ok(room, roster.SetSession(user_id, session_id)).room


def test_update_own_field_by_field():
    room = with_session(room_with("Ada"), "ada", "sess-1")
    outcome = ok(
        room,
        UpdateOwn(
            "ada",
            {
                "speaking": True,
                "tracks.audio": "sess-1/mic",
                "tracks.videoEnabled": False,
            },
        ),
    )
    ada = find_user(outcome.room, "ada")
    assert ada.speaking is True
    assert ada.transceiverSessionId == "sess-1"
    assert ada.tracks.audio == "sess-1/mic"
    assert ada.tracks.videoEnabled is False
    assert ada.tracks.audioEnabled is True
    assert ada.name == "Ada"


def test_tracks_can_only_be_announced_on_ones_own_session():
    room = room_with("Ada", "Bob")
    assert refused(room, UpdateOwn("ada", {"tracks.audio": "s1/mic"})) == (
        "foreign_track"
    )
    room = with_session(with_session(room, "ada", "s1"), "bob", "s2")
    for track in ("s2/mic", "s1x/mic", "s/mic"):
        assert refused(room, UpdateOwn("ada", {"tracks.video": track})) == (
            "foreign_track"
        )
    ada = find_user(ok(room, UpdateOwn("ada", {"tracks.video": "s1/cam"})).room, "ada")
    assert ada.tracks.video == "s1/cam"


def test_a_new_session_drops_the_old_track_ids():
    room = with_session(room_with("Ada"), "ada", "s1")
    room = ok(
        room, UpdateOwn("ada", {"tracks.audio": "s1/mic", "tracks.audioEnabled": False})
    ).room
    assert with_session(room, "ada", "s1") is room
    ada = find_user(with_session(room, "ada", "s2"), "ada")
    assert ada.transceiverSessionId == "s2"
    assert ada.tracks.audio is None
    assert ada.tracks.audioEnabled is False


def test_set_session_refuses_strangers_and_bad_ids():
    assert refused(room_with("Ada"), roster.SetSession("bob", "s1")) == "not_in_room"
    assert refused(room_with("Ada"), roster.SetSession("ada", "a/b")) == (
        "invalid_format"
    )


def test_update_own_raising_a_hand_records_when():
    room = room_with("Ada")
    ada = find_user(
        ok(room, UpdateOwn("ada", {"raisedHand": True}, now=7.0)).room, "ada"
    )
    assert ada.raisedHand is True
    assert ada.handRaisedAt == 7.0


def test_update_own_that_changes_nothing_returns_the_same_room():
    room = room_with("Ada")
    assert ok(room, UpdateOwn("ada", {"speaking": False})).room is room


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({}, "no_changes"),
        ({"raisedHand": "yes"}, "invalid_type"),
        ({"raisedHand": 1}, "invalid_type"),
        ({"tracks.audioEnabled": None}, "invalid_type"),
        ({"tracks.audio": 12}, "invalid_type"),
        ({"tracks.audio": "s/" + "x" * 300}, "too_long"),
        ({"tracks.video": "no-slash"}, "invalid_format"),
        ({"transceiverSessionId": "sess-2"}, "field_not_writable"),
        ({"id": "bob"}, "field_not_writable"),
        ({"name": "Mallory"}, "field_not_writable"),
        ({"joined": False}, "field_not_writable"),
        ({"joinedAt": 0.0}, "field_not_writable"),
        ({"tracks": {"audioEnabled": False}}, "field_not_writable"),
        ({"colour": "red"}, "unknown_field"),
        ({"tracks.bogus": True}, "unknown_field"),
        ({"k" * 100: True}, "unknown_field"),
        ({f"k{i}": True for i in range(17)}, "too_many_changes"),
    ],
)
def test_update_own_refusals(changes, problem):
    room = room_with("Ada")
    assert refused(room, UpdateOwn("ada", changes)) == problem


def test_a_refused_update_changes_nothing_even_if_some_fields_were_valid():
    room = room_with("Ada")
    assert refused(room, UpdateOwn("ada", {"speaking": True, "name": "X"}))
    assert find_user(room, "ada").speaking is False


def test_update_own_of_someone_absent():
    assert refused(Room(), UpdateOwn("ghost", {"speaking": True})) == "not_in_room"


def test_raise_and_lower_hand():
    room = room_with("Ada")
    raised = ok(room, RaiseHand("ada", True, 50.0)).room
    assert find_user(raised, "ada").raisedHand is True
    assert find_user(raised, "ada").handRaisedAt == 50.0
    lowered = ok(raised, RaiseHand("ada", False, 60.0)).room
    assert find_user(lowered, "ada").raisedHand is False
    assert find_user(lowered, "ada").handRaisedAt == 50.0
    assert refused(room, RaiseHand("ada", "yes", 1.0)) == "invalid_type"  # type: ignore[arg-type]


def test_mute_turns_only_the_target_mic_off():
    room = room_with("Ada", "Bob")
    outcome = ok(room, Mute(by_id="bob", target_id="ada"))
    assert find_user(outcome.room, "ada").tracks.audioEnabled is False
    assert find_user(outcome.room, "bob").tracks.audioEnabled is True
    assert outcome.notices == (UserMuted("ada", "bob", "Bob"),)
    # Muting again is a no-op.
    again = ok(outcome.room, Mute(by_id="bob", target_id="ada"))
    assert again.room is outcome.room
    assert again.notices == ()


def test_only_the_target_can_unmute():
    room = ok(room_with("Ada", "Bob"), Mute(by_id="bob", target_id="ada")).room
    # No command lets Bob touch Ada's entry: UpdateOwn acts on the caller only.
    bob_update = ok(room, UpdateOwn("bob", {"tracks.audioEnabled": True})).room
    assert find_user(bob_update, "ada").tracks.audioEnabled is False
    ada_update = ok(room, UpdateOwn("ada", {"tracks.audioEnabled": True})).room
    assert find_user(ada_update, "ada").tracks.audioEnabled is True


@pytest.mark.parametrize(
    ("by", "target", "problem"),
    [
        ("ada", "ada", "cannot_mute_self"),
        ("ada", "ghost", "unknown_participant"),
        ("ghost", "ada", "not_in_room"),
        ("eve", "ada", "not_in_room"),  # a lobby visitor cannot mute
        ("ada", "eve", "unknown_participant"),  # nor be muted
    ],
)
def test_mute_refusals(by, target, problem):
    room = room_with("Ada", "Bob")
    room = ok(room, Enter("eve", "Eve", 100.0)).room
    assert refused(room, Mute(by_id=by, target_id=target)) == problem


def test_set_name():
    room = room_with("Ada")
    assert find_user(ok(room, SetName("ada", " Ada L ")).room, "ada").name == "Ada L"
    assert refused(room, SetName("ada", "")) == "name_missing"


def test_unknown_command():
    assert refused(Room(), object()) == "unknown_command"


def test_wire_round_trip():
    room = with_session(room_with("Ada"), "ada", "s")
    user = find_user(ok(room, UpdateOwn("ada", {"tracks.audio": "s/a"})).room, "ada")
    wire = roster.user_to_wire(user)
    assert wire["tracks"]["audio"] == "s/a"
    assert set(wire) >= {
        "id",
        "name",
        "joined",
        "raisedHand",
        "speaking",
        "transceiverSessionId",
        "tracks",
    }
    assert roster.user_from_wire(wire) == user


def test_commands_never_mutate_their_input():
    room = room_with("Ada", "Bob")
    snapshot = dataclasses.replace(room, lastSeen=dict(room.lastSeen))
    for command in (
        Heartbeat("ada", 999.0),
        Leave("bob"),
        Sweep(now=10_000.0),
        Mute(by_id="bob", target_id="ada"),
    ):
        apply(room, command)
    assert room == snapshot


def test_a_microphone_the_browser_could_not_open_is_never_on():
    room = room_with("Ada", "Bob")
    room = ok(room, UpdateOwn("ada", {"tracks.audioUnavailable": True})).room
    ada = find_user(room, "ada")
    assert ada.tracks.audioUnavailable
    assert ada.tracks.audioEnabled is False, "others must see it off"
    # Turning it on (a shortcut, a forged event) leaves it off.
    room = ok(room, UpdateOwn("ada", {"tracks.audioEnabled": True})).room
    assert find_user(room, "ada").tracks.audioEnabled is False
    # Once the browser has the microphone again, it can be turned on.
    room = ok(
        room,
        UpdateOwn(
            "ada", {"tracks.audioUnavailable": False, "tracks.audioEnabled": True}
        ),
    ).room
    assert find_user(room, "ada").tracks.audioEnabled is True
