"""Orange's small touches in a real browser: sounds, the muted hint, joining a
crowd muted, audio-only, the meeting id and the connection details."""

from __future__ import annotations

import math
import struct
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserType, Page, expect

from launch.raw_client import ROOM
from launch.room_page import (
    inbound,
    join,
    media_ready,
    own_track_ids,
    set_display_name,
    tile_named,
)
from launch.servers import CHROMIUM, CHROMIUM_ARGS
from tests.browser.conftest import new_room_id, raw_clients

CUES = """() => {
  window.__cues = [];
  window.addEventListener("meet-cue", (e) => window.__cues.push(`${e.detail.kind}:${e.detail.name}`));
}"""


def cues(page: Page) -> list[str]:
    return page.evaluate("() => window.__cues")


def in_order(seen: list[str], expected: list[str]) -> bool:
    """Whether ``expected`` occurs in ``seen`` in this order (gaps allowed)."""
    rest = iter(seen)
    return all(any(item == cue for cue in rest) for item in expected)


def open_settings(page: Page) -> None:
    page.get_by_test_id("open-settings").click()
    expect(page.get_by_test_id("toggle-sounds")).to_be_visible()


@pytest.fixture
def raw_people(app_server: dict) -> Iterator:
    with raw_clients(app_server["url"]) as make:
        yield make


def test_sounds_for_others_joining_leaving_and_raising_hands_and_their_switch(
    app_server, person, raw_people
):
    room = new_room_id()
    url = app_server["url"]
    ada = person(url, "Ada")
    join(ada, url, room)
    ada.evaluate(CUES)
    bob = raw_people("Bob").join(room)
    expect(tile_named(ada, "Bob")).to_be_visible()
    bob.call(ROOM, "set_hand", raised=True)
    ada.wait_for_function("() => window.__cues.includes('hand:Bob')")
    carol = raw_people("Carol").join(room)
    ada.wait_for_function("() => window.__cues.includes('join:Carol')")
    carol.call(ROOM, "leave")
    ada.wait_for_function("() => window.__cues.includes('leave:Carol')")
    # Ada's own hand makes no sound for her.
    ada.get_by_test_id("toggle-hand").click()
    expect(ada.get_by_test_id("toggle-hand")).to_have_attribute("aria-pressed", "true")
    heard = cues(ada)
    assert in_order(heard, ["join:Bob", "hand:Bob", "join:Carol", "leave:Carol"])
    assert not any(cue.endswith(":Ada") for cue in heard)

    # Switched off: silence, and the choice is remembered.
    open_settings(ada)
    switch = ada.get_by_test_id("toggle-sounds")
    expect(switch).to_have_attribute("aria-pressed", "true")
    switch.click()
    expect(switch).to_have_attribute("aria-pressed", "false")
    assert ada.evaluate("() => localStorage.getItem('meet.sounds')") == "off"
    bob.call(ROOM, "set_hand", raised=False)
    dan = raw_people("Dan").join(room)
    expect(tile_named(ada, "Dan")).to_be_visible()
    bob.call(ROOM, "set_hand", raised=True)
    expect(
        ada.locator('[data-testid="participant-tile"][data-hand="raised"]')
    ).not_to_have_count(0)
    dan.call(ROOM, "leave")
    expect(tile_named(ada, "Dan")).to_have_count(0)
    assert cues(ada) == heard, "sounds played while switched off"


