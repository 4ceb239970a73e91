"""A worker process is killed (SIGKILL) in the middle of a meeting: nobody is lost.

The app runs on Reflex's Redis state manager with several Granian workers
(``redis_app_server``). Each tab shows the worker that served its last room
event as ``data-worker``. Two (or three) people meet, at least two of them
served by different workers; the test kills the worker of one of them by
its pid (after checking it is a worker of this test's server), never by
name.
The tabs it served must be served again by themselves (no reload) as the
same participants (same client token and participant id), everyone keeps
seeing everyone once (no ghost, no duplicate), hands and chat cross
afterwards, media keeps flowing both ways (``getStats()``), every heartbeat
after the kill is accepted (HTTP, any worker) and nobody is swept out while
the sweepers of the surviving and the respawned workers run; a newcomer then
finds exactly the people who are there.

Without ``app.worker_respawn`` Granian shuts the whole server down when the
worker dies; without ``app.socket_takeover`` the reconnecting tab gets a new
client token, enters as somebody new and leaves a ghost of itself.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time
from pathlib import Path

from playwright.sync_api import Page, Response, expect

from launch.room_page import (
    inbound,
    media_ready,
    open_chat,
    own_track_ids,
    self_tile,
    send_chat,
    tile_named,
    tiles,
)
from reflex_meet.core.roster import HEARTBEAT_TIMEOUT
from reflex_meet.state.sweeper import SWEEP_INTERVAL
from tests.browser.conftest import new_room_id
from tests.browser.test_media import CANVAS_SHARE, announced, wait_for

# How long the room is watched after the kill: long enough for a tab whose
# heartbeats went nowhere to be swept out by some worker's sweeper.
WATCH_S = HEARTBEAT_TIMEOUT + 2 * SWEEP_INTERVAL
# Within this long of the kill, the killed worker's tab is served again.
RECONNECT_S = 20
# Within this long of the kill, a screen shared while the worker hung is seen
# (a request lost with the worker would otherwise wait for the reply budget).
SHARE_BACK_S = 18
# How long opening a page and joining may take on a busy machine.
PATIENT_MS = 30_000


def _worker_pid(page: Page) -> int:
    value = page.get_by_test_id("room-root").get_attribute("data-worker")
    return int(value or 0)


def _parent_pid(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    # The command name may hold spaces: the fields after its ")" are fixed.
    return int(stat.rsplit(")", 1)[1].split()[1])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z"


def _check_worker(pid: int, url: str) -> None:
    """Fail unless ``pid`` is a worker of the app server at ``url``."""
    port = url.rsplit(":", 1)[1]
    supervisor = _parent_pid(pid)
    command = Path(f"/proc/{supervisor}/cmdline").read_bytes().split(b"\0")
    assert b"reflex" in b" ".join(command) and port.encode() in command, (
        f"pid {pid} is not a worker of the app server on port {port}"
    )


def _kill_worker(pid: int, url: str) -> None:
    """SIGKILL one worker of the server at ``url`` (checked), nothing else."""
    _check_worker(pid, url)
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while _alive(pid):
        assert time.monotonic() < deadline, f"worker {pid} survived SIGKILL"
        time.sleep(0.1)


class Tab:
    """A person's tab, watched for heartbeat answers and page loads."""

    def __init__(self, name: str, page: Page) -> None:
        self.name = name
        self.page = page
        self.loads = 0
        self.beats: list[tuple[float, int]] = []

    def watch(self) -> None:
        """From now on, count page loads and record heartbeat answers."""
        self.page.on("load", self._on_load)
        self.page.on("response", self._on_response)
        self.page.evaluate("() => { window.__beforeTheKill = true; }")

    def _on_load(self, _page: Page) -> None:
        self.loads += 1

    def _on_response(self, response: Response) -> None:
        if response.url.endswith("/_meet/heartbeat"):
            self.beats.append((time.monotonic(), response.status))

    def heartbeats_since(self, moment: float) -> list[int]:
        """The statuses of the heartbeat answers since ``moment``."""
        return [status for at, status in self.beats if at >= moment]


def _receives(page: Page, other: Tab, what: str, within_ms: int = 20_000) -> None:
    """``page`` decodes more and more of ``other``'s camera and microphone.

    Polls ``getStats()`` until the other's current camera has decoded 3 more
    frames and its microphone 20 more packets than at the first sample that
    had both (a loaded machine may take a while; a stalled track never does).
    """
    ids = announced(other.page)
    camera, mic = ids["camera"], ids["mic"]
    first: dict | None = None
    waited = 0
    while waited < within_ms:
        stats = inbound(page)
        if camera in stats and mic in stats:
            if first is None:
                first = stats
            elif (
                stats[camera]["framesDecoded"] >= first[camera]["framesDecoded"] + 3
                and stats[mic]["packetsReceived"] >= first[mic]["packetsReceived"] + 20
                and stats[camera]["frameWidth"] > 0
            ):
                return
        page.wait_for_timeout(250)
        waited += 250
    raise AssertionError(f"{what}: no rising media from {other.name} ({first})")


