"""The app server restarts under a running meeting: media comes back by itself.

This module runs its own app server (same port as the other modules, so the
frontend is built once) and kills and restarts it with the same database,
state folder and Calls stand-in. Media is proven with ``getStats()``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from launch.room_page import inbound, own_track_ids, tile_named, tiles
from launch.servers import (
    port_open,
    reflex_env,
    standin_env,
    start_reflex,
    stop_group,
    wait_app,
)
from tests.browser.conftest import ADMIN_TOKEN, new_room_id
from tests.browser.test_media import announced, assert_media_flows, meet

# Within this long of the restarted server answering, every tab has media again.
BACK_WITHIN_S = 10.0


class AppProcess:
    """An app server that a test can kill and start again (same data)."""

    def __init__(self, port: int, log: Path, env: dict[str, str]) -> None:
        self.port = port
        self.log = log
        self.env = reflex_env(port, log, env)
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None
        self.handle = None

    def start(self) -> float:
        """Start the server; returns the monotonic time it answered."""
        self.handle = self.log.open("a")
        self.proc = start_reflex(self.port, self.env, self.handle)
        wait_app(self.port, self.proc, self.log)
        return time.monotonic()

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the server's process group (never by name) and wait for it."""
        assert self.proc is not None
        os.killpg(self.proc.pid, sig)
        self.proc.wait(timeout=30)
        self.handle.close()
        deadline = time.monotonic() + 15
        while port_open(self.port):
            assert time.monotonic() < deadline, "the port stayed open after the kill"
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None:
            stop_group(self.proc)
        if self.handle is not None:
            self.handle.close()


@pytest.fixture(scope="module")
def restartable(
    server_port: int, logs_dir: Path, standin: dict[str, str]
) -> Iterator[AppProcess]:
    """The app on its default (disk) state manager, ready to be killed."""
    if os.environ.get("MEET_TEST_URL"):
        pytest.skip("restarting needs a server started by the tests")
    app = AppProcess(
        server_port,
        logs_dir / "app-restart.log",
        {**standin_env(standin), "MEET_ADMIN_TOKEN": ADMIN_TOKEN},
    )
    app.start()
    try:
        yield app
    finally:
        app.stop()


def media_again(page: Page, other: Page, other_name: str, before: dict) -> float | None:
    """When ``page`` was seen showing and receiving ``other``'s media on new
    tracks (the monotonic time of the first of two samples), or None.

    The restarted server forgot the old sessions, so ``other`` must have
    announced new track ids; ``page`` must show the new camera in the other's
    tile (the roster of the restarted server has it) and decode more and more
    of its frames and receive more and more of its audio packets.
    """
    ids = own_track_ids(other)
    camera, mic = ids.get("camera"), ids.get("mic")
    if not camera or not mic or camera == before["camera"] or mic == before["mic"]:
        return None
    video = tile_named(page, other_name).get_by_test_id("tile-video")
    if video.count() != 1 or video.get_attribute("data-track-id") != camera:
        return None
    seen = time.monotonic()
    first = inbound(page)
    if not first.get(camera, {}).get("framesDecoded") or mic not in first:
        return None
    page.wait_for_timeout(700)
    second = inbound(page)
    flowing = (
        camera in second
        and mic in second
        and second[camera]["framesDecoded"] > first[camera]["framesDecoded"] + 2
        and second[mic]["packetsReceived"] > first[mic]["packetsReceived"] + 10
    )
    return seen if flowing else None


BRIDGE_STATE = """() => {
    const m = window.meetMedia;
    return {
        status: m.status, session: m.sessionId, server: m.serverSession,
        recovering: !!m.recovering, queued: m.queue.pending, opening: !!m.cameraOpening,
        signaling: m.pc && m.pc.signalingState, transport: !!m.transport, waiting: m.replies.size,
        published: {...m.published}, pulled: [...m.pulled.keys()],
        calls: m.history.slice(-16).map((e) => [e.at.slice(14, 23), e.direction, e.op,
            e.status || '', (e.error && e.error.code) || '', e.sessionId || '']),
    };
}"""


def bridge_state(page: Page) -> dict:
    """The engine's state and its recent Calls requests (for failure messages)."""
    return page.evaluate(BRIDGE_STATE)


@pytest.mark.parametrize("sig", [signal.SIGKILL], ids=["SIGKILL"])
def test_media_comes_back_after_a_restart_without_a_reload(
    restartable: AppProcess, person, sig: int
):
    url = restartable.url
    ada, bob = meet(url, person, new_room_id())
    ada_ids, bob_ids = announced(ada), announced(bob)
    assert_media_flows(bob, ada_ids["camera"], "video")
    assert_media_flows(ada, bob_ids["camera"], "video")
    assert_media_flows(ada, bob_ids["mic"], "audio")
    # Bob is muted: a restarted server must not unmute him.
    bob.get_by_test_id("toggle-mic").click()
    expect(tile_named(ada, "Bob").get_by_test_id("mic-off-icon")).to_be_visible()
    loads = {"ada": 0, "bob": 0}
    ada.on("load", lambda _: loads.__setitem__("ada", loads["ada"] + 1))
    bob.on("load", lambda _: loads.__setitem__("bob", loads["bob"] + 1))

    restartable.kill(sig)
    ada.wait_for_timeout(3000)
    answering = restartable.start()
    print(f"answering again at {datetime.now(UTC).isoformat()}")

    pending = {"ada": (ada, bob, "Bob", bob_ids), "bob": (bob, ada, "Ada", ada_ids)}
    back: dict[str, float] = {}
    while pending and time.monotonic() - answering < BACK_WITHIN_S:
        for name, (page, other, other_name, before) in list(pending.items()):
            seen = media_again(page, other, other_name, before)
            if seen is not None:
                del pending[name]
                back[name] = round(seen - answering, 1)
    print(f"media back (s after the server answered): {back}")
    if pending:
        print(json.dumps({"ada": bridge_state(ada), "bob": bridge_state(bob)}))
    assert not pending, f"no media again in {BACK_WITHIN_S} s: {sorted(pending)}"
    assert max(back.values()) <= BACK_WITHIN_S, back
    assert loads == {"ada": 0, "bob": 0}, "a page reloaded"
    for page, other_name in ((ada, "Bob"), (bob, "Ada")):
        expect(tiles(page)).to_have_count(2)
        expect(tile_named(page, other_name)).to_be_visible()
    expect(tile_named(ada, "Bob").get_by_test_id("mic-off-icon")).to_be_visible()
    assert bob.evaluate("() => window.meetMedia.micEnabled") is False
    expect(bob.get_by_test_id("toggle-mic")).to_have_attribute("aria-pressed", "false")
