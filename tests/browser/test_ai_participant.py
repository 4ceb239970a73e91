"""The AI voice participant end to end: two people, the Calls stand-in and the
fake realtime endpoint (``realtime_fake``), all real processes.

Media is proven with ``getStats()`` (packets and audio energy rising) and with
the fake's own record of the speech it heard.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from tests.ai.ai_support import FAKE_TOKEN, FakeProcess, start_fake, stop_fake
from tests.browser.conftest import ADMIN_TOKEN, new_room_id
from tests.browser.room_page import inbound, join, media_ready, self_tile, tile_named
from tests.support import reflex_server, standin_env

AI_NAME = "AI assistant"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProcess]:
    """The fake realtime endpoint for this module's app."""
    process = start_fake()
    yield process
    stop_fake(process.proc)


@pytest.fixture(scope="module")
def ai_app(
    server_port: int, logs_dir: Path, standin: dict[str, str], fake: FakeProcess
) -> Iterator[dict]:
    """The app with the AI participant configured (against the fake)."""
    log = logs_dir / "app-ai.log"
    env = {
        **standin_env(standin),
        "MEET_ADMIN_TOKEN": ADMIN_TOKEN,
        "OPENAI_API_TOKEN": FAKE_TOKEN,
        "OPENAI_MODEL_ENDPOINT": fake.url,
    }
    with reflex_server(server_port, log, env) as url:
        yield {"url": url, "log": log}


def _ai_stats(page: Page) -> dict:
    stats = inbound(page)
    found = [v for k, v in stats.items() if k.endswith("/ai-generated-voice")]
    return found[0] if found else {}


def _wait(predicate, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def _hears_the_ai(page: Page) -> None:
    """Audio packets of the AI's track keep arriving at this tab."""
    _wait(lambda: _ai_stats(page).get("packetsReceived", 0) > 0, "no AI audio")
    first = _ai_stats(page)["packetsReceived"]
    _wait(
        lambda: _ai_stats(page)["packetsReceived"] > first + 20,
        "the AI's audio stopped",
    )


def _call(fake: FakeProcess, instructions: str) -> dict:
    return next(c for c in fake.calls() if c["instructions"] == instructions)


def test_invite_talk_and_remove_the_ai(ai_app, fake, person):
    url = ai_app["url"]
    room = new_room_id()
    instructions = f"Be brief ({room})."
    ada = person(url, "Ada")
    bob = person(url, "Bob")
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
        _hears_the_ai(page)
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
    ada.mouse.up()
    # Releasing frees the button for Bob.
    expect(bob_talk).to_be_enabled()
    expect(talk).to_have_attribute("aria-pressed", "false")
    # The AI answers what it heard; both hear it (audio energy rises).
    _wait(lambda: _call(fake, instructions)["replies"] >= 1, "the AI did not reply")
    for page in (ada, bob):
        _wait(
            lambda p=page: _ai_stats(p).get("totalAudioEnergy", 0.0)
            > energy[p] + 0.01,
            "the AI's reply was not audible",
        )

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
    assert FAKE_TOKEN not in ai_app["log"].read_text(errors="replace")


def test_a_failed_invitation_says_why(ai_app, fake, person):
    url = ai_app["url"]
    room = new_room_id()
    ada = person(url, "Ada")
    join(ada, url, room)
    media_ready(ada)
    stop_fake(fake.proc)  # the AI service is down
    ada.get_by_test_id("invite-ai").click()
    ada.get_by_test_id("ai-invite-submit").click()
    expect(ada.get_by_test_id("ai-error")).to_contain_text(
        "The AI service could not be reached", timeout=20_000
    )
    expect(tile_named(ada, AI_NAME)).to_have_count(0)
    expect(ada.get_by_test_id("invite-ai")).to_be_visible()