def _see_each_other_once(tab: Tab, names: list[str]) -> None:
    """``tab`` shows exactly one tile per person, its own included."""
    expect(tiles(tab.page)).to_have_count(len(names))
    for name in names:
        label = f"{name} (you)" if name == tab.name else name
        expect(tile_named(tab.page, label)).to_have_count(1)


def _all_receive(tabs: list[Tab], what: str) -> None:
    for tab in tabs:
        for other in tabs:
            if other is not tab:
                _receives(tab.page, other, f"{what}: {tab.name} from {other.name}")


def _open(person, url: str, room: str, name: str) -> Tab:
    """A person goes through the lobby into the meeting, media published.

    Patient (the machine may be busy with a respawning worker and other
    tests): nothing here is what the tests measure.
    """
    page = person(url, name)
    page.goto(f"{url}/{room}")
    expect(page.get_by_test_id("join")).to_be_enabled(timeout=PATIENT_MS)
    page.get_by_test_id("join").click()
    page.wait_for_url(f"**/{room}/room", timeout=PATIENT_MS)
    expect(self_tile(page)).to_be_visible(timeout=PATIENT_MS)
    media_ready(page, timeout=PATIENT_MS)
    return Tab(name, page)


def _own_id(tab: Tab) -> str:
    return self_tile(tab.page).get_attribute("data-participant-id") or ""


def _socket_drops(tab: Tab) -> int:
    """How often the tab's Reflex websocket dropped (the media engine counts)."""
    return tab.page.evaluate("() => window.meetMedia.socketDrops")


def _token(tab: Tab) -> str:
    return tab.page.evaluate("() => sessionStorage.getItem('token')")


def _meet_on_two_workers(person, url: str) -> tuple[list[Tab], dict[str, int]]:
    """Two people meet, the last one served by another worker than Ada.

    The workers take new connections in turn, and a page load opens several,
    so a new tab's websocket may keep landing on Ada's worker: before each
    new person, idle connections to the server shift whose turn it is. A
    person who landed on Ada's worker stays (three people then meet).

    Returns:
        The tabs and the worker of each tab by name.
    """
    room = new_room_id()
    tabs = [_open(person, url, room, "Ada")]
    host, port = url.removeprefix("http://").split(":")
    for shift, name in enumerate(("Bob", "Cy", "Dee", "Eli")):
        with contextlib.ExitStack() as nudges:
            for _ in range(shift):
                nudges.enter_context(socket.create_connection((host, int(port))))
            tabs.append(_open(person, url, room, name))
        if _worker_pid(tabs[-1].page) != _worker_pid(tabs[0].page):
            break
    workers = {tab.name: _worker_pid(tab.page) for tab in tabs}
    assert 0 not in workers.values(), workers
    assert len(set(workers.values())) > 1, f"every tab on one worker: {workers}"
    names = [tab.name for tab in tabs]
    for tab in tabs:
        _see_each_other_once(tab, names)
    _all_receive(tabs, "before the kill")
    return tabs, workers


