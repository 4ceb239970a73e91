"""Joining and leaving under pressure: first clicks, late heartbeats, early typing."""

from __future__ import annotations

import contextlib
import time

from playwright.sync_api import Page, Route, WebSocketRoute, expect

from launch.room_page import join, self_tile, set_display_name, tiles
from tests.browser.conftest import new_room_id

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


_NO_CAMERA = """
const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
navigator.mediaDevices.getUserMedia = async (constraints) => {
  if (constraints && constraints.video) {
    throw new DOMException("Requested device not found", "NotFoundError");
  }
  return real(constraints);
};
"""


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
    bob.route("**/_meet/heartbeat", lambda route: beats.append(route))
    _wait(bob, lambda: beats, "Bob's next heartbeat")
    bob.evaluate(_RECORD_TEXTS)

    holding["on"] = True
    bob.get_by_test_id("leave").click()
    # Ada sees Bob go: the server has processed the leave.
    expect(tiles(ada)).to_have_count(1)
    expect(ada.get_by_test_id("people-count")).to_have_attribute("data-count", "1")
    assert "/feedback" not in bob.url, "Bob's page moved on before the late answer"
    beats[0].continue_()  # answered 410 while Bob's page is still the meeting
    bob.unroute("**/_meet/heartbeat")
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


def test_ten_people_join_with_one_click_each(app_server, browser):
    """Join works on the first click, every time (issue 10, item 4).

    Ten people come one after another into a room of one to three others;
    each clicks Join once and must reach the meeting and be in it (their own
    tile, the others' count). The oldest leaves when a fourth is in, so the
    room stays the size the problem was seen at.
    """
    url = app_server["url"]
    room = new_room_id()
    present: list[tuple[str, Page]] = []
    contexts = []
    try:
        for n in range(10):
            name = f"Person {n}"
            context = browser.new_context(
                permissions=["camera", "microphone"],
                viewport={"width": 1280, "height": 900},
            )
            contexts.append(context)
            # Many browsers on a small machine: pages may be slow. And no
            # camera (a microphone only), so ten people's video does not
            # starve the machine: this test is about the click.
            context.set_default_navigation_timeout(90_000)
            context.set_default_timeout(60_000)
            context.add_init_script(_NO_CAMERA)
            page = context.new_page()
            set_display_name(page, url, name)
            page.goto(f"{url}/{room}")
            join_button = page.get_by_test_id("join")
            expect(join_button).to_be_enabled(timeout=30_000)
            clicked = time.monotonic()
            join_button.click()  # once
            page.wait_for_url(f"**/{room}/room", timeout=30_000)
            navigated = time.monotonic() - clicked
            # A loaded machine (ten browsers' media on two cores) may take a
            # while to apply the join; the click itself is never lost.
            expect(self_tile(page)).to_be_visible(timeout=60_000)
            expect(self_tile(page)).to_contain_text(name)
            print(
                f"{name}: meeting page after {navigated:.2f} s, "
                f"in the meeting after {time.monotonic() - clicked:.2f} s"
            )
            present.append((name, page))
            for _, other in present:
                expect(other.get_by_test_id("people-count")).to_have_attribute(
                    "data-count", str(len(present)), timeout=60_000
                )
            if len(present) > 3:
                _, oldest = present.pop(0)
                oldest.get_by_test_id("leave").click()
                oldest.wait_for_url("**/feedback", timeout=30_000)
                oldest.context.close()
                for _, other in present:
                    expect(other.get_by_test_id("people-count")).to_have_attribute(
                        "data-count", str(len(present)), timeout=60_000
                    )
    finally:
        for context in contexts:
            with contextlib.suppress(Exception):
                context.close()
