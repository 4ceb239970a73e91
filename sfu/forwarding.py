"""Fan-out of encoded media from one published track to its subscribers.

A publisher's receiver (with the pass-through hook) yields ``av.Packet``s: one
per encoded frame. :class:`TrackRelay` reads them and copies each into the
bounded queue of every :class:`RelayedTrack`; a subscriber's aiortc sender reads
its :class:`RelayedTrack` and packetises the frames without re-encoding.

Keyframes: a new video subscriber first waits for a keyframe, and the relay asks
the publisher for one a few times right after a subscription starts
(:data:`KEYFRAME_BURST`). Subscribers' own PLI/FIR and queue overflows ask too;
:class:`KeyframeRequester` rate-limits all of these into PLIs to the publisher.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

logger = logging.getLogger(__name__)

KEYFRAME_BURST = (0.0, 0.2, 0.5, 1.0)
"""Seconds after a new subscription at which a keyframe is requested."""
PLI_MIN_INTERVAL = 0.2
"""Least time between two PLIs sent to one publisher's track."""
VIDEO_QUEUE_FRAMES = 30
AUDIO_QUEUE_FRAMES = 25


class KeyframeRequester:
    """Coalesces keyframe requests into rate-limited PLIs.

    Args:
        send_pli: Coroutine function that sends one PLI to the publisher.
        min_interval: Least seconds between two PLIs; a request inside that
            window is sent when the window ends (never dropped).
        clock: Monotonic clock (injectable for tests).
    """

    def __init__(
        self,
        send_pli: Callable[[], Awaitable[None]],
        min_interval: float = PLI_MIN_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._send_pli = send_pli
        self._min_interval = min_interval
        self._clock = clock
        self._last: float | None = None
        self._pending: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Future] = set()
        self._closed = False
        self.sent = 0

    def request(self) -> None:
        """Asks for a keyframe as soon as the rate limit allows."""
        if self._closed or self._pending is not None:
            return
        now = self._clock()
        wait = 0.0
        if self._last is not None:
            wait = max(0.0, self._last + self._min_interval - now)
        loop = asyncio.get_running_loop()
        if wait == 0.0:
            self._fire()
        else:
            self._pending = loop.call_later(wait, self._fire)

    def burst(self, delays: tuple[float, ...] = KEYFRAME_BURST) -> None:
        """Asks for keyframes at each of ``delays`` seconds from now."""
        loop = asyncio.get_running_loop()
        for delay in delays:
            loop.call_later(delay, self.request)

    def close(self) -> None:
        """Stops sending; pending requests are dropped."""
        self._closed = True
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        for task in self._tasks:
            task.cancel()

    def _fire(self) -> None:
        self._pending = None
        if self._closed:
            return
        self._last = self._clock()
        self.sent += 1
        task = asyncio.ensure_future(self._send_pli())
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Future) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.debug("PLI failed: %s", task.exception())


class RelayedTrack(MediaStreamTrack):
    """A subscriber's copy of a published track, yielding encoded packets.

    Args:
        kind: ``audio`` or ``video``.
        on_keyframe_needed: Called when this subscriber needs a keyframe (queue
            overflow or a PLI/FIR from the subscriber).
        max_frames: Queue length; when full, video is dropped up to the next
            keyframe and audio drops its oldest frame.
        track_id: The track id announced in ``a=msid`` (default: a UUID).
    """

    def __init__(
        self,
        kind: str,
        on_keyframe_needed: Callable[[], None],
        max_frames: int | None = None,
        track_id: str | None = None,
    ) -> None:
        super().__init__()
        self.kind = kind
        if track_id is not None:
            self._id = track_id
        self._on_keyframe_needed = on_keyframe_needed
        default = VIDEO_QUEUE_FRAMES if kind == "video" else AUDIO_QUEUE_FRAMES
        self._max = max_frames or default
        self._queue: deque[av.Packet | None] = deque()
        self._ready = asyncio.Event()
        self._need_keyframe = kind == "video"
        self._reading = False
        self.frames_in = 0
        self.frames_dropped = 0

    def push(self, packet: av.Packet) -> None:
        """Queues one encoded frame (called by the relay)."""
        if self.readyState != "live":
            return
        self.frames_in += 1
        if self._need_keyframe:
            if not packet.is_keyframe:
                self.frames_dropped += 1
                return
            self._need_keyframe = False
        if len(self._queue) >= self._max:
            if self.kind == "video":
                self.frames_dropped += len(self._queue) + 1
                self._queue.clear()
                self._need_keyframe = True
                if self._reading:  # else: the burst at the answer fetches one
                    self._on_keyframe_needed()
                return
            self._queue.popleft()
            self.frames_dropped += 1
        self._queue.append(packet)
        self._ready.set()

    def request_keyframe(self) -> None:
        """Handles a PLI/FIR from the subscriber: asks the publisher."""
        self._on_keyframe_needed()

    def end(self) -> None:
        """Ends the track: the sender reading it stops after the queued frames."""
        self._queue.append(None)
        self._ready.set()

    async def recv(self) -> av.Packet:  # type: ignore[override]
        """Returns the next encoded frame.

        Raises:
            MediaStreamError: When the track has ended.
        """
        if self.readyState != "live":
            raise MediaStreamError
        self._reading = True
        while not self._queue:
            self._ready.clear()
            await self._ready.wait()
        packet = self._queue.popleft()
        if packet is None:
            self.stop()
            raise MediaStreamError
        return packet


