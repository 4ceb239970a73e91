"""A big room without dozens of browsers: everyone's media from one process.

:class:`Publisher` gives each simulated member's Calls session a real
PeerConnection (aiortc) publishing a microphone and a camera track into the
local Calls stand-in, exactly as the browser app names them (``mic``,
``camera``). No encoder runs: the tracks replay media encoded once, ahead of
time (40 members publishing, measured on 2 cores: this process 17 % of a core,
the stand-in receiving it 29 %; with 20 ms audio packets and 10 video frames a
second, 22 % and 49 %):

* audio: one Opus packet of 60 ms of silence, sent every 60 ms (a muted
  microphone's sound, in a third of the packets a browser would send; a
  receiver counts them);
* video: one VP8 key frame of a small grey picture, sent ``video_fps`` times a
  second; every frame is a key frame, so a receiver decodes from the first
  packet it gets, whenever it starts pulling.

The PeerConnections run on their own asyncio loop on a daemon thread, so the
publisher works beside Playwright's sync API and the raw Reflex clients.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import fractions
import os
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

import av
import httpx
from aiortc import (
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamTrack
from aiortc.rtcconfiguration import RTCBundlePolicy

from launch.raw_client import RawClient
from reflex_meet.sfu import aiortc_hooks
from reflex_meet.state.media import MediaState
from reflex_meet.state.room import RoomState

__all__ = [
    "CpuMeter",
    "Publisher",
    "announce",
    "group_cpu_seconds",
    "join_members",
    "leave_all",
    "listener_group",
    "machine_cpu_seconds",
    "opus_silence",
    "process_cpu_seconds",
    "publish_sessions",
    "vp8_key_frame",
]

# The publisher's PeerConnections gather 127.0.0.1 candidates, like the stand-in.
aiortc_hooks.use_loopback_ice()

AUDIO_CLOCK = 48_000
VIDEO_CLOCK = 90_000
AUDIO_FRAME_S = 0.06


def opus_silence() -> bytes:
    """One Opus packet of ``AUDIO_FRAME_S`` of digital silence, from libopus."""
    codec = av.CodecContext.create("libopus", "w")
    codec.options = {"frame_duration": str(round(AUDIO_FRAME_S * 1000))}
    codec.sample_rate = AUDIO_CLOCK
    codec.layout = "stereo"
    codec.format = "s16"
    codec.time_base = fractions.Fraction(1, AUDIO_CLOCK)
    samples = int(AUDIO_CLOCK * AUDIO_FRAME_S)
    packets: list[bytes] = []
    for index in range(10):  # past the encoder's start-up
        frame = av.AudioFrame(format="s16", layout="stereo", samples=samples)
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        frame.sample_rate = AUDIO_CLOCK
        frame.pts = index * samples
        packets += [bytes(p) for p in codec.encode(frame)]
    return packets[-1]


def vp8_key_frame(width: int = 160, height: int = 120) -> bytes:
    """One VP8 key frame of a flat grey ``width``×``height`` picture."""
    codec = av.CodecContext.create("libvpx", "w")
    codec.width, codec.height = width, height
    codec.pix_fmt = "yuv420p"
    codec.time_base = fractions.Fraction(1, 30)
    codec.options = {"deadline": "realtime", "lag-in-frames": "0"}
    frame = av.VideoFrame(width=width, height=height, format="yuv420p")
    for plane in frame.planes:
        plane.update(bytes([128]) * plane.buffer_size)
    frame.pts = 0
    data = b"".join(bytes(p) for p in codec.encode(frame))
    data += b"".join(bytes(p) for p in codec.encode(None))
    assert data and data[0] & 1 == 0, "the first VP8 frame must be a key frame"
    return data


class ReplayTrack(MediaStreamTrack):
    """A track that sends the same encoded frame at a steady rate.

    aiortc's sender packetizes an ``av.Packet`` from ``recv()`` as it is
    (no encoder runs).
    """

    def __init__(self, kind: str, payload: bytes, interval: float, clock: int):
        super().__init__()
        self.kind = kind
        self._payload = payload
        self._interval = interval
        self._step = round(interval * clock)
        self._time_base = fractions.Fraction(1, clock)
        self._count = 0
        self._start: float | None = None

    async def recv(self) -> av.Packet:
        """The next frame, at its time."""
        if self._start is None:
            self._start = time.monotonic()
        due = self._start + self._count * self._interval
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        packet = av.Packet(self._payload)
        packet.pts = self._count * self._step
        packet.time_base = self._time_base
        self._count += 1
        return packet


def _prefer(transceiver: Any, mime: str) -> None:
    codecs = RTCRtpSender.getCapabilities(transceiver.kind).codecs
    transceiver.setCodecPreferences([c for c in codecs if c.mimeType == mime])


class Publisher:
    """Publishes a microphone and a camera on each of many Calls sessions.

    Args:
        api_url: The stand-in's API base (``http://127.0.0.1:port/v1``).
        app_id: Its app id.
        secret: Its app secret (the test's own stand-in).
        video_fps: Key frames per second of each camera track.
    """

    def __init__(
        self, api_url: str, app_id: str, secret: str, *, video_fps: float = 5
    ) -> None:
        self._base = f"{api_url}/apps/{app_id}"
        self._secret = secret
        self._audio = opus_silence()
        self._video = vp8_key_frame()
        self._video_interval = 1 / video_fps
        self._pcs: list[RTCPeerConnection] = []
        self._http: httpx.AsyncClient | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="publisher-loop", daemon=True
        )
        self._thread.start()

    def _run(self, coro: Coroutine[Any, Any, Any], timeout: float) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def start(self, session_id: str) -> concurrent.futures.Future:
        """Start publishing ``mic`` and ``camera`` on a session, at once.

        A Calls session closes when nothing connects to it for 30 s, so each
        member's session is published as soon as it exists.

        Returns:
            A future of ``{"audio": "<sid>/mic", "video": "<sid>/camera"}``,
            set once the connection is up.
        """
        return asyncio.run_coroutine_threadsafe(
            self._publish_one(session_id), self._loop
        )

    async def _publish_one(self, session_id: str) -> dict[str, str]:
        if self._http is None:
            self._http = httpx.AsyncClient(
                base_url=self._base,
                headers={"Authorization": f"Bearer {self._secret}"},
                timeout=20,
            )
        pc = RTCPeerConnection(
            RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
        )
        self._pcs.append(pc)
        audio = pc.addTransceiver(
            ReplayTrack("audio", self._audio, AUDIO_FRAME_S, AUDIO_CLOCK),
            direction="sendonly",
        )
        video = pc.addTransceiver(
            ReplayTrack("video", self._video, self._video_interval, VIDEO_CLOCK),
            direction="sendonly",
        )
        _prefer(audio, "audio/opus")
        _prefer(video, "video/VP8")
        await pc.setLocalDescription(await pc.createOffer())
        response = await self._http.post(
            f"/sessions/{session_id}/tracks/new",
            json={
                "sessionDescription": {
                    "type": "offer",
                    "sdp": pc.localDescription.sdp,
                },
                "tracks": [
                    {"location": "local", "mid": audio.mid, "trackName": "mic"},
                    {"location": "local", "mid": video.mid, "trackName": "camera"},
                ],
            },
        )
        assert response.status_code == 200, response.text
        answer = response.json()
        assert all("errorCode" not in t for t in answer["tracks"]), answer
        await pc.setRemoteDescription(
            RTCSessionDescription(**answer["sessionDescription"])
        )
        deadline = time.monotonic() + 20
        while pc.connectionState != "connected":
            assert time.monotonic() < deadline, f"{session_id}: {pc.connectionState}"
            await asyncio.sleep(0.05)
        return {"audio": f"{session_id}/mic", "video": f"{session_id}/camera"}

    def close(self) -> None:
        """Close every PeerConnection and stop the loop."""

        async def close_all() -> None:
            for pc in self._pcs:
                with contextlib.suppress(Exception):
                    await pc.close()
            if self._http is not None:
                await self._http.aclose()

        with contextlib.suppress(Exception):
            self._run(close_all(), 30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


# ---- simulated members: raw Reflex clients speaking the app's own protocol ----


def join_members(base_url: str, room: str, count: int) -> list[RawClient]:
    """``count`` members open the meeting page of ``room`` (as a link would).

    The page's on_load handlers enter and join the room; each member then
    sends heartbeats like the bridge, so none is swept out.

    Returns:
        The members, each seeing itself joined.
    """
    members = []
    for index in range(count):
        member = RawClient(base_url, display_name=f"Member {index + 1:02d}")
        member.connect(f"/{room}/room")
        member.start_heartbeats()
        members.append(member)
    for member in members:
        member.wait_for(
            lambda m=member: (m.me() or {}).get("joined"),
            timeout=120,
            what=f"{member.display_name} joined",
        )
    return members


def publish_sessions(
    members: Sequence[RawClient], publisher: Publisher, *, window: int = 4
) -> list[dict[str, str]]:
    """Each member creates its Calls session through the app's Calls proxy,
    and the publisher starts its media on it as soon as it exists.

    At most ``window`` requests are outstanding at a time: a Calls session
    closes when nothing connects to it for 30 s, and a busy server may take
    that long to answer many requests sent at once.

    Returns:
        Each member's ``{"audio", "video"}`` track ids, in the members' order,
        once every publication is connected (the server recorded each
        session in its member's roster entry).
    """
    waiting = list(enumerate(members))
    pending: dict[int, RawClient] = {}
    started: dict[int, concurrent.futures.Future] = {}
    deadline = time.monotonic() + 180
    while waiting or pending:
        assert time.monotonic() < deadline, f"{len(pending)} sessions unanswered"
        while waiting and len(pending) < window:
            index, member = waiting.pop(0)
            request = {"id": f"big{index}", "op": "sessions/new", "sessionId": None}
            member.call(MediaState, "calls_request", request=request)
            pending[index] = member
        for index, member in list(pending.items()):
            reply = member.replies.get(f"big{index}")
            if reply is None:
                continue
            assert reply.get("status") == 201, reply
            started[index] = publisher.start(reply["body"]["sessionId"])
            del pending[index]
        time.sleep(0.02)
    return [started[index].result(60) for index in range(len(members))]


def announce(members: Sequence[RawClient], tracks: Sequence[dict[str, str]]) -> None:
    """Each member announces its tracks with ``RoomState.update_own``.

    What the bridge sends once its tracks flow; waits until every member's
    entry shows them (as the last member sees the roster).
    """
    for member, own in zip(members, tracks, strict=True):
        member.call(
            RoomState,
            "update_own",
            changes={"tracks.audio": own["audio"], "tracks.video": own["video"]},
        )
    last = members[-1]
    wanted = {own["audio"] for own in tracks}
    last.wait_for(
        lambda: wanted <= {(u.get("tracks") or {}).get("audio") for u in last.users()},
        timeout=120,
        what="every member's tracks in the roster",
    )


def leave_all(members: Sequence[RawClient]) -> None:
    """Close the members' sockets (they are swept out later)."""
    for member in members:
        with contextlib.suppress(Exception):
            member.close()


# ---- what the test costs the machine ----


def _stat(pid: str) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def group_cpu_seconds(pgid: int) -> float:
    """CPU time (user + system) of the live processes of a process group."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        fields = _stat(pid)
        if fields and int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of one process."""
    fields = _stat(str(pid))
    return (
        (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") if fields else 0
    )


def machine_cpu_seconds() -> float:
    """CPU time every core of the machine spent busy (all processes)."""
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def listener_group(port: int) -> int | None:
    """The process group of whatever listens on ``port`` (this user's)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as handle:
            for line in list(handle)[1:]:
                fields = line.split()
                if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(fields[9])
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    fields = _stat(pid)
                    return int(fields[2]) if fields else None
    return None


class CpuMeter:
    """CPU used between :meth:`mark` calls, in % of one core (2 cores: 200 %).

    Args:
        readers: Name -> a function returning CPU seconds used so far.
    """

    def __init__(self, readers: dict[str, Callable[[], float]]) -> None:
        self.readers = readers
        self._last = self._sample()

    def _sample(self) -> tuple[float, dict[str, float]]:
        return time.monotonic(), {n: read() for n, read in self.readers.items()}

    def mark(self, phase: str) -> str:
        """One line: the phase's length and each reader's share of a core."""
        (t0, before), (t1, after) = self._last, self._sample()
        self._last = (t1, after)
        span = max(t1 - t0, 1e-6)
        shares = ", ".join(
            f"{name} {100 * (after[name] - before[name]) / span:.0f} %"
            for name in self.readers
        )
        return f"{phase}: {span:.1f} s ({shares})"
