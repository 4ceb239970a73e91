"""The AI voice participant end to end: two people, the Calls stand-in and the
fake realtime endpoint (``realtime_fake``), all real processes.

Media is proven with ``getStats()`` (packets and audio energy rising) and with
the fake's own record of the speech it heard.
"""

from __future__ import annotations

import gzip
import re
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import Page, expect

from launch.room_page import inbound, join, media_ready, self_tile, tile_named
from launch.servers import ROOT
from tests.ai.ai_support import FAKE_TOKEN, FakeProcess, stop_fake
from tests.browser import ai_fixtures
from tests.browser.conftest import new_room_id

AI_NAME = "AI assistant"
CONSOLE: list[str] = []
# Records whether the named tile's speaking ring is ever on (polled at 20 Hz,
# so a short reply is not missed between two checks of the test).
WATCH_RING = """(name) => {
  window.__aiRingLit = false;
  const timer = setInterval(() => {
    const tile = [...document.querySelectorAll('[role="group"]')]
      .find((t) => t.getAttribute("aria-label") === name);
    const ring = tile && tile.querySelector('[data-testid="speaking-ring"]');
    if (ring && ring.dataset.speaking === "true") {
      window.__aiRingLit = true;
      clearInterval(timer);
    }
  }, 50);
}"""
# The module's fixtures (the app configured with the fake endpoint).
ai_app = ai_fixtures.ai_app
fake = ai_fixtures.fake


def _ai_stats(page: Page) -> dict:
    stats = inbound(page)
    found = [v for k, v in stats.items() if k.endswith("/ai-generated-voice")]
    return found[0] if found else {}


