"""Joining and leaving under pressure: first clicks, late heartbeats, early typing."""

from __future__ import annotations

import time

from playwright.sync_api import Page, Route, WebSocketRoute, expect

from tests.browser.conftest import new_room_id
from tests.browser.room_page import join, tiles

# Records every text the page ever shows in a toast or live region, so a toast
# that came and went during a navigation is still seen.
_RECORD_TEXTS = """() => {
  window.__meetTexts = [];
  new MutationObserver((records) => {
    for (const r of records) for (const n of r.addedNodes) {
      const t = (n.textContent || "").trim();
      if (t) window.__meetTexts.push(t);
    }
    for (const r of records) if (r.type === "characterData") {
      window.__meetTexts.push((r.target.textContent || "").trim());
    }
  }).observe(document.body, {childList: true, subtree: true, characterData: true});
}"""


def _wait(page: Page, condition, what: str, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        page.wait_for_timeout(100)


def test_a_heartbeat_in_flight_across_leave_leaves_no_ghost(app_server, person):
    """The leave wins over a heartbeat answered after it (issue 10, item 4).

    Bob's next heartbeat is held, Bob presses Leave, and every message from
    the server to Bob's page is held too, so the page is still the meeting
    when the held heartbeat is answered 410 ("not in the room"): the page
    asks to enter again, and the server must refuse.
    """
    url = app_server["url"]
    room = new_room_id()
    ada, bob = person(url, "Ada"), person(url, "Bob")
    join(ada, url, room)

    held_server_messages: list[str | bytes] = []
    holding = {"on": False}
    sockets: list[WebSocketRoute] = []

    def route_socket(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        sockets.append(ws)

        def from_server(message: str | bytes) -> None:
            if holding["on"]:
                held_server_messages.append(message)
            else:
                ws.send(message)

        server.on_message(from_server)

    bob.route_web_socket("**/_event/**", route_socket)
    join(bob, url, room)
    expect(tiles(ada)).to_have_count(2)
    expect(tiles(bob)).to_have_count(2)

    beats: list[Route] = []
    bob.route("**/api/heartbeat", lambda route: beats.append(route))
    _wait(bob, lambda: beats, "Bob's next heartbeat")
    bob.evaluate(_RECORD_TEXTS)

    holding["on"] = True
    bob.get_by_test_id("leave").click()
    # Ada sees Bob go: the server has processed the leave.
    expect(tiles(ada)).to_have_count(1)
    expect(ada.get_by_test_id("people-count")).to_have_attribute("data-count", "1")
    assert "/feedback" not in bob.url, "Bob's page moved on before the late answer"
    beats[0].continue_()  # answered 410 while Bob's page is still the meeting
    bob.unroute("**/api/heartbeat")
    bob.wait_for_timeout(3_000)  # time for the page to ask to enter again
    holding["on"] = False
    for message in held_server_messages:  # in order: the leave's delta, redirect
        sockets[-1].send(message)
    bob.wait_for_url("**/feedback")

    # No ghost: at once, and again after a sweep would have come and gone.
    for _ in range(10):
        expect(tiles(ada)).to_have_count(1)
        expect(ada.get_by_test_id("people-count")).to_have_attribute("data-count", "1")
        ada.wait_for_timeout(500)
    ada.wait_for_timeout(20_000)
    expect(tiles(ada)).to_have_count(1)
    expect(ada.get_by_test_id("people-count")).to_have_attribute("data-count", "1")
    log = app_server["log"].read_text()
    assert "a late heartbeat answer after leaving was ignored" in log
    # And Bob was never told that Bob left.
    seen = bob.evaluate("() => window.__meetTexts")
    assert not [t for t in seen if "Bob left" in t], seen


def test_a_name_typed_before_the_page_is_ready_is_kept(app_server, browser):
    """A name typed before the home page finished loading survives its load.

    Everything the server sends the page is held until the name is typed, so
    the page's first state and its load handler's answer come after the
    typing (issue 10, item 4: they blanked it, and "New room" did nothing).
    """
    url = app_server["url"]
    context = browser.new_context(permissions=["camera", "microphone"])
    try:
        page = context.new_page()
        held: list[str | bytes] = []
        holding = {"on": True}
        sockets: list[WebSocketRoute] = []

        def route_socket(ws: WebSocketRoute) -> None:
            server = ws.connect_to_server()
            sockets.append(ws)

            def from_server(message: str | bytes) -> None:
                if holding["on"]:
                    held.append(message)
                else:
                    ws.send(message)

            server.on_message(from_server)

        page.route_web_socket("**/_event/**", route_socket)
        page.goto(url + "/")
        name = page.get_by_label("Your name")
        name.fill("Early Ada")
        _wait(page, lambda: sockets and held, "the server's first messages")
        page.wait_for_timeout(500)
        holding["on"] = False
        for message in held:
            sockets[-1].send(message)
        held.clear()
        page.wait_for_timeout(1_000)  # the load handler's answer has arrived
        expect(name).to_have_value("Early Ada")
        page.get_by_test_id("new-room").click()
        page.wait_for_url(lambda u: u.rstrip("/") != url and "/?" not in u)
        expect(page.get_by_text("Joining as Early Ada")).to_be_visible()
    finally:
        context.close()

