"""The measurements: join latency, roster latency, stand-in and app costs."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from playwright.sync_api import Browser

from bench import pages, procs
from bench.pages import Person

T = TypeVar("T")

SETTLE_MIN_SECONDS = 25.0
"""Chromium starts a camera at 640 px and steps up to 1280 px in ~25 s here."""
SETTLE_MAX_SECONDS = 45.0
"""Longest wait for the media bitrate to settle before sampling."""
SETTLE_STEP_SECONDS = 3.0
SETTLE_TOLERANCE = 0.15
"""Two consecutive receive rates within 15 % of each other: settled."""
SETUP_ATTEMPTS = 3
"""Tries to get one person's media published before giving up."""


def log(message: str) -> None:
    """Print a progress line (flushed)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


@dataclass
class Setting:
    """What every scenario works with.

    Attributes:
        browser: The browser.
        base_url: The app's base URL.
        problems: Setup failures that were retried (for the report).
        busy: Machine CPU busy % over each scenario, by scenario name.
    """

    browser: Browser
    base_url: str
    problems: list[str] = field(default_factory=list)
    busy: dict[str, float] = field(default_factory=dict)

    def admit(
        self, group: list[Person], name: str, room: str, *, lobby: bool = False
    ) -> Person:
        """Open a person and bring them into the meeting (or its lobby).

        A person whose media does not get published (say the fake camera
        fails to open) is closed and replaced, up to :data:`SETUP_ATTEMPTS`
        times; each failure is kept in :attr:`problems`.

        Args:
            group: Where the person is added (closed with it).
            name: Display name.
            room: The room.
            lobby: Stop in the lobby instead of joining.

        Returns:
            The person, with their track ids known.
        """
        enter = pages.wait_in_lobby if lobby else pages.enter_meeting
        for attempt in range(1, SETUP_ATTEMPTS + 1):
            person = pages.open_person(self.browser, self.base_url, name)
            try:
                enter(person, self.base_url, room)
            except pages.MediaNotReadyError as err:
                person.close()
                self.problems.append(f"{name} (try {attempt}): {err}")
                log(f"setup failed, retrying: {name}: {err}")
                if attempt == SETUP_ATTEMPTS:
                    raise
                continue
            group.append(person)
            return person
        raise AssertionError("unreachable")

    def timed(self, name: str, action: Callable[[], T]) -> T:
        """Run a scenario and note how busy the machine was meanwhile.

        Args:
            name: The scenario's name in :attr:`busy`.
            action: The scenario.

        Returns:
            What the scenario returns.
        """
        with procs.busy_meter(self.busy, name):
            return action()


# ---- 1. join -> first remote frame ---------------------------------------------


@dataclass
class JoinRun:
    """One join, in ms after the Join click.

    Attributes:
        joiner: Milestones in the joiner's tab (A sees B), as returned by
            :func:`bench.pages.click_join_until_frame`.
        member: Milestones in the member's tab (B sees the newcomer A).
        frames_before_click: Frames of B's camera that A had decoded in the
            lobby before clicking.
    """

    joiner: dict[str, float]
    member: dict[str, float]
    frames_before_click: int = 0

    @property
    def first_frame_ms(self) -> float:
        """Click to A's first decoded frame of B's camera (``getStats``)."""
        return self.joiner["first_frame"]

    @property
    def painted_ms(self) -> float:
        """Click to B's camera showing in its tile on A's meeting page."""
        return self.joiner["tile_painted"]

    @property
    def member_painted_ms(self) -> float:
        """Click to A's camera showing in A's tile on B's page (cold pull)."""
        return self.member["tile_painted"]

    @property
    def prepulled(self) -> bool:
        """Whether A decoded B's camera already in the lobby."""
        return self.frames_before_click > 0


def measure_join(setting: Setting, repeats: int) -> list[JoinRun]:
    """Time Join → first remote video frame, each time in a fresh room.

    Args:
        setting: Browser, app, problem log.
        repeats: How many joins.

    Returns:
        One result per join.
    """
    runs = []
    for index in range(repeats):
        run = one_join(setting)
        runs.append(run)
        log(
            f"join {index + 1}/{repeats} ({run.frames_before_click} frames of B"
            f" decoded in the lobby): A sees B: {_format_marks(run.joiner)}"
            f"; B sees A: {_format_marks(run.member)}"
        )
    return runs


