"""The browser side: Chromium, people (tabs) and in-page measurements.

Timings are taken inside the page (``performance.now()``, or
``performance.timeOrigin + performance.now()`` where two tabs are compared), so
they do not include Playwright round trips.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    expect,
)
from playwright.sync_api import Error as PlaywrightError

from launch.room_page import (
    go_to_lobby,
    join,
    media_ready,
    own_track_ids,
    set_display_name,
)
from launch.servers import CHROMIUM, CHROMIUM_ARGS

TIMEOUT_MS = 20_000

expect.set_options(timeout=TIMEOUT_MS)


def launch(playwright: Playwright) -> Browser:
    """Start headless Chromium with a fake camera and microphone."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM, args=list(CHROMIUM_ARGS)
    )


def new_room() -> str:
    """A room name no earlier run used."""
    return "bench-" + uuid.uuid4().hex[:10]


@dataclass
class Person:
    """One participant: a browser context with one tab.

    Attributes:
        name: Display name.
        context: The browser context (closed by :meth:`close`).
        page: The tab.
        tracks: The tab's announced track ids by name (``mic``, ``camera``),
            once known.
    """

    name: str
    context: BrowserContext
    page: Page
    tracks: dict[str, str] = field(default_factory=dict)

    def close(self) -> None:
        """Close the tab's context (its media stops with it)."""
        with contextlib.suppress(Exception):
            self.context.close()


def open_person(browser: Browser, base_url: str, name: str) -> Person:
    """Open a new context and tab with a display name set.

    Args:
        browser: The browser.
        base_url: The app's base URL.
        name: Display name.

    Returns:
        The person, on the home page.
    """
    context = browser.new_context(
        permissions=["camera", "microphone"],
        viewport={"width": 1280, "height": 900},
    )
    person = Person(name=name, context=context, page=context.new_page())
    try:
        set_display_name(person.page, base_url, name)
    except BaseException:
        person.close()
        raise
    return person


@contextlib.contextmanager
def people() -> Iterator[list[Person]]:
    """A list to collect people in; all of them are closed on exit."""
    opened: list[Person] = []
    try:
        yield opened
    finally:
        for person in opened:
            person.close()


def announced_tracks(page: Page) -> dict[str, str]:
    """Wait until the tab has announced its mic and camera track ids.

    Args:
        page: The tab (in the lobby or the meeting).

    Returns:
        Track ids by name (``mic``, ``camera``).
    """
    try:
        page.wait_for_function(
            "() => window.meetMedia && window.meetMedia.published.mic"
            " && window.meetMedia.published.camera",
            timeout=TIMEOUT_MS,
        )
    except PlaywrightError as err:
        raise MediaNotReadyError(f"tracks not announced: {engine_state(page)}") from err
    return own_track_ids(page)


class MediaNotReadyError(RuntimeError):
    """A tab's media engine did not publish its microphone and camera."""


def engine_state(page: Page) -> dict:
    """What the tab's media engine says about itself (for error messages)."""
    return page.evaluate(
        """() => {
            const e = window.meetMedia;
            if (!e) return {engine: null};
            return {
                status: e.status,
                deviceError: e.deviceError,
                published: {...e.published},
                mic: e.micTrack ? e.micTrack.readyState : null,
                camera: e.cameraTrack ? e.cameraTrack.readyState : null,
                cameraEnabled: e.cameraEnabled,
                calls: e.history.slice(-6).map((h) =>
                    [h.direction, h.op, h.status, JSON.stringify(h.body?.tracks || "")]
                        .filter(Boolean).join(" ")),
            };
        }"""
    )


def enter_meeting(person: Person, base_url: str, room: str) -> None:
    """Join a room through the lobby and wait until media is published.

    Args:
        person: Who joins.
        base_url: The app's base URL.
        room: The room name.
    """
    join(person.page, base_url, room)
    media_ready(person.page, timeout=TIMEOUT_MS)
    person.tracks = announced_tracks(person.page)


def wait_in_lobby(person: Person, base_url: str, room: str) -> None:
    """Open a room's lobby and wait until the tab's media is published there.

    Args:
        person: Who waits.
        base_url: The app's base URL.
        room: The room name.
    """
    go_to_lobby(person.page, base_url, room)
    media_ready(person.page, timeout=TIMEOUT_MS)
    person.tracks = announced_tracks(person.page)


