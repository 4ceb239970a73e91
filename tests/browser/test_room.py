"""Two people in one room, in real Chromium: presence, hands, mute, leave."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from launch.room_page import (
    bridge_update,
    go_to_lobby,
    join,
    self_tile,
    tile_named,
    tiles,
)
from tests.browser.conftest import new_room_id


def test_room_without_a_name_goes_home_and_comes_back(app_server, browser):
    url = app_server["url"]
    room = new_room_id()
    context = browser.new_context(permissions=["camera", "microphone"])
    page = context.new_page()
    page.goto(f"{url}/{room}")
    page.wait_for_url(re.compile(r"/\?next="))
    expect(page.get_by_text("Enter your name to continue to the room.")).to_be_visible()
    page.get_by_label("Your name").fill("  Ada  ")
    page.get_by_test_id("save-name").click()
    page.wait_for_url(f"**/{room}")
    expect(page.get_by_text("Joining as Ada")).to_be_visible()
    context.close()


def test_two_people_see_each_other(app_server, person):
    url = app_server["url"]
    room = new_room_id()
    ada = person(url, "Ada")
    go_to_lobby(ada, url, room)
    expect(ada.get_by_test_id("people-count")).to_have_attribute("data-count", "0")
    ada.get_by_test_id("join").click()
    expect(tiles(ada)).to_have_count(1)

    bob = person(url, "Bob")
    go_to_lobby(bob, url, room)
    expect(bob.get_by_test_id("people-count")).to_have_text("1 person in the room")
    bob.get_by_test_id("join").click()

    for page in (ada, bob):
        expect(tiles(page)).to_have_count(2)
        expect(page.get_by_test_id("people-count")).to_have_text("2 people in the room")
    # Self first on each screen.
    expect(tiles(ada).first).to_have_attribute("data-self", "true")
    expect(tiles(ada).first).to_contain_text("Ada")
    expect(tiles(bob).first).to_contain_text("Bob")
    expect(tile_named(ada, "Bob")).to_be_visible()
    expect(tile_named(bob, "Ada")).to_be_visible()
    # Join announced to screen readers on the other side.
    expect(ada.get_by_test_id("room-announcer")).to_have_text("Bob joined")


def test_raised_hand_shows_on_the_other_screen(app_server, person):
    url = app_server["url"]
    room = new_room_id()
    ada, bob = person(url, "Ada"), person(url, "Bob")
    join(ada, url, room)
    join(bob, url, room)
    hand = ada.get_by_role("button", name="Raise hand")
    expect(hand).to_have_attribute("aria-pressed", "false")
    hand.click()
    expect(hand).to_have_attribute("aria-pressed", "true")
    expect(tile_named(bob, "Ada")).to_have_attribute("data-hand", "raised")
    hand.click()
    expect(tile_named(bob, "Ada")).to_have_attribute("data-hand", "down")


def test_mute_request_turns_the_target_mic_off(app_server, person):
    url = app_server["url"]
    room = new_room_id()
    ada, bob = person(url, "Ada"), person(url, "Bob")
    join(ada, url, room)
    join(bob, url, room)
    ada_mic = ada.get_by_role("button", name="Microphone")
    expect(ada_mic).to_have_attribute("aria-pressed", "true")

    bob.get_by_role("button", name="Participants").click()
    panel = bob.get_by_test_id("participants-panel")
    panel.get_by_role("button", name="Mute Ada?").click()
    bob.get_by_test_id("confirm-mute").click()

    expect(ada_mic).to_have_attribute("aria-pressed", "false")
    expect(tile_named(bob, "Ada")).to_have_attribute("data-mic", "off")
    expect(self_tile(ada)).to_have_attribute("data-mic", "off")
    expect(ada.get_by_test_id("room-announcer")).to_have_text("You were muted by Bob.")
    # Bob has no way to turn it back on; Ada does.
    expect(panel.get_by_role("button", name="Mute Ada?")).to_have_count(0)
    ada_mic.click()
    expect(tile_named(bob, "Ada")).to_have_attribute("data-mic", "on")


def test_keyboard_shortcuts_toggle_mic_and_camera(app_server, person):
    url = app_server["url"]
    room = new_room_id()
    ada = person(url, "Ada")
    join(ada, url, room)
    mic = ada.get_by_role("button", name="Microphone")
    camera = ada.get_by_role("button", name="Camera")
    ada.keyboard.press("Control+d")
    expect(mic).to_have_attribute("aria-pressed", "false")
    ada.keyboard.press("Control+e")
    expect(camera).to_have_attribute("aria-pressed", "false")
    ada.keyboard.press("Control+d")
    expect(mic).to_have_attribute("aria-pressed", "true")


def test_leaving_removes_the_tile_at_once(app_server, person):
    url = app_server["url"]
    room = new_room_id()
    ada, bob = person(url, "Ada"), person(url, "Bob")
    join(ada, url, room)
    join(bob, url, room)
    expect(tiles(ada)).to_have_count(2)
    started = time.monotonic()
    bob.get_by_role("button", name="Leave").click()
    expect(tiles(ada)).to_have_count(1, timeout=4_000)
    assert time.monotonic() - started < 4
    expect(ada.get_by_test_id("room-announcer")).to_have_text("Bob left")


def test_page_unload_removes_the_tile_at_once(app_server, person):
    url = app_server["url"]
    room = new_room_id()
    ada, bob = person(url, "Ada"), person(url, "Bob")
    join(ada, url, room)
    join(bob, url, room)
    expect(tiles(ada)).to_have_count(2)
    bob.goto("about:blank")  # pagehide → beacon
    expect(tiles(ada)).to_have_count(1, timeout=4_000)


def test_closed_context_disappears_within_30s(app_server, person):
    url = app_server["url"]
    room = new_room_id()
    ada, bob = person(url, "Ada"), person(url, "Bob")
    join(ada, url, room)
    join(bob, url, room)
    expect(tiles(ada)).to_have_count(2)
    # A crashed tab sends no beacon: disable it so only the sweep removes Bob.
    bob.evaluate("() => { navigator.sendBeacon = () => true; }")
    bob.context.close()
    expect(tiles(ada)).to_have_count(1, timeout=30_000)
    expect(ada.get_by_test_id("room-announcer")).to_have_text("Bob lost connection")


def test_two_tabs_are_two_participants(app_server, person):
    url = app_server["url"]
    room = new_room_id()
    first = person(url, "Ada")
    join(first, url, room)
    second = first.context.new_page()
    join(second, url, room)
    expect(tiles(first)).to_have_count(2)
    expect(tiles(second)).to_have_count(2)
    second.close()
    expect(tiles(first)).to_have_count(1, timeout=4_000)


def test_invalid_names_are_refused_with_a_message(app_server, person):
    url = app_server["url"]
    page = person(url, "")
    page.get_by_test_id("new-room").click()
    expect(page.get_by_test_id("name-error")).to_have_text("Please enter your name.")
    page.get_by_label("Your name").fill("x" * 51)
    page.get_by_test_id("new-room").click()
    expect(page.get_by_test_id("name-error")).to_have_text(
        "Your name can be at most 50 characters."
    )
    page.get_by_label("Your name").fill("Eve\u202e")
    page.get_by_test_id("new-room").click()
    expect(page.get_by_test_id("name-error")).to_contain_text("can't be shown")

    page.get_by_label("Your name").fill("Eve")
    page.get_by_label("Room name").fill("Bad/Room!")
    page.get_by_role("button", name="Join room").click()
    expect(page.get_by_test_id("room-error")).to_contain_text("may only use letters")
    page.get_by_label("Room name").fill("r" * 65)
    page.get_by_role("button", name="Join room").click()
    expect(page.get_by_test_id("room-error")).to_contain_text("at most 64")
    # Spaces and capitals are normalised, not refused.
    page.get_by_label("Room name").fill("  Team Standup ")
    page.get_by_role("button", name="Join room").click()
    page.wait_for_url("**/team-standup")
    # A bad room name typed in the address bar goes home with a message.
    page.goto(f"{url}/bad_room")
    page.wait_for_url(f"{url}/")
    expect(page.get_by_test_id("room-error")).to_contain_text("may only use letters")


def test_bad_events_change_nothing_and_are_logged(app_server, person):
    url = app_server["url"]
    room = new_room_id()
    ada, bob = person(url, "Ada"), person(url, "Bob")
    join(ada, url, room)
    join(bob, url, room)
    before = tile_named(bob, "Ada")
    expect(before).to_have_attribute("data-hand", "down")
    bad_updates = [
        {"raisedHand": "yes"},
        {"raisedHand": 1},
        {"tracks.audioEnabled": None},
        {"tracks.audio": "s/" + "x" * 5000},
        {"name": "Mallory"},
        {"id": "someone-else"},
        {"joined": False},
        {f"k{i}": True for i in range(40)},
    ]
    for changes in bad_updates:
        bridge_update(ada, changes)
    ada.evaluate("() => window.meetBridge.updateOwn('not an object')")
    # A good update afterwards still works (nothing got stuck) ...
    bridge_update(ada, {"raisedHand": True})
    expect(before).to_have_attribute("data-hand", "raised")
    # ... and nothing of the bad ones landed.
    expect(before).to_have_attribute("data-mic", "on")
    expect(tile_named(bob, "Ada")).to_contain_text("Ada")
    expect(tile_named(bob, "Mallory")).to_have_count(0)
    expect(tiles(bob)).to_have_count(2)
    log = app_server["log"].read_text()
    for code in ("invalid_type", "too_long", "field_not_writable", "too_many_changes"):
        assert code in log, f"refusal {code} was not logged"
    assert "changes must be an object" in log


def test_heartbeats_cost_the_other_members_nothing(app_server, person):
    """Measured room traffic: an idle room sends its members no messages."""
    url = app_server["url"]
    room = new_room_id()
    ada, bob = person(url, "Ada"), person(url, "Bob")
    deltas: list[int] = []
    beats: list[str] = []

    def watch(ws):
        ws.on(
            "framereceived",
            lambda frame: deltas.append(len(frame)) if "delta" in str(frame) else None,
        )

    bob.on("websocket", watch)
    ada.on(
        "request",
        lambda r: beats.append(r.url) if "/_meet/heartbeat" in r.url else None,
    )
    join(ada, url, room)
    join(bob, url, room)
    bob.wait_for_timeout(2_000)
    deltas.clear()
    beats.clear()
    bob.wait_for_timeout(11_000)  # two heartbeats of each member
    ada.wait_for_timeout(1)  # let Ada's page deliver its request events
    assert len(beats) >= 2, "Ada sent no heartbeats"
    assert deltas == [], f"Bob received {len(deltas)} messages ({sum(deltas)} bytes)"
    # A real change still reaches Bob.
    ada.get_by_role("button", name="Raise hand").click()
    expect(tile_named(bob, "Ada")).to_have_attribute("data-hand", "raised")
    assert len(deltas) >= 1
