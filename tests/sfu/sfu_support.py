"""Helpers for the stand-in's tests: the process, the HTTP API, aiortc clients.

The clients behave like the browser app: one max-bundle PeerConnection per
session, no ICE servers, publish by offering, subscribe by answering the SFU's
offer, close by stopping the transceiver and offering it with port 0 (as
Chrome does for a stopped transceiver).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import httpx
from aiortc import (
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError, VideoStreamTrack
from aiortc.rtcconfiguration import RTCBundlePolicy

from launch.servers import start_announcing, stop_group
from reflex_meet.sfu import aiortc_hooks
from reflex_meet.sfu.sdp_numbering import reject_sections

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "local"
SECRET = "sfu-test-secret"

# The clients gather 127.0.0.1 candidates too, like the stand-in.
aiortc_hooks.use_loopback_ice()


@dataclass
class SfuProcess:
    """A running ``python -m reflex_meet.sfu`` started by a test."""

    proc: subprocess.Popen
    base_url: str
    log_path: Path

    @property
    def app_url(self) -> str:
        return f"{self.base_url}/apps/{APP_ID}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_sfu(
    *flags: str, timeout: float = 20.0, credentials_from_env: bool = False
) -> SfuProcess:
    """Starts the stand-in on a free port and waits for its "listening" line."""
    log = Path(tempfile.mkstemp(prefix="sfu-", suffix=".log")[1])
    env = dict(os.environ)
    credentials = ["--app-id", APP_ID, "--app-secret", SECRET]
    if credentials_from_env:
        env.update(SFU_APP_ID=APP_ID, SFU_APP_SECRET=SECRET)
        credentials = []
    proc, url = start_announcing(
        [sys.executable, "-m", "reflex_meet.sfu", "--port", "0", *credentials, *flags],
        log,
        env=env,
        timeout=timeout,
        what="the stand-in",
    )
    return SfuProcess(proc, url, log)


def stop_sfu_process(proc: subprocess.Popen, timeout: float = 10.0) -> int | None:
    """Stops the stand-in by signalling its own process group; returns its code."""
    stop_group(proc, timeout)
    if proc.stdout is not None:
        proc.stdout.close()
    return proc.returncode


def auth(secret: str = SECRET) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


class Api:
    """The Calls API of one stand-in, over httpx (async)."""

    def __init__(self, sfu: SfuProcess) -> None:
        self.sfu = sfu
        self.http = httpx.AsyncClient(
            base_url=sfu.app_url, headers=auth(), timeout=20.0
        )

    async def new_session(self) -> str:
        response = await self.http.post("/sessions/new")
        assert response.status_code == 201, response.text
        return response.json()["sessionId"]

    async def get_session(self, session_id: str) -> httpx.Response:
        return await self.http.get(f"/sessions/{session_id}")

    async def track_status(self, session_id: str) -> dict[str, str]:
        response = await self.get_session(session_id)
        assert response.status_code == 200, response.text
        return {t["mid"]: t["status"] for t in response.json()["tracks"]}

    async def aclose(self) -> None:
        await self.http.aclose()


class SmallVideoTrack(VideoStreamTrack):
    """A 160×120 test picture that changes every frame (cheap to encode)."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = av.VideoFrame(width=160, height=120, format="yuv420p")
        shade = (self.count * 7) % 256
        for plane in frame.planes:
            plane.update(bytes([shade]) * plane.buffer_size)
        self.count += 1
        frame.pts = pts
        frame.time_base = time_base
        return frame


class ToneTrack(AudioStreamTrack):
    """Silence from aiortc's AudioStreamTrack (Opus-encoded by the client)."""


@dataclass
class Received:
    kind: str
    frames: int = 0
    width: int = 0
    ended: bool = False
    first_at: float | None = None