def test_killing_a_worker_mid_meeting_loses_nobody(redis_app_server, person):
    url = redis_app_server["url"]
    tabs, workers = _meet_on_two_workers(person, url)
    names = [tab.name for tab in tabs]

    before = {tab.name: (_token(tab), _own_id(tab)) for tab in tabs}
    for tab in tabs:
        tab.watch()
    drops = {tab.name: _socket_drops(tab) for tab in tabs}
    now = {tab.name: _worker_pid(tab.page) for tab in tabs}
    assert now == workers, f"a tab moved before the kill: {workers} -> {now}"
    victim = workers[tabs[-1].name]
    hit = [tab for tab in tabs if workers[tab.name] == victim]
    spared = [tab for tab in tabs if workers[tab.name] != victim]
    print(f"workers {workers}; killing {victim} ({[tab.name for tab in hit]})")
    print(f"socket drops before the kill: {drops}")
    _kill_worker(victim, url)
    killed_at = time.monotonic()

    # The tabs of the killed worker are served again, by a live worker,
    # without a reload, as the same participants (same client token).
    for tab in hit:
        served_by = 0
        while time.monotonic() - killed_at < RECONNECT_S:
            pid = _worker_pid(tab.page)
            if pid and pid != victim and _alive(pid):
                served_by = pid
                break
            tab.page.wait_for_timeout(200)
        assert served_by, f"{tab.name}'s tab was not served again after the kill"
        print(
            f"{tab.name} served by {served_by} "
            f"{time.monotonic() - killed_at:.1f} s after the kill"
        )
    for tab in tabs:
        assert (_token(tab), _own_id(tab)) == before[tab.name], tab.name
        _see_each_other_once(tab, names)
        # Only the killed worker's tabs lost their socket.
        dropped = _socket_drops(tab) - drops[tab.name]
        assert dropped == (1 if tab in hit else 0), (tab.name, dropped)

    # Hands and chat cross both ways after the kill.
    for tab in (hit[0], spared[0]):
        tab.page.get_by_role("button", name="Raise hand").click()
        for other in tabs:
            if other is not tab:
                expect(tile_named(other.page, tab.name)).to_have_attribute(
                    "data-hand", "raised"
                )
    for sender, receiver in ((hit[0], spared[0]), (spared[0], hit[0])):
        text = f"{sender.name} after the kill"
        send_chat(sender.page, text)
        open_chat(receiver.page)
        expect(
            receiver.page.get_by_test_id("chat-message").filter(has_text=text)
        ).to_have_count(1)

    # Media keeps flowing between everyone.
    _all_receive(tabs, "after the kill")

    # Watch the room long enough for a wrongful sweep to happen.
    remaining = WATCH_S - (time.monotonic() - killed_at)
    if remaining > 0:
        tabs[0].page.wait_for_timeout(remaining * 1000)
    for tab in tabs:
        statuses = tab.heartbeats_since(killed_at)
        assert 410 not in statuses, f"{tab.name} was swept out: {statuses}"
        assert statuses.count(204) >= int(WATCH_S / 5) - 2, (tab.name, statuses)
        assert tab.loads == 0, f"{tab.name}'s page reloaded"
        assert tab.page.evaluate("() => window.__beforeTheKill === true"), tab.name
        _see_each_other_once(tab, names)
        assert (_token(tab), _own_id(tab)) == before[tab.name], tab.name
    _all_receive(tabs, "a while after the kill")

    # A newcomer finds exactly the people there, and they find her.
    room = tabs[0].page.url.rsplit("/", 2)[1]
    fay = _open(person, url, room, "Fay")
    names.append(fay.name)
    print(f"{fay.name} served by {_worker_pid(fay.page)}")
    for tab in [*tabs, fay]:
        _see_each_other_once(tab, names)
    _receives(fay.page, hit[0], "the newcomer")
    _receives(hit[0].page, fay, "from the newcomer")


def test_a_calls_request_lost_with_its_worker_is_given_up_soon_and_recovered(
    redis_app_server, person
):
    """The worker hangs with a tab's Calls request unanswered, then is killed.

    The bridge learns from Reflex's socket hooks that the socket dropped and
    came back; a request sent before the drop and still unanswered a few
    seconds later is given up as lost (``bridge_lost``), rather than after the
    whole reply budget. Its outcome is unknown, so it is not sent again: the
    recovery starts a new session, which publishes the screen with the rest.
    """
    url = redis_app_server["url"]
    tabs, workers = _meet_on_two_workers(person, url)
    hit, watcher = tabs[-1], tabs[0]
    victim = workers[hit.name]
    wait_for(
        hit.page,
        lambda: hit.page.evaluate(
            "() => window.meetMedia.replies.size === 0 && !window.meetMedia.queue.pending"
        ),
        "a settled media bridge",
    )
    _check_worker(victim, url)
    os.kill(victim, signal.SIGSTOP)
    try:
        # Sharing a screen publishes a track: a Calls request to the stopped
        # worker, which never answers it.
        hit.page.evaluate(f"() => {{ ({CANVAS_SHARE})(); }}")
        wait_for(
            hit.page,
            lambda: hit.page.evaluate("() => window.meetMedia.replies.size > 0"),
            "the screen's Calls request on its way",
        )
        hit.page.wait_for_timeout(500)
    finally:
        _kill_worker(victim, url)
    killed_at = time.monotonic()

    screen = wait_for(
        hit.page,
        lambda: own_track_ids(hit.page).get("screen"),
        "the screen announced",
        timeout_ms=int(SHARE_BACK_S * 1000),
    )
    shown = watcher.page.locator(
        "[data-testid=participant-tile][data-kind=screen] [data-testid=tile-video]"
    )
    expect(shown).to_have_attribute("data-track-id", screen)
    first = wait_for(
        watcher.page,
        lambda: inbound(watcher.page).get(screen, {}).get("framesDecoded"),
        "the screen's frames",
    )
    wait_for(
        watcher.page,
        lambda: inbound(watcher.page)[screen]["framesDecoded"] > first + 2,
        "more of the screen's frames",
    )
    took = time.monotonic() - killed_at
    lost = hit.page.evaluate(
        "() => window.meetMedia.history.filter((e) => e.error && e.error.code === 'bridge_lost').length"
    )
    print(f"the screen reached {watcher.name} {took:.1f} s after the kill; {lost} lost")
    assert took < SHARE_BACK_S, f"the screen took {took:.1f} s"
    assert lost >= 1, "the unanswered request was not given up as lost"
