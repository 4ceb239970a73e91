"""A worker process is killed (SIGKILL) in the middle of a meeting: nobody is lost.

The app runs on Reflex's Redis state manager with several Granian workers
(``redis_app_server``). Each tab shows the worker that served its last room
event as ``data-worker``. Two or three people meet, at least two of them
served by different workers; the test kills the worker of one of them by its
pid (after checking it is a worker of this test's server), never by name.
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

import os
import signal
import time
from pathlib import Path

from playwright.sync_api import Page, Response, expect

from core.roster import HEARTBEAT_TIMEOUT
from state.sweeper import SWEEP_INTERVAL
from tests.browser.conftest import new_room_id
from tests.browser.room_page import (
    inbound,
    join,
    media_ready,
    open_chat,
    self_tile,
    send_chat,
    tile_named,
    tiles,
)
from tests.browser.test_media import announced

# How long the room is watched after the kill: long enough for a tab whose
# heartbeats went nowhere to be swept out by some worker's sweeper.
WATCH_S = HEARTBEAT_TIMEOUT + 2 * SWEEP_INTERVAL
# Within this long of the kill, the killed worker's tab is served again.
RECONNECT_S = 20


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


def _kill_worker(pid: int, url: str) -> None:
    """SIGKILL one worker of the server at ``url`` (checked), nothing else."""
    port = url.rsplit(":", 1)[1]
    supervisor = _parent_pid(pid)
    command = Path(f"/proc/{supervisor}/cmdline").read_bytes().split(b"\0")
    assert b"reflex" in b" ".join(command) and port.encode() in command, (
        f"pid {pid} is not a worker of the app server on port {port}"
    )
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
        if response.url.endswith("/api/heartbeat"):
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
    page = person(url, name)
    join(page, url, room)
    media_ready(page)
    return Tab(name, page)


def _own_id(tab: Tab) -> str:
    return self_tile(tab.page).get_attribute("data-participant-id") or ""


def _token(tab: Tab) -> str:
    return tab.page.evaluate("() => sessionStorage.getItem('token')")


def test_killing_a_worker_mid_meeting_loses_nobody(redis_app_server, person):
    url = redis_app_server["url"]
    room = new_room_id()
    tabs = [_open(person, url, room, "Ada"), _open(person, url, room, "Bob")]
    # Two tabs on different workers (3 workers): more people until they are.
    for name in ("Cy", "Dee", "Eli"):
        if len({_worker_pid(tab.page) for tab in tabs}) > 1:
            break
        tabs.append(_open(person, url, room, name))
    workers = {tab.name: _worker_pid(tab.page) for tab in tabs}
    assert 0 not in workers.values(), workers
    assert len(set(workers.values())) > 1, f"every tab on one worker: {workers}"
    names = [tab.name for tab in tabs]
    for tab in tabs:
        _see_each_other_once(tab, names)
    _all_receive(tabs, "before the kill")

    victim = workers[tabs[-1].name]
    hit = [tab for tab in tabs if workers[tab.name] == victim]
    spared = [tab for tab in tabs if workers[tab.name] != victim]
    before = {tab.name: (_token(tab), _own_id(tab)) for tab in tabs}
    for tab in tabs:
        tab.watch()
    print(f"workers {workers}; killing {victim} ({[tab.name for tab in hit]})")
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
    fay = _open(person, url, room, "Fay")
    names.append(fay.name)
    for tab in [*tabs, fay]:
        _see_each_other_once(tab, names)
    _receives(fay.page, hit[0], "the newcomer")
    _receives(hit[0].page, fay, "from the newcomer")