def one_join(setting: Setting) -> JoinRun:
    """One join in a fresh room, with fresh tabs.

    B is in the meeting already; A waits in the lobby with its media
    published, then clicks Join. Timed in A's tab: B's camera decoded and
    shown; in B's tab: A's camera decoded and shown.

    Args:
        setting: Browser, app, problem log.

    Returns:
        The milestones.
    """
    with pages.people() as group:
        room = pages.new_room()
        bob = setting.admit(group, "Bob", room)
        ada = setting.admit(group, "Ada", room, lobby=True)
        ada.page.wait_for_timeout(1000)  # let the lobby go quiet
        pages.watch_newcomer(bob, ada.tracks["camera"])
        joiner = pages.click_join_until_frame(ada, bob.tracks["camera"])
        clicked_at = joiner.pop("clicked_at")
        joiner.pop("pulled_before_click")
        frames_before = int(joiner.pop("frames_before_click"))
        seen = pages.newcomer_seen(bob)
    member = {
        name: at - clicked_at for name, at in seen.items() if not isinstance(at, bool)
    }
    return JoinRun(joiner, member, frames_before)


def _format_marks(marks: dict[str, float]) -> str:
    """Milestones as ``name=123`` in time order."""
    ordered = sorted(marks.items(), key=lambda item: item[1])
    return ", ".join(f"{name}={value:.0f}" for name, value in ordered)


# ---- 2. roster change on A -> visible on B ---------------------------------------


@dataclass
class RosterRun:
    """Latencies of raise/lower hand from A's click to B's DOM, in ms."""

    latencies_ms: list[float]


def measure_roster(setting: Setting, changes: int) -> RosterRun:
    """Toggle A's hand ``changes`` times and time each change as B sees it.

    The click time is taken in A's tab (capture listener) and the change in
    B's tab (MutationObserver), both as ``timeOrigin + now``.

    Args:
        setting: Browser, app, problem log.
        changes: Number of toggles.

    Returns:
        The latencies.

    Raises:
        TimeoutError: When B does not see a change within 10 s.
    """
    with pages.people() as group:
        room = pages.new_room()
        ada = setting.admit(group, "Ada", room)
        bob = setting.admit(group, "Bob", room)
        pages.wait_all_connected(group)
        ada_id = pages.participant_id(ada.page)
        bob.page.wait_for_selector(
            f'[data-testid="participant-tile"][data-participant-id="{ada_id}"]'
        )
        state = bob.page.evaluate(pages.WATCH_HAND, ada_id)
        ada.page.evaluate(pages.RECORD_HAND_CLICKS)
        button = ada.page.get_by_test_id("toggle-hand")
        for index in range(changes):
            state = "raised" if state == "down" else "down"
            button.click()
            try:
                bob.page.wait_for_function(
                    "(n) => window.__benchHand.changes.length >= n",
                    arg=index + 1,
                    timeout=10_000,
                )
            except Exception as err:
                raise TimeoutError(f"change {index + 1} not seen by B") from err
            # The button sends the opposite of A's own view: wait for it too.
            pressed = "true" if state == "raised" else "false"
            ada.page.wait_for_selector(
                f'[data-testid="toggle-hand"][aria-pressed="{pressed}"]'
            )
            ada.page.wait_for_timeout(100)
        clicks = ada.page.evaluate("() => window.__benchClicks")
        seen = bob.page.evaluate("() => window.__benchHand.changes")
    return RosterRun(_pair_latencies(clicks, seen))


def _pair_latencies(clicks: list[float], seen: list[dict]) -> list[float]:
    """Match clicks to observed changes in order and return the differences.

    Args:
        clicks: Click times in A's tab (epoch ms).
        seen: Observed changes in B's tab (``at`` in epoch ms).

    Returns:
        Latencies in ms.

    Raises:
        RuntimeError: When the counts differ (a click without a change).
    """
    if len(clicks) != len(seen):
        raise RuntimeError(f"{len(clicks)} clicks but {len(seen)} changes seen")
    return [change["at"] - click for click, change in zip(clicks, seen, strict=True)]


# ---- 3 and 4. stand-in CPU/RSS, app server RSS -----------------------------------


@dataclass
class LoadPoint:
    """Costs with ``participants`` people in one room, all media flowing.

    Attributes:
        participants: Head count.
        standin: The stand-in's CPU and RSS.
        app: The app server's CPU and RSS.
        ours: This benchmark's whole process tree (browser, servers, itself).
        received_kbps: Media received by all tabs together (what the
            stand-in forwarded) over the window.
        video_fps: Video frames decoded per second, per video stream.
        widths: Decoded width of each video stream at the end.
    """

    participants: int
    standin: procs.Sample
    app: procs.Sample
    ours: procs.Sample
    received_kbps: float = 0.0
    video_fps: float = 0.0
    widths: list[int] = field(default_factory=list)

    @property
    def pairs(self) -> int:
        """Pairs of participants (each pair: two directions of audio+video)."""
        return self.participants * (self.participants - 1) // 2


