"""Reflex's Redis state manager with several workers: no room data in memory.

Two people are served by different worker processes (each tab's websocket
lands on one worker; the state records which) and still share one room.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from launch.room_page import join, open_chat, send_chat, tile_named, tiles
from tests.browser.conftest import new_room_id


def _worker_pid(page: Page) -> int:
    value = page.get_by_test_id("room-root").get_attribute("data-worker")
    return int(value or 0)


def test_two_workers_share_one_room(redis_app_server, person):
    url = redis_app_server["url"]
    room = new_room_id()
    ada = person(url, "Ada")
    join(ada, url, room)
    ada_pid = _worker_pid(ada)
    assert ada_pid > 0
    # Open Bob until his tab lands on another worker (3 workers: p = 2/3 each).
    bob = None
    for attempt in range(12):
        candidate = person(url, f"Bob{attempt}")
        join(candidate, url, room)
        if _worker_pid(candidate) not in (0, ada_pid):
            bob = candidate
            break
        candidate.get_by_role("button", name="Leave").click()
    assert bob is not None, "every tab landed on Ada's worker"
    own_label = bob.get_by_test_id("participant-tile").first.get_attribute("aria-label")
    bob_name = (own_label or "").removesuffix(" (you)")

    expect(tiles(ada)).to_have_count(2)
    expect(tile_named(ada, bob_name)).to_be_visible()
    expect(tile_named(bob, "Ada")).to_be_visible()
    bob.get_by_role("button", name="Raise hand").click()
    expect(tile_named(ada, bob_name)).to_have_attribute("data-hand", "raised")
    # Chat crosses workers too: public through the room, direct to Ada's tab.
    send_chat(bob, "from the other worker")
    send_chat(bob, "only for Ada", to="Ada")
    open_chat(ada)
    expect(ada.get_by_test_id("chat-message")).to_have_count(2)
    expect(ada.locator("[data-testid=chat-message][data-direct=true]")).to_contain_text(
        "only for Ada"
    )
    bob.get_by_role("button", name="Leave").click()
    expect(tiles(ada)).to_have_count(1, timeout=4_000)
