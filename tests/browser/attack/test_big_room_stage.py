"""A big room in a real browser: stage pages, a raised hand brought on stage.

Twelve simulated members (raw websocket clients speaking the app's own
protocol, heartbeats over HTTP) and one Chromium tab.
"""

from __future__ import annotations

from playwright.sync_api import expect

from launch.raw_client import ROOM
from launch.room_page import join, tile_named, tiles
from tests.browser.attack.conftest import new_room_id

NAMES = tuple(f"Person {chr(ord('A') + i)}" for i in range(12))


def test_the_stage_pages_nine_tiles_and_brings_a_raised_hand_on(
    app_server, person, members
):
    url = app_server["url"]
    room = new_room_id()
    people = members(room, 12, NAMES)
    ada = person(url, "Ada")
    join(ada, url, room)

    # 13 people: the first page holds Ada and the first 8 to join.
    expect(tiles(ada)).to_have_count(9)
    expect(ada.get_by_test_id("page-indicator")).to_have_text("Page 1 of 2")
    expect(ada.get_by_test_id("overflow")).to_have_text("+4 more")
    for name in NAMES[:8]:
        expect(tile_named(ada, name)).to_be_visible()
    expect(tile_named(ada, NAMES[10])).to_have_count(0)
    previous = ada.get_by_role("button", name="Previous page")
    expect(previous).to_be_disabled()

    ada.get_by_role("button", name="Next page").click()
    expect(ada.get_by_test_id("page-indicator")).to_have_text("Page 2 of 2")
    expect(tiles(ada)).to_have_count(4)
    for name in NAMES[8:]:
        expect(tile_named(ada, name)).to_be_visible()
    expect(ada.get_by_role("button", name="Next page")).to_be_disabled()
    previous.click()
    expect(ada.get_by_test_id("page-indicator")).to_have_text("Page 1 of 2")

    # A raised hand on page 2 takes the place of the least active on page 1.
    people[10].call(ROOM, "set_hand", raised=True)
    expect(tile_named(ada, NAMES[10])).to_have_attribute("data-hand", "raised")
    expect(tiles(ada)).to_have_count(9)

    # Everyone is in the participants list; someone leaving is gone from it.
    ada.get_by_role("button", name="Participants").click()
    rows = ada.get_by_test_id("participant-row")
    expect(rows).to_have_count(13)
    people[11].call(ROOM, "leave")
    expect(rows).to_have_count(12)
    expect(ada.get_by_test_id("page-indicator")).to_have_text("Page 1 of 2")
    expect(ada.get_by_test_id("overflow")).to_have_text("+3 more")
