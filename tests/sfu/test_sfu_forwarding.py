"""Unit tests of the fan-out (sfu.forwarding) with fake packets, no network."""

from __future__ import annotations

import asyncio
import fractions
import itertools

import av
import pytest
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from reflex_meet.sfu.forwarding import KeyframeRequester, RelayedTrack, TrackRelay


def packet(pts: int, key: bool = False) -> av.Packet:
    result = av.Packet(bytes([0 if key else 1]) + b"frame")
    result.pts = pts
    result.time_base = fractions.Fraction(1, 90000)
    result.is_keyframe = key
    return result


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 10))


def test_keyframe_requests_are_rate_limited_but_never_lost():
    async def scenario():
        sent = []

        async def send_pli():
            sent.append(asyncio.get_running_loop().time())

        requester = KeyframeRequester(send_pli, min_interval=0.1)
        for _ in range(5):
            requester.request()
        await asyncio.sleep(0.02)
        first = len(sent)
        await asyncio.sleep(0.15)
        second = len(sent)
        requester.burst((0.0, 0.3))
        await asyncio.sleep(0.4)
        requester.close()
        requester.request()
        await asyncio.sleep(0.15)
        return first, second, sent

    first, second, sent = run(scenario())
    assert first == 1  # five requests at once: one PLI now...
    assert second == 2  # ...and one when the interval ends
    assert len(sent) == 4  # the burst added two, nothing after close()
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    assert all(gap >= 0.09 for gap in gaps), gaps


def test_video_subscriber_starts_at_a_keyframe_and_recovers_from_overflow():
    async def scenario():
        asked = []
        track = RelayedTrack("video", lambda: asked.append(1), max_frames=3)
        track.push(packet(1))  # no keyframe yet: dropped
        track.push(packet(2, key=True))
        track.push(packet(3))
        first = await track.recv()
        second = await track.recv()
        # Overflow while the sender reads: queue cleared, keyframe requested.
        for pts in range(4, 8):
            track.push(packet(pts))
        track.push(packet(8))  # still waiting for a keyframe: dropped
        track.push(packet(9, key=True))
        third = await track.recv()
        track.end()
        with pytest.raises(MediaStreamError):
            await track.recv()
        return first.pts, second.pts, third.pts, asked, track.readyState

    assert run(scenario()) == (2, 3, 9, [1], "ended")


def test_overflow_before_the_sender_reads_asks_no_keyframe():
    async def scenario():
        asked = []
        track = RelayedTrack("video", lambda: asked.append(1), max_frames=2)
        for pts in range(5):
            track.push(packet(pts, key=pts == 0))
        return asked

    assert run(scenario()) == []


def test_audio_subscriber_drops_its_oldest_frames():
    async def scenario():
        track = RelayedTrack("audio", lambda: None, max_frames=2)
        for pts in range(4):
            track.push(packet(pts))
        return [(await track.recv()).pts for _ in range(2)], track.frames_dropped

    assert run(scenario()) == ([2, 3], 2)


class FakeSource(MediaStreamTrack):
    kind = "video"

    def __init__(self) -> None:
        super().__init__()
        self.queue: asyncio.Queue = asyncio.Queue()

    async def recv(self):
        item = await self.queue.get()
        if item is None:
            raise MediaStreamError
        return item


def test_relay_fans_out_and_ends_its_subscribers():
    async def scenario():
        source = FakeSource()
        plis = []

        async def send_pli():
            plis.append(1)

        relay = TrackRelay(source, "video", send_pli)
        relay.start()
        one, two = relay.subscribe(), relay.subscribe()
        for pts in range(3):
            source.queue.put_nowait(packet(pts, key=pts == 0))
        got_one = [(await one.recv()).pts for _ in range(3)]
        got_two = [(await two.recv()).pts for _ in range(3)]
        relay.unsubscribe(two)
        source.queue.put_nowait(packet(3))
        assert (await one.recv()).pts == 3
        with pytest.raises(MediaStreamError):
            await two.recv()
        assert relay.frames == 4 and relay.last_media is not None
        await asyncio.sleep(0.05)
        source.queue.put_nowait(None)  # the publisher's track ends
        with pytest.raises(MediaStreamError):
            await one.recv()
        late = relay.subscribe()
        with pytest.raises(MediaStreamError):
            await late.recv()
        return got_one, got_two, relay.live, len(plis)

    got_one, got_two, live, plis = run(scenario())
    assert got_one == got_two == [0, 1, 2]
    assert live is False
    assert plis >= 1  # each new subscriber asks for a keyframe
