"""The roster as browsers receive it: snapshot, then numbered small changes."""

from __future__ import annotations

import dataclasses
import json

from reflex_meet.core.roster import Tracks, User, user_from_wire
from reflex_meet.core.roster_feed import (
    LOG_BUDGET,
    LOG_SIZE,
    append_changes,
    changes_between,
    lobby_changes,
    members,
    snapshot,
)


def _user(uid: str, **extra: object) -> User:
    tracks = Tracks(
        audio=f"session-{uid}-0123456789abcdef/mic-{uid}",
        video=f"session-{uid}-0123456789abcdef/cam-{uid}",
    )
    fields: dict[str, object] = {"tracks": tracks, "joined": True, "joinedAt": 1.0}
    fields.update(extra)
    fields.setdefault("name", f"Person {uid}")
    return User(id=uid, **fields)  # type: ignore[arg-type]


def test_a_new_entry_is_sent_whole_and_a_leaving_one_by_id():
    a, b = _user("a"), _user("b")
    changes = changes_between((a,), (b,))
    assert changes[0] == {"id": "a", "del": True}
    assert changes[1]["id"] == "b"
    assert user_from_wire(changes[1]["put"]) == b


def test_a_field_change_holds_only_that_field():
    a = _user("a")
    raised = dataclasses.replace(a, raisedHand=True, handRaisedAt=5.0)
    assert changes_between((a,), (raised,)) == [
        {"id": "a", "set": {"raisedHand": True, "handRaisedAt": 5.0}}
    ]
    muted = dataclasses.replace(
        a, tracks=dataclasses.replace(a.tracks, audioEnabled=False)
    )
    assert changes_between((a,), (muted,)) == [
        {"id": "a", "set": {"tracks": {"audioEnabled": False}}}
    ]
    assert changes_between((a,), (a,)) == []


def test_a_raised_hand_costs_the_same_in_a_room_of_2_and_of_50():
    def hand_change_size(n: int) -> int:
        users = tuple(_user(f"u{i:02d}") for i in range(n))
        after = (dataclasses.replace(users[0], raisedHand=True, handRaisedAt=9.0),)
        log, _ = append_changes([], changes_between(users, after + users[1:]), 0)
        return len(json.dumps(log))

    assert hand_change_size(2) == hand_change_size(50) < 200


def test_the_log_is_numbered_and_keeps_the_latest_changes():
    log, seq = append_changes([], [{"id": "a", "del": True}], 0)
    assert log == [{"seq": 1, "id": "a", "del": True}] and seq == 1
    for i in range(20):
        log, seq = append_changes(log, [{"id": f"x{i}", "del": True}], seq)
    assert seq == 21
    assert [c["seq"] for c in log] == list(range(22 - LOG_SIZE, 22))
    assert append_changes(log, [], seq) == (log, seq)


def test_the_log_stays_within_its_byte_budget_but_keeps_the_latest_change():
    users = tuple(_user(f"u{i:02d}", name="N" * 40) for i in range(6))
    log, seq = append_changes([], changes_between((), users), 0)
    assert len(json.dumps(log, separators=(",", ":"))) <= LOG_BUDGET
    assert log[-1]["seq"] == seq == 6
    assert [c["seq"] for c in log] == list(range(7 - len(log), 7))
    huge = [{"id": "z", "put": {"name": "x" * 5000}}]
    log, seq = append_changes(log, huge, seq)
    assert [c["seq"] for c in log] == [7]


def test_a_snapshot_holds_the_members_and_the_tabs_own_entry():
    users = (_user("a"), _user("b", joined=False))
    shot = snapshot(users, 7, own_id="b")
    assert shot["seq"] == 7
    assert [user_from_wire(u) for u in shot["users"]] == [users[0]]
    assert user_from_wire(shot["own"]) == users[1]
    assert snapshot(users, 7)["own"] is None


def test_lobby_visitors_are_not_in_the_shared_log_until_they_join():
    a, visitor = _user("a"), _user("v", joined=False)
    assert members((a, visitor)) == (a,)
    assert lobby_changes((a,), (a, visitor)) == ["v"]
    muted = dataclasses.replace(
        visitor, tracks=dataclasses.replace(visitor.tracks, audioEnabled=False)
    )
    assert lobby_changes((a, visitor), (a, muted)) == ["v"]
    assert changes_between(members((a, visitor)), members((a, muted))) == []
    joined = dataclasses.replace(muted, joined=True)
    assert lobby_changes((a, muted), (a, joined)) == []
    [change] = changes_between(members((a, muted)), members((a, joined)))
    assert change["id"] == "v" and user_from_wire(change["put"]) == joined
