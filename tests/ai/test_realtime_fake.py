"""The fake realtime endpoint: its turn-taking logic, HTTP contract and media."""

from __future__ import annotations

import asyncio
import time
from array import array

import httpx
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError

from reflex_meet.realtime_fake.voice import (
    MIN_VOICED_FRAMES,
    Listener,
    ReplyTrack,
    frame_rms,
    load_clip,
)
from reflex_meet.sfu import aiortc_hooks
from tests.ai.ai_support import FAKE_TOKEN, SpeechLikeTrack

aiortc_hooks.use_loopback_ice()


# -- pure logic ---------------------------------------------------------------


def test_frame_rms_is_a_fraction_of_full_scale():
    assert frame_rms(array("h")) == 0.0
    assert frame_rms(array("h", [0] * 100)) == 0.0
    assert frame_rms(array("h", [16384, -16384] * 50)) == pytest.approx(0.5)


def test_a_turn_needs_enough_speech_then_a_pause():
    listener = Listener(threshold=0.1, min_voiced=3, end_of_turn_s=0.5)
    assert listener.hear(0.05, 0.0) is False
    for t in (0.02, 0.04):
        assert listener.hear(0.3, t) is True
    assert not listener.turn_ended(10.0)  # only two voiced frames
    listener.hear(0.3, 0.06)
    assert not listener.turn_ended(0.3)  # still within the pause
    assert listener.turn_ended(0.56)
    listener.answered()
    assert not listener.turn_ended(5.0)
    assert (listener.frames, listener.voiced) == (4, 3)


def test_the_reply_clip_is_short_and_audible():
    clip, rate = load_clip()
    assert rate == 16_000
    assert 0.5 < len(clip) / rate < 3.0
    assert frame_rms(clip) > 0.05


def test_reply_track_sends_silence_until_asked_to_speak():
    async def scenario():
        clip, rate = load_clip()
        track = ReplyTrack(clip, rate)
        quiet = await track.recv()
        assert frame_rms(array("h", bytes(quiet.planes[0]))) == 0.0
        track.speak()
        levels = []
        while track.speaking:
            frame = await track.recv()
            levels.append(frame_rms(array("h", bytes(frame.planes[0]))))
        assert len(levels) == -(-len(clip) // (rate // 50))
        assert max(levels) > 0.1
        assert track.frames_spoken == len(levels)
        after = await track.recv()
        assert frame_rms(array("h", bytes(after.planes[0]))) == 0.0
        track.stop()
        with pytest.raises(MediaStreamError):
            await track.recv()

    asyncio.run(scenario())


# -- HTTP contract ------------------------------------------------------------


async def _offer(pc: RTCPeerConnection, track) -> str:
    pc.addTransceiver(track, direction="sendrecv")
    await pc.setLocalDescription(await pc.createOffer())
    return pc.localDescription.sdp


def _post(fake, body, token=FAKE_TOKEN, content_type="application/sdp", **params):
    params = {"model": "gpt-4o-realtime-preview", **params}
    headers = {"Content-Type": content_type}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(
        fake.url, params=params, content=body, headers=headers, timeout=20
    )


def test_bad_requests_are_refused_with_openai_shaped_errors(fake):
    sdp = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    cases = [
        (_post(fake, sdp, token=None), 401, "invalid_api_key"),
        (_post(fake, sdp, token="wrong"), 401, "invalid_api_key"),
        (_post(fake, sdp, content_type="application/json"), 415, None),
        (_post(fake, sdp, model=""), 400, "missing_model"),
        (_post(fake, sdp, voice="robot"), 400, "invalid_voice"),
        (_post(fake, sdp, instructions="x" * 5_000), 400, None),
        (_post(fake, "hello"), 400, "invalid_offer"),
        (_post(fake, "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"), 400, None),
        (_post(fake, sdp), 400, "invalid_offer"),  # not a usable offer
        (_post(fake, "v=0\r\nm=audio " + "x" * 300_000), 413, None),
    ]
    for response, status, code in cases:
        assert response.status_code == status, response.text
        error = response.json()["error"]
        assert error["message"]
        if code:
            assert error["code"] == code
        assert FAKE_TOKEN not in response.text
    assert fake.calls() == []
    assert FAKE_TOKEN not in fake.log()


def test_an_offer_gets_a_real_peer_that_answers_speech(fake):
    async def scenario():
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        talker = SpeechLikeTrack()
        heard_levels: list[float] = []
        tasks = []

        @pc.on("track")
        def on_track(track):
            async def consume():
                try:
                    while True:
                        frame = await track.recv()
                        heard_levels.append(
                            frame_rms(array("h", bytes(frame.planes[0])))
                        )
                except MediaStreamError:
                    pass

            tasks.append(asyncio.ensure_future(consume()))

        try:
            offer = await _offer(pc, talker)
            async with httpx.AsyncClient(timeout=20) as http:
                response = await http.post(
                    fake.url,
                    params={
                        "model": "gpt-4o-realtime-preview",
                        "voice": "coral",
                        "instructions": "Be brief.",
                    },
                    content=offer,
                    headers={
                        "Content-Type": "application/sdp",
                        "Authorization": f"Bearer {FAKE_TOKEN}",
                    },
                )
            assert response.status_code == 201, response.text
            assert response.headers["content-type"].startswith("application/sdp")
            await pc.setRemoteDescription(
                RTCSessionDescription(sdp=response.text, type="answer")
            )
            (call,) = [c for c in fake.calls() if c["instructions"] == "Be brief."]
            assert call["voice"] == "coral"
            assert call["model"] == "gpt-4o-realtime-preview"

            deadline = time.monotonic() + 10
            while len(heard_levels) < 25:  # the fake sends silence at first
                assert time.monotonic() < deadline, "no audio from the fake"
                await asyncio.sleep(0.05)
            assert max(heard_levels) < 0.01
            call = next(c for c in fake.calls() if c["id"] == call["id"])
            assert call["state"] == "connected"
            assert call["voicedFrames"] == 0 and call["replies"] == 0
            assert call["framesReceived"] > 0

            talker.talking = True
            deadline = time.monotonic() + 10
            while True:
                call = next(c for c in fake.calls() if c["id"] == call["id"])
                if call["voicedFrames"] >= MIN_VOICED_FRAMES * 2:
                    break
                assert time.monotonic() < deadline, call
                await asyncio.sleep(0.05)
            # (No reply while talking is the Listener's rule, tested above; a
            # loaded machine can stall the talker long enough to end a turn.)
            talker.talking = False
            heard_before = len(heard_levels)
            deadline = time.monotonic() + 10
            while max(heard_levels[heard_before:], default=0.0) < 0.05:
                assert time.monotonic() < deadline, "the fake did not reply"
                await asyncio.sleep(0.05)
            call = next(c for c in fake.calls() if c["id"] == call["id"])
            assert call["replies"] >= 1
        finally:
            await pc.close()
        deadline = time.monotonic() + 10
        while next(c for c in fake.calls() if c["id"] == call["id"])["state"] not in (
            "closed",
            "failed",
        ):
            assert time.monotonic() < deadline, "the fake kept a hung-up call open"
            await asyncio.sleep(0.1)

    asyncio.run(asyncio.wait_for(scenario(), 60))
