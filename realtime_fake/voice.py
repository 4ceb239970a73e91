"""Hearing and speaking for the fake realtime endpoint (no aiohttp here).

:class:`Listener` is the pure turn-taking logic (energy threshold, minimum
speech, end-of-turn pause); :class:`ReplyTrack` is the aiortc audio track that
sends silence, or the reply clip when asked to speak.
"""

from __future__ import annotations

import asyncio
import fractions
import math
import time
import wave
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

CLIP_PATH = Path(__file__).with_name("reply.wav")
FRAME_S = 0.02

VOICED_RMS = 0.02
"""RMS level (fraction of full scale, ≈ -34 dBFS) above which a frame is speech."""
MIN_VOICED_FRAMES = 5
"""Voiced frames (100 ms) a turn needs before the fake answers it."""
END_OF_TURN_S = 0.4
"""Pause after the last voiced frame that ends a turn."""


def frame_rms(samples: array) -> float:
    """Root mean square of signed 16-bit samples, as a fraction of full scale.

    Args:
        samples: ``array('h')`` of samples (any channel layout).

    Returns:
        0.0 (silence or empty) to 1.0.
    """
    if not samples:
        return 0.0
    total = sum(s * s for s in samples)
    return math.sqrt(total / len(samples)) / 32768.0


@dataclass
class Listener:
    """Counts what was heard and decides when a turn of speech has ended.

    Attributes:
        threshold: RMS above which a frame counts as speech.
        min_voiced: Voiced frames a turn needs.
        end_of_turn_s: Quiet seconds that end a turn.
        frames: Audio frames received.
        voiced: Voiced frames received.
        turn_voiced: Voiced frames in the current (unanswered) turn.
        last_voiced_at: Clock time of the latest voiced frame.
    """

    threshold: float = VOICED_RMS
    min_voiced: int = MIN_VOICED_FRAMES
    end_of_turn_s: float = END_OF_TURN_S
    frames: int = 0
    voiced: int = 0
    turn_voiced: int = 0
    last_voiced_at: float | None = None

    def hear(self, rms: float, now: float) -> bool:
        """Records one received frame.

        Args:
            rms: The frame's level (see :func:`frame_rms`).
            now: Clock time.

        Returns:
            Whether the frame was speech.
        """
        self.frames += 1
        if rms < self.threshold:
            return False
        self.voiced += 1
        self.turn_voiced += 1
        self.last_voiced_at = now
        return True

    def turn_ended(self, now: float) -> bool:
        """Whether enough speech was heard, followed by enough quiet."""
        return (
            self.turn_voiced >= self.min_voiced
            and self.last_voiced_at is not None
            and now - self.last_voiced_at >= self.end_of_turn_s
        )

    def answered(self) -> None:
        """Starts a new turn (the current one is being answered)."""
        self.turn_voiced = 0


def load_clip(path: Path = CLIP_PATH) -> tuple[array, int]:
    """Reads a mono 16-bit WAV clip.

    Args:
        path: The WAV file.

    Returns:
        The samples and the sample rate.

    Raises:
        ValueError: If the file is not mono 16-bit PCM.
    """
    with wave.open(str(path), "rb") as clip:
        if clip.getnchannels() != 1 or clip.getsampwidth() != 2:
            raise ValueError(f"{path} must be mono 16-bit PCM")
        rate = clip.getframerate()
        samples = array("h", clip.readframes(clip.getnframes()))
    return samples, rate


class ReplyTrack(MediaStreamTrack):
    """The fake's voice: 20 ms audio frames, silence unless it speaks.

    Args:
        clip: The reply's samples (mono, signed 16-bit).
        rate: Their sample rate.
        on_tick: Called before each frame (lets the caller start a reply).
    """

    kind = "audio"

    def __init__(
        self, clip: array, rate: int, on_tick: Callable[[], None] | None = None
    ) -> None:
        super().__init__()
        self._clip = clip
        self._rate = rate
        self._per_frame = int(rate * FRAME_S)
        self._silence = array("h", [0]) * self._per_frame
        self._on_tick = on_tick
        self._position: int | None = None
        self._start: float | None = None
        self._timestamp = 0
        self.frames_spoken = 0

    @property
    def speaking(self) -> bool:
        """Whether the reply is being played."""
        return self._position is not None

    def speak(self) -> None:
        """Plays the reply from its start."""
        self._position = 0

    def _next_samples(self) -> array:
        if self._position is None:
            return self._silence
        chunk = self._clip[self._position : self._position + self._per_frame]
        self._position += self._per_frame
        self.frames_spoken += 1
        if self._position >= len(self._clip):
            self._position = None
        if len(chunk) < self._per_frame:
            chunk.extend([0] * (self._per_frame - len(chunk)))
        return chunk

    async def recv(self) -> av.AudioFrame:  # type: ignore[override]
        """Returns the next 20 ms frame, paced in real time.

        Raises:
            MediaStreamError: When the track was stopped.
        """
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.time()
        else:
            self._timestamp += self._per_frame
            wait = self._start + self._timestamp / self._rate - time.time()
            if wait > 0:
                await asyncio.sleep(wait)
        if self._on_tick is not None:
            self._on_tick()
        frame = av.AudioFrame(format="s16", layout="mono", samples=self._per_frame)
        frame.planes[0].update(self._next_samples().tobytes())
        frame.pts = self._timestamp
        frame.sample_rate = self._rate
        frame.time_base = fractions.Fraction(1, self._rate)
        return frame
