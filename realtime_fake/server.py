"""The fake realtime endpoint's HTTP API (aiohttp) and its calls (aiortc).

``POST /v1/realtime`` (also ``/v1/realtime/calls``): checks, in order, the
bearer token (401), the content type (415), the query (``model`` required,
``voice`` one of :data:`VOICES`, ``instructions`` at most
:data:`MAX_INSTRUCTIONS` characters: 400), the body (an SDP offer with an audio
m-section, at most :data:`MAX_BODY_BYTES`: 400/413), then answers 201 with the
SDP answer of a new aiortc peer. Errors are OpenAI-shaped:
``{"error": {"message", "type", "code"}}``.

``GET /fake/calls`` lists every call with what it heard and said (no secret in
it). The token is compared in constant time and never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import itertools
import logging
import time
from array import array
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiortc import (
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from reflex_meet.realtime_fake.voice import Listener, ReplyTrack, frame_rms, load_clip

logger = logging.getLogger("realtime_fake")

VOICES = ("alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse")
MAX_BODY_BYTES = 256 * 1024
MAX_INSTRUCTIONS = 4_096
MAX_OPEN_CALLS = 16
MAX_RECORDS = 200
PATHS = ("/v1/realtime", "/v1/realtime/calls")


@dataclass(frozen=True)
class FakeConfig:
    """Settings of the fake endpoint.

    Attributes:
        token: The bearer token a caller must send (never shown in ``repr``).
        threshold: RMS above which a received frame counts as speech.
    """

    token: str = field(repr=False)
    threshold: float = 0.02


@dataclass
class Call:
    """One answered offer: its peer, what it heard and what it said."""

    id: str
    model: str
    voice: str | None
    instructions: str | None
    pc: RTCPeerConnection
    listener: Listener
    reply: ReplyTrack | None = None
    replies: int = 0
    state: str = "new"
    created: float = field(default_factory=time.time)
    tasks: set[asyncio.Task] = field(default_factory=set)

    def record(self) -> dict[str, Any]:
        """What the call heard and said, as JSON."""
        return {
            "id": self.id,
            "model": self.model,
            "voice": self.voice,
            "instructions": self.instructions,
            "state": self.state,
            "framesReceived": self.listener.frames,
            "voicedFrames": self.listener.voiced,
            "replies": self.replies,
            "replyFramesSent": self.reply.frames_spoken if self.reply else 0,
        }

    def tick(self) -> None:
        """Before each outgoing frame: answer a finished turn of speech."""
        if self.reply is None or self.reply.speaking:
            return
        if self.listener.turn_ended(time.monotonic()):
            self.listener.answered()
            self.replies += 1
            self.reply.speak()
            logger.info("call %s: heard a turn of speech, replying", self.id)

    async def listen(self, track: MediaStreamTrack) -> None:
        """Reads received audio and feeds its levels to the listener."""
        try:
            while True:
                frame = await track.recv()
                samples = array("h", bytes(frame.planes[0]))
                self.listener.hear(frame_rms(samples), time.monotonic())
        except MediaStreamError:
            pass

    async def close(self) -> None:
        """Closes the peer."""
        for task in self.tasks:
            task.cancel()
        await self.pc.close()
        if self.state != "failed":
            self.state = "closed"


CONFIG_KEY = web.AppKey("config", FakeConfig)
CALLS_KEY = web.AppKey("calls", OrderedDict)


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response(
        {
            "error": {
                "message": message,
                "type": "invalid_request_error",
                "code": code,
            }
        },
        status=status,
    )


def _open_calls(app: web.Application) -> int:
    return sum(
        1 for c in app[CALLS_KEY].values() if c.state not in ("closed", "failed")
    )


_ids = itertools.count(1)
_closing: set[asyncio.Task] = set()


async def create_call(request: web.Request) -> web.Response:
    """Answers an SDP offer with a new peer (201, ``application/sdp``)."""
    app = request.app
    config = app[CONFIG_KEY]
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        token.strip().encode(), config.token.encode()
    ):
        return _error(401, "invalid_api_key", "Incorrect API key provided.")
    if request.content_type != "application/sdp":
        return _error(
            415, "unsupported_content_type", "Content-Type must be application/sdp."
        )
    model = request.query.get("model", "")
    if not model:
        return _error(400, "missing_model", "The model query parameter is required.")
    voice = request.query.get("voice")
    if voice is not None and voice not in VOICES:
        return _error(
            400, "invalid_voice", f"voice must be one of {', '.join(VOICES)}."
        )
    instructions = request.query.get("instructions")
    if instructions is not None and len(instructions) > MAX_INSTRUCTIONS:
        return _error(400, "instructions_too_long", "instructions are too long.")
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return _error(413, "payload_too_large", "The offer is too large.")
    raw = await request.content.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        return _error(413, "payload_too_large", "The offer is too large.")
    try:
        offer = raw.decode()
    except UnicodeDecodeError:
        return _error(400, "invalid_offer", "The offer is not UTF-8 text.")
    if not offer.startswith("v=0") or "\nm=audio " not in offer:
        return _error(
            400, "invalid_offer", "The body must be an SDP offer with an audio track."
        )
    if _open_calls(app) >= MAX_OPEN_CALLS:
        return _error(429, "too_many_calls", "Too many open calls.")

    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    call = Call(
        id=f"call_{next(_ids)}",
        model=model,
        voice=voice,
        instructions=instructions,
        pc=pc,
        listener=Listener(threshold=config.threshold),
    )

    @pc.on("connectionstatechange")
    def _state() -> None:
        call.state = pc.connectionState
        logger.info("call %s: %s", call.id, call.state)
        if call.state == "failed":
            task = asyncio.ensure_future(call.close())
            _closing.add(task)
            task.add_done_callback(_closing.discard)

    @pc.on("track")
    def _track(track: MediaStreamTrack) -> None:
        if track.kind == "audio":
            task = asyncio.ensure_future(call.listen(track))
            call.tasks.add(task)

    try:
        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
        audio = [t for t in pc.getTransceivers() if t.kind == "audio"]
        clip, rate = load_clip()
        call.reply = ReplyTrack(clip, rate, on_tick=call.tick)
        audio[0].direction = "sendrecv"
        audio[0].sender.replaceTrack(call.reply)
        await pc.setLocalDescription(await pc.createAnswer())
    except Exception as exc:  # aiortc raises many types for a bad offer
        await pc.close()
        logger.info("refused an offer: %s", exc)
        return _error(400, "invalid_offer", f"The offer could not be applied: {exc}")
    calls: OrderedDict[str, Call] = app[CALLS_KEY]
    calls[call.id] = call
    while len(calls) > MAX_RECORDS:
        _, old = calls.popitem(last=False)
        await old.close()
    logger.info(
        "call %s: model %s, voice %s, %d characters of instructions",
        call.id,
        model,
        voice,
        len(instructions or ""),
    )
    return web.Response(
        status=201,
        text=pc.localDescription.sdp,
        content_type="application/sdp",
        headers={"Location": f"/v1/realtime/calls/{call.id}"},
    )


async def list_calls(request: web.Request) -> web.Response:
    """``GET /fake/calls``: what each call heard and said."""
    calls = request.app[CALLS_KEY].values()
    return web.json_response({"calls": [c.record() for c in calls]})


def create_app(config: FakeConfig) -> web.Application:
    """Builds the fake endpoint's aiohttp application.

    Args:
        config: The token and the speech threshold.

    Returns:
        The application; its calls are closed on cleanup.
    """
    app = web.Application(client_max_size=MAX_BODY_BYTES * 2)
    app[CONFIG_KEY] = config
    app[CALLS_KEY] = OrderedDict()
    for path in PATHS:
        app.router.add_post(path, create_call)
    app.router.add_get("/fake/calls", list_calls)

    async def on_cleanup(app: web.Application) -> None:
        for call in list(app[CALLS_KEY].values()):
            with contextlib.suppress(Exception):
                await call.close()

    app.on_cleanup.append(on_cleanup)
    return app
