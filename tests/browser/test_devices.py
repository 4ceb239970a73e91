"""Device failures and the permission explainer (issue 10, item 3)."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from launch.room_page import (
    go_to_lobby,
    join,
    self_tile,
    set_display_name,
    tile_named,
)
from launch.servers import CHROMIUM, CHROMIUM_ARGS
from tests.browser.conftest import new_room_id

# The browser refuses the camera and the microphone (as after "Block").
_DENY = """
navigator.mediaDevices.getUserMedia = async () => {
  throw new DOMException("Permission denied", "NotAllowedError");
};
"""


def _denied_person(browser: Browser, url: str, name: str) -> Page:
    # Allowed for the Permissions API (no explainer), refused when asked.
    context = browser.new_context(
        permissions=["camera", "microphone"], viewport={"width": 1280, "height": 900}
    )
    context.add_init_script(_DENY)
    page = context.new_page()
    set_display_name(page, url, name)
    return page


def _assert_unavailable(page: Page, test_id: str, reason: str, reason_id: str):
    button = page.get_by_test_id(test_id)
    expect(button).to_be_disabled()
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(button).to_have_attribute("data-unavailable", "true")
    expect(button).to_have_attribute("title", re.compile(reason))
    expect(button).to_have_attribute("aria-describedby", reason_id)
    expect(page.locator(f"#{reason_id}")).to_have_text(re.compile(reason))


def test_denied_devices_are_off_disabled_and_explained(app_server, browser, person):
    url = app_server["url"]
    room = new_room_id()
    ada = _denied_person(browser, url, "Ada")
    try:
        go_to_lobby(ada, url, room)
        _assert_unavailable(
            ada, "toggle-mic", "Microphone blocked", "mic-unavailable-reason"
        )
        _assert_unavailable(
            ada, "toggle-camera", "Camera blocked", "camera-unavailable-reason"
        )
        ada.get_by_test_id("join").click()
        ada.wait_for_url(f"**/{room}/room")
        expect(self_tile(ada)).to_be_visible()
        _assert_unavailable(
            ada, "toggle-mic", "Microphone blocked", "mic-unavailable-reason"
        )
        _assert_unavailable(
            ada, "toggle-camera", "Camera blocked", "camera-unavailable-reason"
        )
        # Her own tile shows her initial, not a blank video.
        expect(self_tile(ada)).to_have_attribute("data-video", "off")
        expect(self_tile(ada).get_by_text("A", exact=True)).to_be_visible()
        expect(self_tile(ada)).to_have_attribute("data-mic", "off")

        # The others see her microphone off (the server's roster says so).
        bob = person(url, "Bob")
        join(bob, url, room)
        ada_for_bob = tile_named(bob, "Ada")
        expect(ada_for_bob).to_have_attribute("data-mic", "off")
        expect(ada_for_bob).to_have_attribute("data-video", "off")
        # A shortcut (or a forged event) cannot turn it on for the others.
        ada.keyboard.press("Control+d")
        ada.wait_for_timeout(1_500)
        expect(ada_for_bob).to_have_attribute("data-mic", "off")
    finally:
        ada.context.close()


def test_a_missing_microphone_keeps_the_camera(app_server, browser, person):
    url = app_server["url"]
    room = new_room_id()
    context = browser.new_context(
        permissions=["camera", "microphone"], viewport={"width": 1280, "height": 900}
    )
    context.add_init_script(
        """
        const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
        navigator.mediaDevices.getUserMedia = async (constraints) => {
          if (constraints && constraints.audio) {
            throw new DOMException("Requested device not found", "NotFoundError");
          }
          return real(constraints);
        };
        """
    )
    try:
        ada = context.new_page()
        set_display_name(ada, url, "Ada")
        join(ada, url, room)
        _assert_unavailable(
            ada, "toggle-mic", "No microphone", "mic-unavailable-reason"
        )
        camera = ada.get_by_test_id("toggle-camera")
        expect(camera).to_be_enabled()
        expect(camera).to_have_attribute("aria-pressed", "true")
        expect(self_tile(ada)).to_have_attribute("data-video", "on")
        bob = person(url, "Bob")
        join(bob, url, room)
        expect(tile_named(bob, "Ada")).to_have_attribute("data-mic", "off")
    finally:
        context.close()


def test_an_explainer_comes_before_the_browsers_prompt(app_server, playwright):
    """No permission decided yet: the lobby explains, then Continue asks."""
    url = app_server["url"]
    # Without Chromium's fake permission UI the browser would prompt.
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[a for a in CHROMIUM_ARGS if a != "--use-fake-ui-for-media-stream"],
    )
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_init_script(
            """
            window.__gumCalls = 0;
            const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
            navigator.mediaDevices.getUserMedia = (c) => {
              window.__gumCalls += 1;
              return real(c);
            };
            """
        )
        page = context.new_page()
        set_display_name(page, url, "Ada")
        state = page.evaluate(
            "() => navigator.permissions.query({name: 'camera'}).then((r) => r.state)"
        )
        assert state == "prompt", state
        go_to_lobby(page, url, new_room_id())
        explainer = page.get_by_test_id("permission-explainer")
        expect(explainer).to_be_visible()
        expect(explainer).to_contain_text("Allow your camera and microphone")
        preview = page.get_by_test_id("media-preview")
        expect(preview).to_have_attribute("data-state", "starting")
        page.wait_for_timeout(1_000)
        assert page.evaluate("() => window.__gumCalls") == 0, "asked before Continue"
        # The person will say yes to the browser's prompt.
        context.grant_permissions(["camera", "microphone"])
        page.get_by_role("button", name="Continue").click()
        expect(explainer).to_have_count(0)
        expect(preview).to_have_attribute("data-state", "ready")
        assert page.evaluate("() => window.__gumCalls") >= 1
    finally:
        browser.close()


def test_no_explainer_once_the_browser_allows(app_server, person):
    url = app_server["url"]
    page = person(url, "Ada")  # camera and microphone allowed
    go_to_lobby(page, url, new_room_id())
    expect(page.get_by_test_id("media-preview")).to_have_attribute(
        "data-state", "ready"
    )
    expect(page.get_by_test_id("permission-explainer")).to_have_count(0)