@dataclass
class LoadRun:
    """Costs with 0, 2 and 3 participants.

    Attributes:
        points: One per head count, after the warm-up meeting.
        cold_app_rss_mib: The app server's RSS right after it started.
    """

    points: list[LoadPoint] = field(default_factory=list)
    cold_app_rss_mib: float = 0.0


def measure_load(
    setting: Setting, standin_pid: int, app_pids: set[int], seconds: float
) -> LoadRun:
    """Sample the stand-in and the app server with 0, 2 and 3 participants.

    The app's RSS is read once cold, then a warm-up meeting is held (see
    :func:`warm_up`) before the samples.

    Args:
        setting: Browser, app, problem log.
        standin_pid: The stand-in's pid.
        app_pids: The app server's process tree.
        seconds: Length of each sampling window.

    Returns:
        One point per head count.
    """
    run = LoadRun(cold_app_rss_mib=sum(map(procs.rss_kib, app_pids)) / 1024)
    warm_up(setting)

    def take(group: list[Person]) -> None:
        log(f"sampling {seconds:.0f} s with {len(group)} participants")
        before = [pages.inbound_totals(person) for person in group]
        ours = procs.descendants(os.getpid()) | {os.getpid()}
        groups = {"standin": {standin_pid}, "app": app_pids, "ours": ours}
        got = procs.sample(groups, seconds)
        after = [pages.inbound_totals(person) for person in group]
        point = LoadPoint(len(group), got["standin"], got["app"], got["ours"])
        _add_media_rates(point, before, after)
        run.points.append(point)

    take([])
    with pages.people() as group:
        room = pages.new_room()
        for name in ("Ada", "Bob", "Cy"):
            setting.admit(group, name, room)
            if len(group) >= 2:
                pages.wait_all_connected(group)
                settle(group)
                take(group)
    return run


def received_kbps(group: list[Person], seconds: float) -> float:
    """Media received by all tabs together over the next ``seconds``."""
    before = sum(pages.inbound_totals(person)["bytes"] for person in group)
    time.sleep(seconds)
    after = sum(pages.inbound_totals(person)["bytes"] for person in group)
    return (after - before) * 8 / 1000 / seconds


def settle(group: list[Person]) -> None:
    """Wait until the media bitrate stops ramping up (bandwidth estimation).

    Senders start low and raise bitrate and resolution over tens of seconds;
    sampling during the ramp would understate the stand-in's steady cost.
    Settled: at least :data:`SETTLE_MIN_SECONDS` passed and two consecutive
    receive rates agree within :data:`SETTLE_TOLERANCE`.

    Args:
        group: Everyone in the room.
    """
    started = time.monotonic()
    previous = rate = received_kbps(group, SETTLE_STEP_SECONDS)
    while (elapsed := time.monotonic() - started) < SETTLE_MAX_SECONDS:
        rate = received_kbps(group, SETTLE_STEP_SECONDS)
        stable = abs(rate - previous) <= SETTLE_TOLERANCE * max(previous, 1.0)
        if stable and elapsed >= SETTLE_MIN_SECONDS:
            break
        previous = rate
    log(f"media at {rate:.0f} kbit/s after {time.monotonic() - started:.0f} s")


def _add_media_rates(point: LoadPoint, before: list[dict], after: list[dict]) -> None:
    """Fill in what the tabs received over a window.

    Args:
        point: The sample to complete (its window length is used).
        before: :func:`bench.pages.inbound_totals` of each tab at the start.
        after: The same at the end.
    """
    seconds = point.standin.seconds
    pairs = list(zip(before, after, strict=True))
    streams = sum(len(end["widths"]) for end in after)
    received = sum(end["bytes"] - start["bytes"] for start, end in pairs)
    frames = sum(end["frames"] - start["frames"] for start, end in pairs)
    point.received_kbps = received * 8 / 1000 / seconds
    point.video_fps = frames / streams / seconds if streams else 0.0
    point.widths = [width for end in after for width in end["widths"]]


def warm_up(setting: Setting) -> None:
    """Hold one short meeting so one-time costs are not counted per person.

    The first room, media session and Calls request of a fresh server load
    code and fill caches; a throwaway meeting of two pays for that first.

    Args:
        setting: Browser, app, problem log.
    """
    log("warm-up meeting")
    with pages.people() as group:
        room = pages.new_room()
        for name in ("Warm", "Up"):
            setting.admit(group, name, room)
        pages.wait_all_connected(group)
    time.sleep(2.0)  # the sessions close on the stand-in
