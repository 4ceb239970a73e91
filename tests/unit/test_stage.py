import pytest

from core.roster import Enter, Join, Room, SetSession, UpdateOwn, apply
from core.stage import (
    Tile,
    effective_pin,
    order_stage,
    stage_capacity,
    tiles_for,
    toggle_pin,
)


def cam(uid, active):
    return Tile(f"{uid}:camera", uid, "camera", active)


def screen(uid, active):
    return Tile(f"{uid}:screen", uid, "screen", active)


@pytest.mark.parametrize(
    ("sharing", "narrow", "expected"),
    [(False, False, 9), (True, False, 5), (False, True, 2), (True, True, 2)],
)
def test_capacity(sharing, narrow, expected):
    assert stage_capacity(screen_sharing=sharing, narrow=narrow) == expected


def test_self_first_then_screens_then_most_recent():
    tiles = [cam("a", 1), cam("b", 5), screen("c", 0), cam("me", 0), cam("c", 3)]
    layout = order_stage(tiles, self_id="me", capacity=9)
    assert layout.on_stage == (
        "me:camera",
        "c:screen",
        "b:camera",
        "c:camera",
        "a:camera",
    )
    assert layout.off_stage == ()


def test_capacity_limits_and_overflow_most_active_first():
    tiles = [cam(f"u{i}", float(i)) for i in range(12)] + [cam("me", 0)]
    layout = order_stage(tiles, self_id="me", capacity=9)
    assert len(layout.on_stage) == 9
    assert layout.on_stage[0] == "me:camera"
    assert set(layout.on_stage[1:]) == {f"u{i}:camera" for i in range(4, 12)}
    assert layout.off_stage == tuple(f"u{i}:camera" for i in (3, 2, 1, 0))


def test_narrow_screen_shows_two():
    tiles = [cam("me", 0), cam("a", 1), cam("b", 2)]
    layout = order_stage(
        tiles, self_id="me", capacity=stage_capacity(screen_sharing=False, narrow=True)
    )
    assert layout.on_stage == ("me:camera", "b:camera")


def test_pinned_tile_comes_first_even_if_idle():
    tiles = [cam("me", 0), cam("a", 9), cam("idle", 0)]
    layout = order_stage(tiles, self_id="me", pinned="idle:camera", capacity=2)
    assert layout.on_stage == ("idle:camera", "me:camera")


def test_same_input_same_output():
    tiles = [cam("b", 1), cam("a", 1), cam("c", 1)]
    first = order_stage(tiles, self_id=None, capacity=9)
    assert first == order_stage(list(reversed(tiles)), self_id=None, capacity=9)
    assert first.on_stage == ("a:camera", "b:camera", "c:camera")  # ties by key


def test_previous_order_is_kept_when_activity_changes_on_stage():
    tiles = [cam("me", 0), cam("a", 1), cam("b", 2), cam("c", 3)]
    previous = ("me:camera", "a:camera", "b:camera", "c:camera")
    tiles[1] = cam("a", 100)  # a becomes most active, already on stage
    layout = order_stage(tiles, self_id="me", previous=previous, capacity=9)
    assert layout.on_stage == previous


def test_newcomer_goes_last_when_there_is_room():
    previous = ("me:camera", "a:camera", "b:camera")
    tiles = [cam("me", 0), cam("a", 1), cam("b", 2), cam("new", 50)]
    layout = order_stage(tiles, self_id="me", previous=previous, capacity=9)
    assert layout.on_stage == (*previous, "new:camera")


def test_active_off_stage_tile_takes_the_least_active_place():
    previous = ("me:camera", "a:camera", "b:camera")
    tiles = [cam("me", 0), cam("a", 5), cam("b", 1), cam("c", 9)]
    layout = order_stage(tiles, self_id="me", previous=previous, capacity=3)
    assert layout.on_stage == ("me:camera", "a:camera", "c:camera")
    assert layout.off_stage == ("b:camera",)
    # A less active off-stage tile does not displace anyone.
    tiles = [cam("me", 0), cam("a", 5), cam("b", 4), cam("c", 3)]
    layout = order_stage(tiles, self_id="me", previous=previous, capacity=3)
    assert layout.on_stage == previous


def test_screen_share_makes_room_on_a_full_stage():
    previous = ("me:camera", "a:camera", "b:camera")
    tiles = [cam("me", 0), cam("a", 5), cam("b", 1), screen("b", 1)]
    layout = order_stage(tiles, self_id="me", previous=previous, capacity=3)
    assert layout.on_stage == ("me:camera", "b:screen", "a:camera")


def test_tiles_for_joined_users_and_shares():
    room = Room()
    for uid in ("a", "b"):
        room = apply(room, Enter(uid, uid.upper(), 1.0)).room
    room = apply(room, Join("a", 2.0, "m")).room
    room = apply(room, SetSession("a", "s")).room
    room = apply(
        room,
        UpdateOwn(
            "a", {"tracks.screenshare": "s/screen", "tracks.screenShareEnabled": True}
        ),
    ).room
    tiles = tiles_for(room.users, activity={"a": 7.0})
    assert [(t.key, t.kind, t.last_active) for t in tiles] == [
        ("a:camera", "camera", 7.0),
        ("a:screen", "screen", 7.0),
    ]


def test_newest_screen_share_is_pinned_automatically():
    tiles = [cam("me", 0), cam("a", 1), screen("a", 5), screen("b", 7)]
    assert effective_pin(tiles, pinned=None) == "b:screen"
    assert effective_pin(tiles, pinned="", dismissed=["b:screen"]) == "a:screen"
    assert effective_pin(tiles, pinned="a:camera") == "a:camera"
    assert effective_pin(tiles, pinned="gone:camera") == "b:screen"
    assert effective_pin([cam("me", 0)], pinned=None) is None


def test_toggle_pin():
    assert toggle_pin("a:camera", current=None) == ("a:camera", ())
    assert toggle_pin("a:camera", current="a:camera") == ("", ())
    # Unpinning an automatically pinned share keeps it from coming back.
    assert toggle_pin("b:screen", current="b:screen") == ("", ("b:screen",))
    assert toggle_pin("b:screen", current=None, dismissed=("b:screen",)) == (
        "b:screen",
        (),
    )