@dataclass
class ClientPeer:
    """A browser-like client: one session, one max-bundle PeerConnection."""

    api: Api
    session_id: str = ""
    received: dict[str, Received] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.pc = RTCPeerConnection(
            RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
        )
        self._tasks: list[asyncio.Task] = []
        self.pc.on("track", self._on_track)

    @property
    def http(self) -> httpx.AsyncClient:
        return self.api.http

    def path(self, suffix: str = "") -> str:
        return f"/sessions/{self.session_id}{suffix}"

    async def start(self) -> ClientPeer:
        self.session_id = await self.api.new_session()
        return self

    # -- publish -------------------------------------------------------------

    async def publish_request(self, tracks: dict[str, Any]) -> tuple[dict, dict]:
        """Adds sendonly transceivers and builds the tracks/new body."""
        items = []
        for name, track in tracks.items():
            transceiver = self.pc.addTransceiver(track, direction="sendonly")
            items.append((name, transceiver))
        await self.pc.setLocalDescription(await self.pc.createOffer())
        body = {
            "sessionDescription": {
                "type": "offer",
                "sdp": self.pc.localDescription.sdp,
            },
            "tracks": [
                {"location": "local", "mid": t.mid, "trackName": name}
                for name, t in items
            ],
        }
        return body, {name: t.mid for name, t in items}

    async def publish(
        self, tracks: dict[str, Any], munge: Callable[[str], str] | None = None
    ) -> dict[str, str]:
        body, mids = await self.publish_request(tracks)
        if munge is not None:
            sdp = body["sessionDescription"]["sdp"]
            body["sessionDescription"]["sdp"] = munge(sdp)
        response = await self.http.post(self.path("/tracks/new"), json=body)
        assert response.status_code == 200, response.text
        data = response.json()
        assert data["requiresImmediateRenegotiation"] is False
        assert data["sessionDescription"]["type"] == "answer"
        for item in data["tracks"]:
            assert "errorCode" not in item, item
        await self.pc.setRemoteDescription(
            RTCSessionDescription(**data["sessionDescription"])
        )
        return mids

    # -- subscribe -----------------------------------------------------------

    async def subscribe(
        self,
        pairs: list[tuple[str, str]],
        munge: Callable[[str], str] | None = None,
    ) -> dict:
        """Pulls (session id, track name) pairs; answers the SFU's offer."""
        response = await self.http.post(
            self.path("/tracks/new"),
            json={
                "tracks": [
                    {"location": "remote", "sessionId": sid, "trackName": name}
                    for sid, name in pairs
                ]
            },
        )
        assert response.status_code == 200, response.text
        data = response.json()
        if data["requiresImmediateRenegotiation"]:
            await self.answer(data["sessionDescription"], munge)
        return data

    async def answer(
        self, offer: dict, munge: Callable[[str], str] | None = None
    ) -> None:
        assert offer["type"] == "offer"
        await self.pc.setRemoteDescription(RTCSessionDescription(**offer))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        sdp = self.pc.localDescription.sdp
        response = await self.http.put(
            self.path("/renegotiate"),
            json={
                "sessionDescription": {
                    "type": "answer",
                    "sdp": munge(sdp) if munge else sdp,
                }
            },
        )
        assert response.status_code == 200, response.text
        assert response.json() == {}

    # -- close ---------------------------------------------------------------

    async def close_request(self, mids: list[str]) -> dict:
        """Stops transceivers and builds the tracks/close body (port-0 offer)."""
        for transceiver in self.pc.getTransceivers():
            if transceiver.mid in mids:
                await transceiver.stop()
        await self.pc.setLocalDescription(await self.pc.createOffer())
        sdp = reject_sections(self.pc.localDescription.sdp, set(mids))
        return {
            "tracks": [{"mid": mid} for mid in mids],
            "sessionDescription": {"type": "offer", "sdp": sdp},
            "force": False,
        }

    async def close_tracks(self, mids: list[str], extra: list[str] = ()) -> dict:
        body = await self.close_request(mids)
        body["tracks"] += [{"mid": mid} for mid in extra]
        response = await self.http.put(self.path("/tracks/close"), json=body)
        assert response.status_code == 200, response.text
        data = response.json()
        await self.pc.setRemoteDescription(
            RTCSessionDescription(**data["sessionDescription"])
        )
        return data

    # -- media ---------------------------------------------------------------

    async def wait_connected(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self.pc.connectionState != "connected":
            assert time.monotonic() < deadline, (
                f"client PeerConnection stuck in {self.pc.connectionState}"
            )
            await asyncio.sleep(0.02)

    def _on_track(self, track: Any) -> None:
        mid = next(
            t.mid for t in self.pc.getTransceivers() if t.receiver.track is track
        )
        received = self.received.setdefault(mid, Received(track.kind))
        self._tasks.append(asyncio.ensure_future(self._consume(track, received)))

    async def _consume(self, track: Any, received: Received) -> None:
        try:
            while True:
                frame = await track.recv()
                received.frames += 1
                if received.first_at is None:
                    received.first_at = time.monotonic()
                if received.kind == "video":
                    received.width = frame.width
        except MediaStreamError:
            received.ended = True

    async def frames_after(self, mid: str, seconds: float) -> int:
        """Frames received on ``mid`` during the next ``seconds``."""
        before = self.received[mid].frames if mid in self.received else 0
        await asyncio.sleep(seconds)
        return self.received[mid].frames - before

    async def wait_frames(self, mid: str, count: int, timeout: float = 8.0) -> None:
        deadline = time.monotonic() + timeout
        while mid not in self.received or self.received[mid].frames < count:
            got = self.received[mid].frames if mid in self.received else 0
            assert time.monotonic() < deadline, (
                f"mid {mid}: {got} frames after {timeout} s, wanted {count}; "
                f"log:\n{self.api.sfu.log()[-3000:]}"
            )
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await self.pc.close()


@contextlib.asynccontextmanager
async def clients(sfu: SfuProcess, count: int):
    """Yields ``count`` started client peers sharing one API client."""
    api = Api(sfu)
    peers = [ClientPeer(api) for _ in range(count)]
    try:
        for peer in peers:
            await peer.start()
        yield peers
    finally:
        for peer in peers:
            with contextlib.suppress(Exception):
                await peer.close()
        await api.aclose()


def run(coro: Any, timeout: float = 45.0) -> Any:
    """Runs a test scenario on a fresh event loop with an overall timeout."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


# aiortc numbers Opus 96, VP8 97 (RTX 98), mid 1, audio level 2, abs-send-time 3;
# Chrome uses Opus 111, VP8 96 (RTX 97), audio level 1, abs-send-time 2, mid 4.
CHROME_NUMBERS = {
    "audio": ({96: 111}, {1: 4, 2: 1}),
    "video": ({97: 96, 98: 97}, {1: 4, 3: 2}),
}


def as_chrome_numbering(sdp: str) -> str:
    """Rewrites an aiortc client offer into Chrome's numbering.

    aiortc adopts the answer's numbers, so a client sending this offer then
    behaves like Chrome on the wire.
    """
    out, pts, exts = [], {}, {}

    def pt(value: str) -> str:
        return str(pts.get(int(value), int(value)))

    for line in sdp.splitlines():
        if line.startswith("m="):
            kind = line[2:].split()[0]
            pts, exts = CHROME_NUMBERS.get(kind, ({}, {}))
            bits = line.split()
            line = " ".join(bits[:3] + [pt(x) for x in bits[3:]])
        elif m := re.match(r"^a=(rtpmap|rtcp-fb|fmtp):(\d+)(.*)$", line):
            rest = re.sub(r"apt=(\d+)", lambda a: f"apt={pt(a[1])}", m[3])
            line = f"a={m[1]}:{pt(m[2])}{rest}"
        elif m := re.match(r"^a=extmap:(\d+) (.*)$", line):
            line = f"a=extmap:{exts.get(int(m[1]), int(m[1]))} {m[2]}"
        out.append(line)
    return "\r\n".join(out) + "\r\n"


def numbering_conflicts(sdp: str) -> list[str]:
    """Payload types or extension ids with two meanings across the BUNDLE."""
    meaning: dict[str, str] = {}
    conflicts = []
    for line in sdp.splitlines():
        if m := re.match(r"^a=rtpmap:(\d+) (.*)$", line):
            key, value = f"pt {m[1]}", m[2].lower()
        elif m := re.match(r"^a=extmap:(\d+)\S* (\S+)", line):
            key, value = f"ext {m[1]}", m[2]
        else:
            continue
        if meaning.setdefault(key, value) != value:
            conflicts.append(f"{key}: {meaning[key]} / {value}")
    return conflicts


def without_candidates(sdp: str) -> str:
    """Drops ICE candidates, as Chrome's SDP is when sent before gathering."""
    lines = [
        line
        for line in sdp.splitlines()
        if not line.startswith(("a=candidate:", "a=end-of-candidates"))
    ]
    return "\r\n".join(lines) + "\r\n"
