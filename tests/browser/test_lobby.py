"""The lobby: live count, camera preview, microphone level, device errors."""

from __future__ import annotations

from playwright.sync_api import expect

from launch.room_page import go_to_lobby, set_display_name
from tests.browser.conftest import CHROMIUM, new_room_id


def test_preview_shows_camera_and_mic_level(app_server, person):
    url = app_server["url"]
    page = person(url, "Ada")
    go_to_lobby(page, url, new_room_id())
    preview = page.get_by_test_id("media-preview")
    expect(preview).to_have_attribute("data-state", "ready")
    video = preview.locator("video")
    page.wait_for_function(
        "(v) => v.videoWidth > 0 && v.currentTime > 0", arg=video.element_handle()
    )
    transform = video.evaluate("(v) => getComputedStyle(v).transform")
    assert transform.startswith("matrix(-1"), "self-view is not mirrored"
    # Chromium's fake microphone beeps: the meter must move.
    page.wait_for_function(
        "() => Number(document.querySelector('[data-testid=media-preview]')"
        ".dataset.micLevel) > 0",
        timeout=10_000,
    )
    # Camera off hides the preview; microphone off zeroes the meter.
    page.get_by_role("button", name="Camera").click()
    expect(video).to_be_hidden()
    expect(preview).to_contain_text("Camera is off")
    page.get_by_role("button", name="Microphone").click()
    expect(preview).to_have_attribute("data-mic-level", "0")
    page.get_by_role("button", name="Camera").click()
    expect(video).to_be_visible()


def test_permission_denied_is_explained_in_plain_words(app_server, playwright):
    url = app_server["url"]
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            "--use-fake-device-for-media-stream",
            "--deny-permission-prompts",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
        ],
    )
    try:
        page = browser.new_context().new_page()
        set_display_name(page, url, "Ada")
        go_to_lobby(page, url, new_room_id())
        # Nothing decided yet: the lobby explains before the browser asks.
        page.get_by_test_id("permission-continue").click()
        preview = page.get_by_test_id("media-preview")
        expect(preview).to_have_attribute("data-error-code", "permission_denied")
        expect(page.get_by_test_id("device-error")).to_contain_text(
            "was not allowed to use your camera or microphone"
        )
    finally:
        browser.close()


def test_change_name_from_the_lobby(app_server, person):
    url = app_server["url"]
    room = new_room_id()
    ada = person(url, "Ada")
    go_to_lobby(ada, url, room)
    expect(ada.get_by_text("Joining as Ada")).to_be_visible()
    ada.get_by_test_id("change-name").click()
    field = ada.locator("#lobby-display-name")
    expect(field).to_have_value("Ada")
    # A refused name changes nothing and says why.
    field.fill("   ")
    ada.get_by_test_id("save-new-name").click()
    expect(ada.get_by_test_id("lobby-name-error")).to_have_text(
        "Please enter your name."
    )
    field.fill("Eve\u202e")
    ada.get_by_test_id("save-new-name").click()
    expect(ada.get_by_test_id("lobby-name-error")).to_contain_text("can't be shown")
    expect(ada.get_by_text("Joining as Ada")).to_be_visible()
    # A good one is remembered and is the name the others see.
    field.fill("  Ada Lovelace ")
    ada.get_by_test_id("save-new-name").click()
    expect(ada.get_by_text("Joining as Ada Lovelace")).to_be_visible()
    expect(field).to_have_count(0)
    ada.wait_for_function(
        "() => localStorage.getItem('meet.display-name') === 'Ada Lovelace'"
    )
    ada.get_by_test_id("join").click()
    ada.wait_for_url(f"**/{room}/room")
    bob = person(url, "Bob")
    go_to_lobby(bob, url, room)
    bob.get_by_test_id("join").click()
    bob.wait_for_url(f"**/{room}/room")
    expect(bob.get_by_role("group", name="Ada Lovelace", exact=True)).to_be_visible()
