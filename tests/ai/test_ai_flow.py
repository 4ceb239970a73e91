"""The server flow of the AI participant (calls/ai.py) against the Calls
stand-in and the fake realtime endpoint, both real processes."""

from __future__ import annotations

import asyncio
import time
from array import array

import httpx
import pytest

from launch.servers import free_port
from reflex_meet.calls.ai import (
    AI_TRACK_NAME,
    AiConfig,
    AiError,
    AiSession,
    feed,
    invite,
    is_alive,
    remove,
)
from reflex_meet.calls.client import CallsClient
from reflex_meet.calls.config import CallsConfig
from reflex_meet.realtime_fake.voice import frame_rms
from tests.ai.ai_support import FAKE_TOKEN, SpeechLikeTrack, start_fake, stop_fake
from tests.sfu.sfu_support import APP_ID, SECRET, clients

INSTRUCTIONS = "Answer in one sentence."


def _calls(standin) -> CallsClient:
    return CallsClient(
        CallsConfig(
            backend="local", app_id=APP_ID, app_secret=SECRET, api_url=standin.base_url
        ),
        backoff_initial=0.05,
    )


def _config(endpoint: str, token: str = FAKE_TOKEN) -> AiConfig:
    return AiConfig(endpoint=endpoint, token=token, timeout_s=10)


def _run(coro, timeout: float = 60):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def _call_of(fake, instructions: str) -> dict:
    (call,) = [c for c in fake.calls() if c["instructions"] == instructions]
    return call


async def _wait(predicate, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)


def test_invite_feed_and_remove_the_ai(standin, fake):
    async def scenario():
        async with _calls(standin) as calls, clients(standin, 2) as (alice, bob):
            ai = await invite(calls, _config(fake.url), INSTRUCTIONS, "sage")
            assert isinstance(ai, AiSession)
            assert ai.track_id == f"{ai.session_id}/{AI_TRACK_NAME}"
            call = _call_of(fake, INSTRUCTIONS)
            assert call["voice"] == "sage"
            assert call["model"] == "gpt-4o-realtime-preview"
            assert await is_alive(calls, ai)

            # Bob pulls the AI's voice like anyone's track.
            levels: list[float] = []
            data = await bob.subscribe([(ai.session_id, AI_TRACK_NAME)])
            voice_mid = data["tracks"][0]["mid"]
            await bob.wait_frames(voice_mid, 25)

            # Alice talks to it through her push-to-talk track.
            talker = SpeechLikeTrack()
            await alice.publish({"ptt": talker})
            await alice.wait_connected()
            await feed(calls, ai, alice.session_id, "ptt")
            await asyncio.sleep(0.5)
            assert _call_of(fake, INSTRUCTIONS)["voicedFrames"] == 0  # silence
            talker.talking = True
            await _wait(
                lambda: _call_of(fake, INSTRUCTIONS)["voicedFrames"] >= 10,
                "the fake heard no speech",
            )
            talker.talking = False
            await _wait(
                lambda: _call_of(fake, INSTRUCTIONS)["replies"] >= 1,
                "the fake did not reply",
            )
            # The reply reaches Bob: his received audio gets loud.
            track = next(
                t.receiver.track for t in bob.pc.getTransceivers() if t.mid == voice_mid
            )
            bob._tasks[-1].cancel()  # read the track here instead

            async def listen():
                while True:
                    frame = await track.recv()
                    levels.append(frame_rms(array("h", bytes(frame.planes[0]))))

            listener = asyncio.ensure_future(listen())
            await _wait(
                lambda: max(levels, default=0.0) > 0.05, "Bob did not hear the reply"
            )
            listener.cancel()

            await remove(calls, ai)
            assert not await is_alive(calls, ai)
            deadline = time.monotonic() + 5
            while (await bob.api.track_status(bob.session_id))[voice_mid] != "inactive":
                assert time.monotonic() < deadline
                await asyncio.sleep(0.1)
        for log in (standin.log(), fake.log()):
            assert FAKE_TOKEN not in log

    _run(scenario())


def test_endpoint_down_is_a_clear_error(standin):
    async def scenario():
        async with _calls(standin) as calls:
            endpoint = f"http://127.0.0.1:{free_port()}/v1/realtime"
            with pytest.raises(AiError) as caught:
                await invite(calls, _config(endpoint), INSTRUCTIONS, "ash")
            assert caught.value.problem.code == "ai_endpoint_unreachable"
            assert FAKE_TOKEN not in str(caught.value)

    _run(scenario())


def test_a_refusal_by_the_endpoint_is_a_clear_error(standin, fake):
    async def scenario():
        async with _calls(standin) as calls:
            with pytest.raises(AiError) as caught:
                await invite(calls, _config(fake.url, "wrong-token"), "x", "ash")
            problem = caught.value.problem
            assert problem.code == "ai_endpoint_refused"
            assert "HTTP 401" in problem.description
            assert "wrong-token" not in problem.description

    _run(scenario())


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (201, "<html>hello</html>", "ai_bad_answer"),
        (
            201,
            "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nnonsense\r\n",
            "ai_bad_answer",
        ),
        (429, '{"error": {"message": "Rate limit reached"}}', "ai_endpoint_refused"),
    ],
)
def test_bad_answers_are_clear_errors(standin, status, body, code):
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, text=body)

    async def scenario():
        async with (
            _calls(standin) as calls,
            httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http,
        ):
            with pytest.raises(AiError) as caught:
                await invite(
                    calls,
                    _config("https://model.example/v1/realtime"),
                    INSTRUCTIONS,
                    "verse",
                    http=http,
                )
            return caught.value.problem

    problem = _run(scenario())
    assert problem.code == code
    (request,) = seen
    assert request.headers["authorization"] == f"Bearer {FAKE_TOKEN}"
    assert request.headers["content-type"] == "application/sdp"
    assert request.url.params["model"] == "gpt-4o-realtime-preview"
    assert request.url.params["voice"] == "verse"
    assert request.url.params["instructions"] == INSTRUCTIONS
    assert request.content.startswith(b"v=0")
    assert b"m=audio" in request.content
    if status == 429:
        assert "Rate limit reached" in problem.description


def test_the_ai_session_closing_is_noticed(standin):
    own_fake = start_fake()

    async def scenario():
        async with _calls(standin) as calls, clients(standin, 1) as (alice,):
            ai = await invite(calls, _config(own_fake.url), INSTRUCTIONS, "echo")
            assert await is_alive(calls, ai)
            await alice.publish({"ptt": SpeechLikeTrack()})
            await alice.wait_connected()
            stop_fake(own_fake.proc)  # the AI service hangs up
            deadline = time.monotonic() + 15
            while await is_alive(calls, ai):
                assert time.monotonic() < deadline, "the AI's session stayed alive"
                await asyncio.sleep(0.2)
            with pytest.raises(AiError) as caught:
                await feed(calls, ai, alice.session_id, "ptt")
            assert caught.value.problem.code == "ai_session_closed"
            await remove(calls, ai)  # never raises

    try:
        _run(scenario())
    finally:
        stop_fake(own_fake.proc)