def _tone_wav(path: Path, seconds: float = 2.0, rate: int = 16_000) -> Path:
    """A loud 440 Hz tone: a microphone that keeps hearing someone talk."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = (
            struct.pack("<h", int(16_000 * math.sin(2 * math.pi * 440 * i / rate)))
            for i in range(int(seconds * rate))
        )
        out.writeframes(b"".join(frames))
    return path


@pytest.fixture
def talking_browser(browser_type: BrowserType, tmp_path: Path) -> Iterator[Browser]:
    """Chromium whose fake microphone always hears a voice-loud tone."""
    tone = _tone_wav(tmp_path / "tone.wav")
    browser = browser_type.launch(
        executable_path=CHROMIUM,
        args=[*CHROMIUM_ARGS, f"--use-file-for-fake-audio-capture={tone}"],
    )
    yield browser
    browser.close()


def test_talking_while_muted_shows_a_hint_that_unmutes(app_server, talking_browser):
    url = app_server["url"]
    room = new_room_id()
    context = talking_browser.new_context(permissions=["camera", "microphone"])
    page = context.new_page()
    set_display_name(page, url, "Ada")
    join(page, url, room)
    mic = page.get_by_test_id("toggle-mic")
    expect(mic).to_have_attribute("aria-pressed", "true")
    hint = page.get_by_test_id("muted-hint")
    expect(hint).to_have_count(0)  # talking unmuted: no hint
    mic.click()
    expect(mic).to_have_attribute("aria-pressed", "false")
    expect(hint).to_be_visible(timeout=15_000)
    expect(hint).to_contain_text("You are muted")
    hint.get_by_role("button", name="Unmute").click()
    expect(mic).to_have_attribute("aria-pressed", "true")
    expect(hint).to_have_count(0)
    context.close()


def test_joining_a_meeting_of_more_than_five_starts_muted(
    app_server, person, raw_people
):
    url = app_server["url"]
    room = new_room_id()
    crowd = [raw_people(f"P{i}").join(room) for i in range(6)]
    for member in crowd:
        member.start_heartbeats()
    newcomer = person(url, "Zoe")
    join(newcomer, url, room)
    expect(newcomer.get_by_test_id("toggle-mic")).to_have_attribute(
        "aria-pressed", "false"
    )
    expect(newcomer.get_by_text("You joined muted")).to_be_visible()

    # The others hear of Zoe through the room's log: wait for her entry.
    def zoe_for_the_others() -> dict | None:
        return next((u for u in crowd[0].users() if u.get("name") == "Zoe"), None)

    crowd[0].wait_for(
        lambda: (
            (zoe := zoe_for_the_others()) is not None
            and not zoe["tracks"]["audioEnabled"]
        ),
        what="Zoe in the room and muted for the others",
    )
    # Unmuting is the person's choice, as ever.
    newcomer.get_by_test_id("toggle-mic").click()
    expect(newcomer.get_by_test_id("toggle-mic")).to_have_attribute(
        "aria-pressed", "true"
    )


def _video_frames(page: Page) -> int:
    return sum(
        s["framesDecoded"] for s in inbound(page).values() if s["kind"] == "video"
    )


def _audio_packets(page: Page) -> int:
    return sum(
        s["packetsReceived"] for s in inbound(page).values() if s["kind"] == "audio"
    )


def _pulled(page: Page) -> list[str]:
    return page.evaluate("() => [...window.meetMedia.pulled.keys()].sort()")


def test_audio_only_meeting_id_and_connection_details(app_server, person):
    url = app_server["url"]
    room = new_room_id()
    ada = person(url, "Ada")
    bob = person(url, "Bob")
    join(ada, url, room)
    join(bob, url, room)
    media_ready(ada)
    media_ready(bob)
    ada.wait_for_function(
        "async () => Object.values(await window.meetMedia.inboundStats())"
        ".some((s) => s.kind === 'video' && s.framesDecoded > 5)",
        timeout=30_000,
    )
    bob_tile = tile_named(ada, "Bob")
    expect(bob_tile).to_have_attribute("data-video", "on")

    # Audio only: no video pulled, Bob's avatar shown, Bob still heard.
    open_settings(ada)
    switch = ada.get_by_test_id("toggle-audio-only")
    switch.click()
    expect(switch).to_have_attribute("aria-pressed", "true")
    ada.keyboard.press("Escape")
    bob_tracks = own_track_ids(bob)
    ada.wait_for_function(
        "(mic) => [...window.meetMedia.pulled.keys()].join() === mic",
        arg=bob_tracks["mic"],
        timeout=20_000,
    )
    assert _pulled(ada) == [bob_tracks["mic"]]
    expect(bob_tile).to_have_attribute("data-video", "off")
    expect(bob_tile).to_contain_text("B")
    before = _audio_packets(ada)
    ada.wait_for_timeout(1500)
    assert _audio_packets(ada) > before, "Bob is still heard"
    assert ada.evaluate("() => localStorage.getItem('meet.audio-only')") == "on"

    # Back to video: Bob's video is pulled and decoded again.
    open_settings(ada)
    ada.get_by_test_id("toggle-audio-only").click()
    expect(ada.get_by_test_id("toggle-audio-only")).to_have_attribute(
        "aria-pressed", "false"
    )
    ada.wait_for_function(
        "async () => Object.values(await window.meetMedia.inboundStats())"
        ".some((s) => s.kind === 'video' && s.framesDecoded > 5)",
        timeout=30_000,
    )
    expect(bob_tile).to_have_attribute("data-video", "on")

    # The meeting id, copied.
    ada.context.grant_permissions(["clipboard-read", "clipboard-write"])
    expect(ada.get_by_test_id("meeting-id")).to_have_text(room)
    ada.get_by_test_id("copy-meeting-id").click()
    ada.wait_for_function(
        "async (room) => (await navigator.clipboard.readText()) === room", arg=room
    )

    # Connection details: connected, and live numbers for Bob's tracks.
    ada.get_by_test_id("toggle-debug").click()
    ada.keyboard.press("Escape")
    overlay = ada.get_by_test_id("debug-overlay")
    expect(overlay).to_be_visible()
    expect(overlay.get_by_test_id("debug-connection")).to_have_text("connected")
    receiving = overlay.locator(
        '[data-testid="debug-row"][data-direction="in"][data-kind="video"]'
    )
    expect(receiving.first).to_contain_text("Bob · camera", timeout=10_000)
    ada.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="debug-row"]')]
            .some((r) => r.dataset.direction === 'in' && Number(r.dataset.kbps) > 0)""",
        timeout=10_000,
    )
    expect(
        overlay.locator('[data-testid="debug-row"][data-direction="out"]')
    ).not_to_have_count(0)
    overlay.get_by_test_id("debug-close").click()
    expect(overlay).to_have_count(0)
    assert _video_frames(ada) > 0
