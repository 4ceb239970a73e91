"""A newcomer in a big room receives everyone's audio and the stage's video.

40 members speak the app's own websocket protocol (raw Reflex clients): they
open the meeting page, create their Calls sessions through the app's Calls
proxy and announce their tracks with ``RoomState.update_own``, as the bridge
does. Their media comes from one process publishing a microphone and a
camera on each of their sessions into the local Calls stand-in
(:mod:`tests.browser.big_room`). Then a real Chromium tab joins: its first
pull lists more tracks than the proxy takes in one request (40 audio plus the
stage's video), so it only works when the bridge splits it. Media is proven
with ``getStats()``: audio packets from every member, decoded frames from
every video on the newcomer's stage.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from core.calls_policy import MAX_TRACKS
from tests.browser.big_room import (
    CpuMeter,
    Publisher,
    announce,
    group_cpu_seconds,
    join_members,
    leave_all,
    listener_group,
    machine_cpu_seconds,
    process_cpu_seconds,
    publish_sessions,
)
from tests.browser.conftest import new_room_id
from tests.browser.room_page import inbound, join, media_ready, tiles

MEMBERS = 40


@pytest.fixture
def publisher(app_server: dict) -> Iterator[Publisher]:
    """Publishes media for simulated members into the app's stand-in."""
    standin = app_server["standin"]
    if not standin.get("secret"):
        pytest.skip("needs the stand-in's secret (MEET_TEST_STANDIN_SECRET)")
    running = Publisher(standin["url"], standin["app_id"], standin["secret"])
    yield running
    running.close()


def stage_videos(page: Page) -> list[str]:
    """The pulled video track ids the tiles on this tab's stage show."""
    return page.evaluate(
        """() => [...document.querySelectorAll(
            '[data-testid="participant-tile"] [data-testid="tile-video"]')]
            .map((v) => v.getAttribute('data-track-id') || '')
            .filter((id) => id && !id.startsWith('self:'))"""
    )


def wait_stats(page: Page, predicate, what: str, timeout_s: float = 30) -> dict:
    """Poll ``inboundStats()`` until ``predicate(stats)`` holds; return them."""
    deadline = time.monotonic() + timeout_s
    stats: dict = {}
    while time.monotonic() < deadline:
        stats = inbound(page)
        if predicate(stats):
            return stats
        page.wait_for_timeout(250)
    raise AssertionError(f"timed out waiting for {what}: {stats}")


def cpu_meter(app_server: dict) -> CpuMeter:
    """Measures the app server, the stand-in, this process and the machine."""
    port = int(app_server["url"].rsplit(":", 1)[1])
    readers = {
        "machine": machine_cpu_seconds,
        "tests": lambda: process_cpu_seconds(os.getpid()),
    }
    if (app := listener_group(port)) is not None:
        readers["app server"] = lambda: group_cpu_seconds(app)
    if standin := app_server["standin"].get("pid"):
        readers["stand-in"] = lambda: group_cpu_seconds(int(standin))
    return CpuMeter(readers)


def test_a_newcomer_in_a_room_of_40_hears_everyone_and_sees_the_stage(
    app_server, publisher, person
):
    url = app_server["url"]
    room = new_room_id()
    meter = cpu_meter(app_server)
    report = [f"{MEMBERS} members"]
    members = join_members(url, room, MEMBERS)
    try:
        report.append(meter.mark("members joined"))
        tracks = publish_sessions(members, publisher)
        report.append(meter.mark("sessions created and published"))
        announce(members, tracks)
        report.append(meter.mark("tracks announced"))
        audio = {own["audio"] for own in tracks}
        video = {own["video"] for own in tracks}

        newcomer = person(url, "Newcomer")
        join(newcomer, url, room)
        media_ready(newcomer)
        report.append(meter.mark("newcomer joined, media ready"))
        # Everyone's audio: more tracks than one request to the proxy takes.
        assert len(audio) > MAX_TRACKS
        first = wait_stats(
            newcomer,
            lambda s: all(s.get(t, {}).get("packetsReceived", 0) > 0 for t in audio),
            f"audio packets from all {MEMBERS} members",
        )
        report.append(meter.mark("newcomer hears everyone"))
        # The stage's video: the tiles the page shows, every one decoding.
        expect(tiles(newcomer).first).to_be_visible()
        on_stage = stage_videos(newcomer)
        assert on_stage, "no member's video on the newcomer's stage"
        assert set(on_stage) <= video
        wait_stats(
            newcomer,
            lambda s: all(s.get(t, {}).get("framesDecoded", 0) > 0 for t in on_stage),
            "decoded frames on every stage tile",
        )
        newcomer.wait_for_timeout(2000)
        second = inbound(newcomer)
        report.append(meter.mark("stage video decoded, media sampled twice"))
        print("\n" + "\n".join(report))
        silent = [t for t in audio if t not in second]
        assert not silent, diagnose(newcomer, members, silent)
        for track in audio:
            before, after = first[track], second[track]
            assert after["packetsReceived"] > before["packetsReceived"], track
        for track in on_stage:
            before = first.get(track, {}).get("framesDecoded", 0)
            assert second[track]["framesDecoded"] > before, track
            assert second[track]["frameWidth"] > 0, track
        # Video is pulled for the stage only; audio for everyone.
        pulled = set(newcomer.evaluate("() => [...window.meetMedia.pulled.keys()]"))
        assert pulled == audio | set(on_stage)
        # The requests that did it: none above the proxy's limit.
        sizes = newcomer.evaluate(
            """() => window.meetMedia.history
                .filter((e) => e.direction === 'request' && e.body && e.body.tracks)
                .map((e) => [e.op, e.body.tracks.length])"""
        )
        pulls = [n for op, n in sizes if op == "tracks/new"]
        assert max(n for _, n in sizes) <= MAX_TRACKS, sizes
        assert sum(pulls) >= len(pulled) and len(pulls) >= 2, sizes
    finally:
        leave_all(members)


def diagnose(page: Page, members: list, silent: list[str]) -> str:
    """Why tracks the newcomer once received are gone: roster and requests."""
    roster = {
        (u.get("tracks") or {}).get("audio"): u.get("name") for u in members[-1].users()
    }
    history = page.evaluate(
        """() => window.meetMedia.history.slice(-12).map((e) =>
            [e.direction, e.op, e.status || '', e.error ? e.error.code : '',
             e.body && e.body.tracks ? e.body.tracks.length : ''])"""
    )
    where = {track: roster.get(track, "not in the roster") for track in silent}
    return f"tracks gone after being received: {where}; last requests: {history}"