WAIT_FOR_MEDIA = """async ([ids, timeoutMs]) => {
    // Resolves once every video id has decoded frames and every audio id has
    // packets; returns the ids still missing on timeout.
    const engine = window.meetMedia;
    const started = performance.now();
    let missing = ids;
    while (performance.now() - started < timeoutMs) {
        const stats = await engine.inboundStats();
        missing = ids.filter(([id, kind]) => {
            const s = stats[id];
            if (!s) return true;
            return kind === "video" ? s.framesDecoded <= 0 : s.packetsReceived <= 0;
        });
        if (!missing.length) return [];
        await new Promise((r) => setTimeout(r, 100));
    }
    return missing;
}"""


def wait_for_media_from(person: Person, others: list[Person]) -> None:
    """Wait until ``person`` decodes video and receives audio of all ``others``.

    Args:
        person: The receiver.
        others: The senders (their ``tracks`` must be known).

    Raises:
        TimeoutError: When some track is not received in time.
    """
    ids = [[other.tracks["camera"], "video"] for other in others]
    ids += [[other.tracks["mic"], "audio"] for other in others]
    missing = person.page.evaluate(WAIT_FOR_MEDIA, [ids, TIMEOUT_MS])
    if missing:
        raise TimeoutError(f"{person.name} does not receive {missing}")


def wait_all_connected(group: list[Person]) -> None:
    """Wait until everybody in ``group`` receives everybody else."""
    for person in group:
        wait_for_media_from(person, [other for other in group if other is not person])


PAINTED = """
    const videoOf = (trackId) =>
        document.querySelector(`video[data-track-id="${trackId}"]`);
    const painted = (trackId) => {
        const video = videoOf(trackId);
        return !!video && video.readyState >= 2 && video.videoWidth > 0;
    };
"""

CLICK_JOIN_UNTIL_FRAME = (
    """async ([trackId, timeoutMs]) => {
    // Click Join, then poll the engine every 10 ms (in the page, no Playwright
    // round trips) until the track has a decoded frame and its tile on the
    // meeting page shows it. Marks are ms after the click; clicked_at is
    // epoch ms (timeOrigin + now), comparable with other tabs.
    const engine = window.meetMedia;"""
    + PAINTED
    + """
    const before = (await engine.inboundStats())[trackId];
    const button = document.querySelector('[data-testid="join"]');
    const marks = {
        pulled_before_click: engine.pulled.has(trackId),
        frames_before_click: before ? before.framesDecoded : 0,
    };
    const mark = (name) => {
        if (marks[name] === undefined) marks[name] = performance.now() - t0;
    };
    const t0 = performance.now();
    marks.clicked_at = performance.timeOrigin + t0;
    button.click();
    while (performance.now() - t0 < timeoutMs) {
        if (location.pathname.endsWith("/room")) mark("meeting_page");
        if (engine.pulled.has(trackId)) mark("pull_answered");
        if (engine.remote.has(trackId)) mark("track_event");
        const s = (await engine.inboundStats())[trackId];
        if (s && s.packetsReceived > 0) mark("first_packet_seen");
        if (s && s.framesDecoded > 0) mark("first_frame");
        if (videoOf(trackId)) mark("tile_video_element");
        if (painted(trackId)) mark("tile_painted");
        if (marks.first_frame !== undefined && marks.tile_painted !== undefined) {
            return marks;
        }
        await new Promise((r) => setTimeout(r, 10));
    }
    marks.timed_out = true;
    return marks;
}"""
)


def click_join_until_frame(person: Person, track_id: str) -> dict:
    """Click Join in the lobby and time the first decoded frame of a track.

    Args:
        person: The person in the lobby (media already published).
        track_id: The remote video track to wait for.

    Returns:
        Milestones in ms after the click (``first_frame``, ``tile_painted``
        among them), ``clicked_at`` in epoch ms, and whether the track was
        already pulled (``pulled_before_click``, ``frames_before_click``).

    Raises:
        TimeoutError: When no frame is decoded or shown in time.
    """
    marks = person.page.evaluate(CLICK_JOIN_UNTIL_FRAME, [track_id, TIMEOUT_MS])
    if marks.get("timed_out"):
        raise TimeoutError(f"no frame of {track_id} after joining: {marks}")
    return marks


