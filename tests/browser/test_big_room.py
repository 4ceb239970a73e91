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

from launch.room_page import inbound, join, media_ready, tiles
from reflex_meet.core.calls_policy import MAX_TRACKS
from reflex_meet.state.room import RoomState
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

MEMBERS = 40
# Tiles on a stage page (the first page holds the newcomer and 8 members).
STAGE_PAGE = 9


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


def pulled(page: Page) -> set[str]:
    """The track ids the tab's media engine has pulled."""
    return set(page.evaluate("() => [...window.meetMedia.pulled.keys()]"))


def requests_listing_tracks(page: Page) -> list[tuple[str, int, str]]:
    """``(op, tracks listed, error code)`` of the bridge's Calls requests."""
    return [
        tuple(row)
        for row in page.evaluate(
            """() => {
                const replies = new Map(window.meetMedia.history
                    .filter((e) => e.direction === 'response')
                    .map((e) => [e.id, e.error ? e.error.code : '']));
                return window.meetMedia.history
                    .filter((e) => e.direction === 'request' && e.body && e.body.tracks)
                    .map((e) => [e.op, e.body.tracks.length, replies.get(e.id) ?? 'unanswered']);
            }"""
        )
    ]


def offer_size(page: Page) -> tuple[int, int]:
    """The size of the offer the tab would send now, and its transceivers."""
    return tuple(
        page.evaluate(
            """async () => {
                const pc = window.meetMedia.pc;
                return [(await pc.createOffer()).sdp.length, pc.getTransceivers().length];
            }"""
        )
    )


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
        expect(tiles(newcomer)).to_have_count(STAGE_PAGE)
        on_stage = stage_videos(newcomer)
        assert len(on_stage) == STAGE_PAGE - 1 and set(on_stage) <= video, on_stage
        wait_stats(
            newcomer,
            lambda s: all(s.get(t, {}).get("framesDecoded", 0) > 0 for t in on_stage),
            "decoded frames on every stage tile",
        )
        newcomer.wait_for_timeout(2000)
        second = inbound(newcomer)
        report.append(meter.mark("stage video decoded, media sampled twice"))
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
        assert pulled(newcomer) == audio | set(on_stage)
        report.append(f"offer size, transceivers: {offer_size(newcomer)}")

        # The next stage page: its video pulled, the first page's closed.
        newcomer.get_by_test_id("page-next").click()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            page_two = stage_videos(newcomer)
            if (
                page_two
                and not set(page_two) & set(on_stage)
                and pulled(newcomer) == audio | set(page_two)
            ):
                break
            newcomer.wait_for_timeout(250)
        else:
            raise AssertionError(
                f"page 2 never replaced page 1's video: "
                f"{requests_listing_tracks(newcomer)[-6:]}"
            )
        assert len(page_two) == STAGE_PAGE and set(page_two) <= video, page_two
        wait_stats(
            newcomer,
            lambda s: all(s.get(t, {}).get("framesDecoded", 0) > 0 for t in page_two),
            "decoded frames on every tile of page 2",
        )
        report.append(meter.mark("stage page 2 shown and decoded"))
        report.append(f"offer size, transceivers: {offer_size(newcomer)}")

        # Someone on page 2 leaves: their tracks are closed (the offer that
        # closes them lists every transceiver of a big session).
        leaving = next(i for i, own in enumerate(tracks) if own["video"] in page_two)
        members[leaving].call(RoomState, "leave")
        gone = {tracks[leaving]["audio"], tracks[leaving]["video"]}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (
            pulled(newcomer) & gone
            or not any(
                op == "tracks/close" and n == 2
                for op, n, _ in requests_listing_tracks(newcomer)
            )
            or any(
                error == "unanswered"
                for _, _, error in requests_listing_tracks(newcomer)
            )
        ):
            newcomer.wait_for_timeout(250)
        assert not pulled(newcomer) & gone, requests_listing_tracks(newcomer)[-6:]
        report.append(meter.mark("a member left, their tracks closed"))

        # Every request listed at most the proxy's limit, and none failed (the
        # stage refills the leaver's place: let that pull be answered first).
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(
            error == "unanswered" for _, _, error in requests_listing_tracks(newcomer)
        ):
            newcomer.wait_for_timeout(250)
        sent = requests_listing_tracks(newcomer)
        pulls = [n for op, n, _ in sent if op == "tracks/new"]
        assert max(n for _, n, _ in sent) <= MAX_TRACKS, sent
        assert len(pulls) >= 3, sent  # publish, then the first pull in two
        assert [row for row in sent if row[2]] == [], sent
        report.append(f"requests (op, tracks): {[row[:2] for row in sent]}")
    finally:
        print("\n" + "\n".join(report))
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
