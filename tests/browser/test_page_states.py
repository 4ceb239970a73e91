"""Whole-page states: first paint, the lobby's spinner, alone in the meeting,
offline and back, and the 404 page."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from launch.room_page import join
from tests.browser.big_room import join_members, leave_all
from tests.browser.conftest import new_room_id

LIGHT_PAGE = "rgb(251, 248, 246)"  # --meet-page-bg
DARK_PAGE = "rgb(22, 21, 23)"  # --meet-page-bg in dark mode


def test_first_paint_has_the_theme_background_before_any_script(
    app_server, browser: Browser
):
    """With scripts off (nothing hydrated), the page is already coloured."""
    url = app_server["url"]
    for scheme, colour in (("light", LIGHT_PAGE), ("dark", DARK_PAGE)):
        context = browser.new_context(java_script_enabled=False, color_scheme=scheme)
        try:
            page = context.new_page()
            for path in ("/", f"/{new_room_id()}"):
                page.goto(url + path)
                background = page.evaluate(
                    "() => getComputedStyle(document.documentElement).backgroundColor"
                )
                assert background == colour, (scheme, path, background)
        finally:
            context.close()


# Holds getUserMedia until the test lets it go (window.__releaseMedia()).
HOLD_MEDIA = """
(() => {
  const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  let release;
  const released = new Promise((resolve) => { release = resolve; });
  window.__releaseMedia = () => release();
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    await released;
    return real(constraints);
  };
})();
"""


def test_lobby_shows_a_spinner_while_the_preview_starts(app_server, person):
    url = app_server["url"]
    ada = person(url, "Ada")
    ada.add_init_script(HOLD_MEDIA)
    ada.goto(f"{url}/{new_room_id()}")
    preview = ada.get_by_test_id("media-preview")
    expect(preview).to_have_attribute("data-state", "starting")
    spinner = ada.get_by_test_id("preview-spinner")
    expect(spinner).to_be_visible()
    expect(spinner).to_have_attribute("role", "status")
    expect(spinner).to_have_accessible_name("Starting your camera and microphone…")
    ada.evaluate("() => window.__releaseMedia()")
    expect(preview).to_have_attribute("data-state", "ready", timeout=20_000)
    expect(spinner).to_have_count(0)


def test_alone_in_the_meeting_waiting_note_copies_the_link(app_server, person):
    url = app_server["url"]
    room = new_room_id()
    ada = person(url, "Ada")
    ada.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
    join(ada, url, room)
    waiting = ada.get_by_test_id("waiting-for-others")
    expect(waiting).to_be_visible()
    expect(waiting).to_contain_text("Waiting for others to join")
    copy = ada.get_by_test_id("waiting-copy-link")
    copy.click()
    expect(copy).to_have_attribute("data-copied", "true")
    expect(copy).to_contain_text("Link copied")
    assert ada.evaluate("() => navigator.clipboard.readText()") == f"{url}/{room}"
    # Someone joins: the note goes away.
    members = join_members(url, room, 1)
    try:
        expect(waiting).to_have_count(0, timeout=20_000)
    finally:
        leave_all(members)


# Keeps every WebSocket the page opens, so the test can drop them.
KEEP_SOCKETS = """
(() => {
  const Real = window.WebSocket;
  window.__sockets = [];
  window.WebSocket = class extends Real {
    constructor(...args) {
      super(...args);
      window.__sockets.push(this);
    }
  };
})();
"""


def test_offline_screen_shows_and_goes_away_by_itself(app_server, person):
    """The network goes away (the open socket drops, new ones fail), then
    comes back: the offline screen shows, then leaves without a reload."""
    url = app_server["url"]
    ada = person(url, "Ada")
    ada.add_init_script(KEEP_SOCKETS)
    ada.goto(f"{url}/{new_room_id()}")
    join_button = ada.get_by_test_id("join")
    expect(join_button).to_be_enabled()
    offline = ada.get_by_test_id("offline-screen")
    expect(offline).to_have_count(0)
    ada.evaluate("() => { window.__sameDocument = true; }")

    ada.context.set_offline(True)
    ada.evaluate("() => window.__sockets.forEach((socket) => socket.close())")
    expect(offline).to_be_visible(timeout=20_000)
    expect(offline).to_have_attribute("role", "alert")
    expect(offline.get_by_role("heading", name="You are offline")).to_be_visible()

    ada.context.set_offline(False)
    expect(offline).to_have_count(0, timeout=30_000)
    expect(join_button).to_be_enabled()
    # It came back by itself: the same document, never reloaded.
    assert ada.evaluate("() => window.__sameDocument === true")


def test_unknown_address_shows_404_with_a_link_home(app_server, person):
    url = app_server["url"]
    ada = person(url, "Ada")
    ada.goto(f"{url}/no/such/page")
    page = ada.get_by_test_id("not-found")
    expect(page).to_be_visible()
    expect(ada.get_by_role("heading", name="Page not found")).to_be_visible()
    ada.get_by_role("link", name="Go to the home page").click()
    ada.wait_for_url(f"{url}/")
    expect(ada.get_by_label("Your name")).to_be_visible()
