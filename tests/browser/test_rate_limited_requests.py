"""Rate limits under attack: a burst of Calls requests, a flood of heartbeats."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from security import rate_limits
from tests.browser.conftest import new_room_id
from tests.browser.room_page import calls_api, join, media_ready, own_track_ids, tiles

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

    # Bob got nothing of Ada's requests or refusals, only Reflex's fan-out of
    # the room for every event of a member (README "Room traffic": at most 2
    # small messages per event), plus the few roster changes of the sessions
    # that were accepted (a delta, and his page's reaction to it).
    print(f"100 sessions/new of Ada cost Bob {len(frames)} messages")
    assert not any("rate_limited" in f or "retryAfter" in f for f in frames)
    assert len(frames) <= 2 * 100 + 5 * len(accepted)
    assert max((len(f) for f in frames), default=0) <= 8 * 1024
    # Bob's own Calls requests are his own budget: they still work.
    assert "body" in calls_api(bob, "session", bob_session, None)


def flood(url: str, path: str, body: dict, count: int) -> list[httpx.Response]:
    """``count`` concurrent POSTs from another address (127.0.0.2)."""

    async def go() -> list[httpx.Response]:
        transport = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
        async with httpx.AsyncClient(transport=transport, timeout=30) as client:
            return await asyncio.gather(
                *(client.post(url + path, json=body) for _ in range(count))
            )

    # Playwright's loop runs in this thread: the flood gets its own.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, go()).result()


def test_a_heartbeat_flood_is_refused_while_others_keep_working(app_server, person):
    url = app_server["url"]
    room = new_room_id()
    ada = person(url, "Ada")
    join(ada, url, room)
    beats: list[int] = []
    ada.on(
        "response",
        lambda r: beats.append(r.status) if r.url.endswith("/api/heartbeat") else None,
    )

    answers = flood(
        url, "/api/heartbeat", {"room": room, "participant": "x", "key": "y"}, 200
    )
    refused = [r for r in answers if r.status_code == 429]
    assert refused, {r.status_code for r in answers}
    for response in refused:
        assert int(response.headers["Retry-After"]) >= 1
        assert response.json()["error"]["code"] == "rate_limited"
        assert response.json()["error"]["description"]
    # The refused requests never reached the route: the others got its answer.
    assert {r.status_code for r in answers} - {429} <= {410}
    # Another route from the same address still answers.
    transport = httpx.HTTPTransport(local_address="127.0.0.2")
    with httpx.Client(transport=transport, timeout=30) as client:
        health = client.get(url + "/api/health")
    assert health.status_code == 200, health.text
    # Ada (another address) keeps her heartbeats and her place in the room.
    beats.clear()
    for _ in range(40):
        if beats:
            break
        ada.wait_for_timeout(250)
    assert beats and set(beats) == {204}, beats
    expect(tiles(ada)).to_have_count(1)
    assert ada.url.endswith(f"/{room}/room")