def _wait(predicate, what: str, timeout: float = 40.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def _hears_the_ai(page: Page, log: Path) -> None:
    """Audio packets of the AI's track keep arriving at this tab.

    Tolerates a re-pull (a failed negotiation on a loaded machine is retried
    by the engine): the count must rise by 20 within one pull.
    """
    first: list[int] = []

    def rising() -> bool:
        count = _ai_stats(page).get("packetsReceived", 0)
        if not first or count < first[0]:
            first[:] = [count] if count > 0 else []
            return False
        return count > first[0] + 20

    _wait(
        rising,
        f"no AI audio; console: {CONSOLE[-30:]}; log: "
        + log.read_text(errors="replace")[-3000:],
        timeout=60,
    )


def _call(endpoint: FakeProcess, instructions: str) -> dict:
    return next(c for c in endpoint.calls() if c["instructions"] == instructions)


def _watch_frames(page: Page, frames: list[str]) -> None:
    page.on(
        "websocket",
        lambda ws: ws.on(
            "framereceived",
            lambda payload: frames.append(
                payload if isinstance(payload, str) else payload.decode("latin-1")
            ),
        ),
    )


def _served_texts(url: str) -> list[bytes]:
    """The production build's files and what the server serves of them."""
    build = ROOT / ".web" / "build" / "client"
    texts = []
    for path in build.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            texts.append(gzip.decompress(data) if path.suffix == ".gz" else data)
    seen: set[str] = set()
    queue = ["/", f"/{new_room_id()}", f"/{new_room_id()}/room"]
    while queue and len(seen) < 400:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        with urllib.request.urlopen(url + path, timeout=10) as answer:
            body = answer.read()
        texts.append(body)
        for ref in re.findall(rb'["\'(](/(?:assets|meet)/[^"\')\s?#]+)', body):
            queue.append(ref.decode())
    assert len(texts) > 20
    return texts


def test_invite_talk_and_remove_the_ai(ai_app, fake, person):
    url = ai_app["url"]
    room = new_room_id()
    instructions = f"Be brief ({room})."
    frames: list[str] = []
    ada = person(url, "Ada")
    bob = person(url, "Bob")
    _watch_frames(ada, frames)
    _watch_frames(bob, frames)
    for page in (ada, bob):
        page.on("console", lambda message: CONSOLE.append(message.text))
    # Ada opens the meeting from a link that prefills the invitation.
    ada.goto(f"{url}/{room}/room?instructions={quote(instructions)}&voice=coral")
    expect(self_tile(ada)).to_be_visible()
    join(bob, url, room)
    for page in (ada, bob):
        media_ready(page)
        expect(page.get_by_test_id("ai-talk")).to_have_count(0)

    ada.get_by_test_id("invite-ai").click()
    expect(ada.get_by_test_id("ai-instructions")).to_have_value(instructions)
    expect(ada.get_by_test_id("ai-voice")).to_have_value("coral")
    ada.get_by_test_id("ai-invite-submit").click()

    # The AI joins as a participant everyone sees and hears.
    for page in (ada, bob):
        expect(tile_named(page, AI_NAME)).to_be_visible(timeout=20_000)
        expect(page.get_by_test_id("remove-ai")).to_be_visible()
    call = _call(fake, instructions)
    assert call["voice"] == "coral"
    assert call["state"] == "connected"
    for page in (ada, bob):
        _hears_the_ai(page, ai_app["log"])
    assert _call(fake, instructions)["voicedFrames"] == 0  # nobody talked yet

    # Ada holds the talk button: her microphone reaches the AI; Bob's button
    # is disabled and says who is talking.
    talk = ada.get_by_test_id("ai-talk")
    expect(talk).to_be_enabled(timeout=20_000)
    talk.hover()
    ada.mouse.down()
    expect(talk).to_have_attribute("aria-pressed", "true")
    bob_talk = bob.get_by_test_id("ai-talk")
    expect(bob_talk).to_be_disabled()
    expect(bob_talk).to_have_attribute("data-other", "Ada")
    expect(bob_talk).to_contain_text("Ada is talking to the AI")
    _wait(
        lambda: _call(fake, instructions)["voicedFrames"] >= 10,
        "the AI heard nothing of Ada",
    )
    energy = {p: _ai_stats(p).get("totalAudioEnergy", 0.0) for p in (ada, bob)}
    for page in (ada, bob):  # watch the AI tile's own speaking ring
        page.evaluate(WATCH_RING, AI_NAME)
    ada.mouse.up()
    # Releasing frees the button for Bob.
    expect(bob_talk).to_be_enabled()
    expect(talk).to_have_attribute("aria-pressed", "false")
    # The AI answers what it heard; both hear it (audio energy rises).
    _wait(lambda: _call(fake, instructions)["replies"] >= 1, "the AI did not reply")
    for page in (ada, bob):
        _wait(
            lambda p=page: _ai_stats(p).get("totalAudioEnergy", 0.0) > energy[p] + 0.01,
            "the AI's reply was not audible",
        )

    # The AI's tile lit its speaking ring (computed in each browser).
    for page in (ada, bob):
        page.wait_for_function("() => window.__aiRingLit === true", timeout=20_000)

    # Bob takes over with the A key; Ada's button is disabled meanwhile.
    heard = _call(fake, instructions)["voicedFrames"]
    bob.locator("body").click(position={"x": 5, "y": 5})
    bob.keyboard.down("a")
    expect(bob_talk).to_have_attribute("aria-pressed", "true")
    expect(talk).to_be_disabled()
    expect(talk).to_have_attribute("data-other", "Bob")
    _wait(
        lambda: _call(fake, instructions)["voicedFrames"] >= heard + 10,
        "the AI heard nothing of Bob",
    )
    bob.keyboard.up("a")
    expect(talk).to_be_enabled()

    # Bob removes the AI: its tile goes for everyone.
    bob.get_by_test_id("remove-ai").click()
    for page in (ada, bob):
        expect(tile_named(page, AI_NAME)).to_have_count(0)
        expect(page.get_by_test_id("invite-ai")).to_be_visible()
    # The token reached no browser: no state update, page, storage, served
    # file, nor the app's log.
    assert any("ai-generated-voice" in frame for frame in frames)
    assert not [frame for frame in frames if FAKE_TOKEN in frame]
    for page in (ada, bob):
        assert FAKE_TOKEN not in page.content()
        assert FAKE_TOKEN not in page.evaluate("() => JSON.stringify(localStorage)")
    assert not [t for t in _served_texts(url) if FAKE_TOKEN.encode() in t]
    assert FAKE_TOKEN not in ai_app["log"].read_text(errors="replace")


def test_the_ai_service_hanging_up_and_a_failed_invitation_say_why(
    ai_app, fake, person
):
    url = ai_app["url"]
    room = new_room_id()
    ada = person(url, "Ada")
    join(ada, url, room)
    media_ready(ada)
    ada.get_by_test_id("invite-ai").click()
    ada.get_by_test_id("ai-invite-submit").click()
    expect(tile_named(ada, AI_NAME)).to_be_visible(timeout=30_000)
    expect(ada.get_by_test_id("ai-error")).to_have_count(0)

    stop_fake(fake.proc)  # the AI service hangs up (and is down from now on)
    expect(tile_named(ada, AI_NAME)).to_have_count(0, timeout=30_000)
    expect(ada.get_by_test_id("ai-error")).to_contain_text("The AI has left the call")

    ada.get_by_test_id("invite-ai").click()
    ada.get_by_test_id("ai-invite-submit").click()
    expect(ada.get_by_test_id("ai-error")).to_contain_text(
        "The AI service could not be reached", timeout=30_000
    )
    expect(tile_named(ada, AI_NAME)).to_have_count(0)
    expect(ada.get_by_test_id("invite-ai")).to_be_visible()