class TrackRelay:
    """Reads one published track and copies its frames to every subscriber.

    Args:
        source: The publisher receiver's track (yielding ``av.Packet``).
        kind: ``audio`` or ``video``.
        send_pli: Coroutine function sending one PLI to the publisher (video).
        clock: Monotonic clock, also used for :attr:`last_media`.
    """

    def __init__(
        self,
        source: MediaStreamTrack,
        kind: str,
        send_pli: Callable[[], Awaitable[None]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source = source
        self.kind = kind
        self._clock = clock
        self.created = clock()
        self.last_media: float | None = None
        self.frames = 0
        self.subscribers: set[RelayedTrack] = set()
        self.keyframes = (
            KeyframeRequester(send_pli, clock=clock)
            if send_pli is not None and kind == "video"
            else None
        )
        self._task: asyncio.Task | None = None
        self.ended = asyncio.Event()

    @property
    def live(self) -> bool:
        """Whether the relay still forwards (its source has not ended)."""
        return not self.ended.is_set()

    def idle_for(self) -> float:
        """Seconds since the last frame (or since creation if none came)."""
        last = self.last_media if self.last_media is not None else self.created
        return self._clock() - last

    def start(self) -> None:
        """Starts reading the source."""
        if self._task is None:
            self._task = asyncio.ensure_future(self._pump())

    def request_keyframe(self) -> None:
        """Asks the publisher for a keyframe (rate-limited; no-op for audio)."""
        if self.keyframes is not None and self.live:
            self.keyframes.request()

    def subscribe(self, track_id: str | None = None) -> RelayedTrack:
        """Creates a subscriber track fed from now on; asks for keyframes.

        Args:
            track_id: The id the subscriber's ``a=msid`` announces.

        Returns:
            The subscriber's track.
        """
        track = RelayedTrack(self.kind, self.request_keyframe, track_id=track_id)
        if not self.live:
            track.end()
            return track
        self.subscribers.add(track)
        self.keyframe_burst()
        return track

    def keyframe_burst(self) -> None:
        """Requests a few keyframes over the next second (new subscriber)."""
        if self.keyframes is not None and self.live:
            self.keyframes.burst()

    def unsubscribe(self, track: RelayedTrack) -> None:
        """Stops feeding ``track`` and ends it."""
        self.subscribers.discard(track)
        track.end()

    async def stop(self) -> None:
        """Stops forwarding; every subscriber track ends."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._finish()

    def _finish(self) -> None:
        if self.keyframes is not None:
            self.keyframes.close()
        for track in self.subscribers:
            track.end()
        self.subscribers.clear()
        self.ended.set()

    async def _pump(self) -> None:
        try:
            while True:
                packet = await self.source.recv()
                if not isinstance(packet, av.Packet):
                    continue
                self.last_media = self._clock()
                self.frames += 1
                for track in tuple(self.subscribers):
                    track.push(packet)
        except MediaStreamError:
            logger.debug("relay source ended (%s)", self.kind)
        finally:
            self._finish()


class FeedTrack(MediaStreamTrack):
    """What a bidirectional transceiver sends: a swappable subscriber track.

    aiortc's sender stops for good when its track ends, so a bidirectional
    transceiver (a third-party peer's) sends one :class:`FeedTrack` for its
    whole life; a ``tracks/new`` with ``mid`` swaps the :class:`RelayedTrack`
    it reads from. Without a source it sends nothing.

    Args:
        kind: ``audio`` or ``video``.
    """

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self._source: RelayedTrack | None = None
        self._changed = asyncio.Event()

    @property
    def source(self) -> RelayedTrack | None:
        """The track currently fed in, if any."""
        return self._source

    def switch(self, source: RelayedTrack | None) -> RelayedTrack | None:
        """Feeds ``source`` from now on.

        Args:
            source: The new source (``None``: send nothing).

        Returns:
            The previous source; the caller ends it (after the switch, so the
            sender is never left reading an ended track).
        """
        previous = self._source
        self._source = source
        self._changed.set()
        return previous

    def request_keyframe(self) -> None:
        """Passes a receiver's PLI/FIR on to the current source."""
        if self._source is not None:
            self._source.request_keyframe()

    def stop(self) -> None:
        """Ends the track (the sender stops)."""
        super().stop()
        self._changed.set()

    async def recv(self) -> av.Packet:  # type: ignore[override]
        """Returns the next frame of the current source, waiting for one.

        Raises:
            MediaStreamError: When this track was stopped.
        """
        while True:
            if self.readyState != "live":
                raise MediaStreamError
            source = self._source
            if source is None:
                self._changed.clear()
                await self._changed.wait()
                continue
            try:
                return await source.recv()
            except MediaStreamError:
                if self._source is source:
                    self._source = None