WATCH_NEWCOMER = (
    """([trackId, timeoutMs]) => {
    // In the background, note (epoch ms) when this tab pulls, decodes and
    // shows a track: a newcomer's camera. Read window.__benchSeen later.
    const engine = window.meetMedia;"""
    + PAINTED
    + """
    const seen = {};
    window.__benchSeen = seen;
    const now = () => performance.timeOrigin + performance.now();
    const started = performance.now();
    (async () => {
        while (performance.now() - started < timeoutMs) {
            if (seen.pull_answered === undefined && engine.pulled.has(trackId)) {
                seen.pull_answered = now();
            }
            const s = (await engine.inboundStats())[trackId];
            if (seen.first_frame === undefined && s && s.framesDecoded > 0) {
                seen.first_frame = now();
            }
            if (seen.tile_video_element === undefined && videoOf(trackId)) {
                seen.tile_video_element = now();
            }
            if (seen.tile_painted === undefined && painted(trackId)) {
                seen.tile_painted = now();
            }
            if (seen.first_frame !== undefined && seen.tile_painted !== undefined) {
                seen.done = true;
                return;
            }
            await new Promise((r) => setTimeout(r, 10));
        }
        seen.timed_out = true;
    })();
}"""
)


def watch_newcomer(person: Person, track_id: str) -> None:
    """Start noting when ``person``'s tab pulls, decodes and shows a track.

    Args:
        person: The member already in the meeting.
        track_id: The newcomer's camera track.
    """
    person.page.evaluate(WATCH_NEWCOMER, [track_id, TIMEOUT_MS])


def newcomer_seen(person: Person) -> dict[str, float]:
    """Wait for :func:`watch_newcomer` to finish and return its epoch marks.

    Raises:
        TimeoutError: When the newcomer's video was not shown in time.
    """
    person.page.wait_for_function(
        "() => window.__benchSeen.done || window.__benchSeen.timed_out",
        timeout=TIMEOUT_MS + 5_000,
    )
    seen = person.page.evaluate("() => window.__benchSeen")
    if seen.get("timed_out"):
        raise TimeoutError(f"{person.name} did not show the newcomer: {seen}")
    return seen


def inbound_totals(person: Person) -> dict:
    """What a tab has received so far, over all pulled tracks.

    Args:
        person: The receiver.

    Returns:
        ``bytes`` (all tracks), ``frames`` (video frames decoded) and
        ``widths`` (decoded width of each video track).
    """
    stats = person.page.evaluate("() => window.meetMedia.inboundStats()")
    video = [s for s in stats.values() if s["kind"] == "video"]
    return {
        "bytes": sum(s["bytesReceived"] for s in stats.values()),
        "frames": sum(s["framesDecoded"] for s in video),
        "widths": [s["frameWidth"] for s in video],
    }


WATCH_HAND = """(participantId) => {
    // Record (wall-clock comparable across tabs) every change of that
    // participant's tile data-hand, whether the attribute flips or the tile
    // element is replaced.
    const selector = '[data-testid="participant-tile"]'
        + `[data-participant-id="${participantId}"]`;
    const read = () => {
        const tile = document.querySelector(selector);
        return tile ? tile.getAttribute("data-hand") : null;
    };
    const watch = { changes: [], last: read() };
    window.__benchHand = watch;
    new MutationObserver(() => {
        const value = read();
        if (value !== null && value !== watch.last) {
            const at = performance.timeOrigin + performance.now();
            watch.changes.push({ value, at });
            watch.last = value;
        }
    }).observe(document.body, {
        subtree: true,
        childList: true,
        attributes: true,
        attributeFilter: ["data-hand"],
    });
    return watch.last;
}"""

RECORD_HAND_CLICKS = """() => {
    // Capture phase on window: runs before React's listener on its root.
    window.__benchClicks = [];
    window.addEventListener("click", (event) => {
        if (event.target.closest?.('[data-testid="toggle-hand"]')) {
            window.__benchClicks.push(performance.timeOrigin + performance.now());
        }
    }, true);
}"""


def participant_id(page: Page) -> str:
    """The participant id of the tab's own tile."""
    tile = page.locator('[data-testid="participant-tile"][data-self="true"]')
    value = tile.get_attribute("data-participant-id", timeout=TIMEOUT_MS)
    if not value:
        raise RuntimeError("own tile has no participant id")
    return value
