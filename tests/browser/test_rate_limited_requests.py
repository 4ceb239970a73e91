"""Rate limits under attack: a burst of Calls requests, a flood of heartbeats."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from launch.room_page import calls_api, join, media_ready, own_track_ids, tiles
from reflex_meet.security import rate_limits
from tests.browser.conftest import new_room_id

SESSIONS_CREATED = re.compile(r"session [0-9a-f]+ created")


def lines_after(path: Path, offset: int) -> str:
    with path.open(encoding="utf-8", errors="replace") as handle:
        handle.seek(offset)
        return handle.read()


def size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def session_of(page: Page) -> str:
    expect(page.get_by_test_id("media-bridge")).to_have_attribute(
        "data-status", "ready"
    )
    page.wait_for_function("() => window.meetMedia.published.mic")
    return own_track_ids(page)["mic"].split("/")[0]


def test_a_burst_of_sessions_new_is_refused_and_reaches_nobody_else(
    app_server, person, logs_dir
):
    """The attack of issue 8 (100 sessions/new in a burst) as raw bridge sends."""
    url = app_server["url"]
    room = new_room_id()
    ada, bob = person(url, "Ada"), person(url, "Bob")
    frames: list[str] = []  # everything Bob's page receives on its websocket
    bob.on(
        "websocket",
        lambda ws: ws.on("framereceived", lambda frame: frames.append(str(frame))),
    )
    for page in (ada, bob):
        join(page, url, room)
        media_ready(page)
    for page in (ada, bob):
        expect(tiles(page)).to_have_count(2)
    bob_session = session_of(bob)
    session_of(ada)
    bob.wait_for_timeout(1_000)
    frames.clear()
    standin_log, app_log = logs_dir / "standin.log", app_server["log"]
    standin_at, app_at = size(standin_log), size(app_log)

    # One raw request per call, no retries: what a script in the page can do.
    replies = ada.evaluate(
        """() => Promise.all(Array.from({length: 100},
            () => window.meetMedia.sendOnce("sessions/new", null, null)))"""
    )
    bob.wait_for_timeout(1_500)

    accepted = [r for r in replies if r.get("status") == 201]
    refused = [r for r in replies if r.get("status") == 429]
    assert len(accepted) + len(refused) == 100, {r.get("status") for r in replies}
    # Ada's tab already opened a session when it joined.
    assert len(accepted) < rate_limits.CALLS_SESSIONS_NEW.amount
    for reply in refused:
        assert "body" not in reply
        assert reply["error"]["code"] == "rate_limited"
        assert reply["error"]["description"]
        assert 0 < reply["error"]["retryAfter"] <= 60
    # Nothing refused was forwarded: the stand-in created only the accepted.
    created = SESSIONS_CREATED.findall(lines_after(standin_log, standin_at))
    assert len(created) == len(accepted)
    # Logged once, not once per refused request.
    logged = lines_after(app_log, app_at)
    assert logged.count("rate limit calls-sessions-new") == 1, logged[-2000:]

    # Refused requests never reached Reflex's event processor, so they cost
    # Bob nothing; a Calls request is a private event (README "Room
    # traffic"), so each accepted one costs him only its roster change (the
    # session recorded): one small message.
    # (Bob's page also receives the answers to its own Calls requests.)
    room_frames = [f for f in frames if "room_state" in f]
    print(f"100 sessions/new of Ada cost Bob {len(room_frames)} room messages")
    assert not any("rate_limited" in f or "retryAfter" in f for f in frames)
    assert len(room_frames) <= len(accepted)
    assert max((len(f) for f in room_frames), default=0) <= 1024
    # Bob's own Calls requests are his own budget: they still work.
    assert "body" in calls_api(bob, "session", bob_session, None)


def flood(url: str, body: dict, seconds: float) -> list[httpx.Response]:
    """Heartbeats with a wrong key, 50 at a time, for ``seconds`` seconds."""

    async def go() -> list[httpx.Response]:
        answers: list[httpx.Response] = []
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        async with httpx.AsyncClient(timeout=30) as client:
            while loop.time() < end:
                answers += await asyncio.gather(
                    *(
                        client.post(url + "/_meet/heartbeat", json=body)
                        for _ in range(50)
                    )
                )
        return answers

    return asyncio.run(go())


def test_a_heartbeat_flood_is_refused_while_a_tab_at_the_same_address_stays(
    app_server, person
):
    """The attacker shares Ada's address (a NAT): his junk is refused with
    429 and Retry-After; Ada's proven heartbeats go on, and she stays."""
    url = app_server["url"]
    room = new_room_id()
    ada = person(url, "Ada")
    join(ada, url, room)
    beats: list[int] = []
    ada.on(
        "response",
        lambda r: (
            beats.append(r.status) if r.url.endswith("/_meet/heartbeat") else None
        ),
    )
    wrong = {"room": room, "participant": "mallory", "key": "0" * 64}
    # Playwright's loop runs in this thread: the flood gets its own, and lasts
    # longer than Ada's heartbeat interval (5 s).
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(flood, url, wrong, 8.0)
        while not running.done():
            ada.wait_for_timeout(250)
        answers = running.result()

    refused = [r for r in answers if r.status_code == 429]
    assert len(refused) > len(answers) / 2, {r.status_code for r in answers}
    for response in refused:
        assert int(response.headers["Retry-After"]) >= 1
        assert response.json()["error"]["code"] == "rate_limited"
        assert response.json()["error"]["description"]
    # The others got the route's own answer (a wrong key proves no tab).
    assert {r.status_code for r in answers} - {429} <= {410, 422}
    # Ada's heartbeats during the flood all went through.
    assert beats and set(beats) == {204}, beats
    # Another route from the same address still answers.
    assert httpx.get(url + "/_meet/health", timeout=30).status_code == 200
    expect(tiles(ada)).to_have_count(1)
    assert ada.url.endswith(f"/{room}/room")
