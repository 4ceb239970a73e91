"""Helpers for the AI participant's tests: the fake realtime endpoint process."""

from __future__ import annotations

import fractions
import math
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import httpx
import pytest
from aiortc.mediastreams import AudioStreamTrack

from launch.servers import start_announcing, stop_group

ROOT = Path(__file__).resolve().parents[2]
FAKE_TOKEN = "fake-openai-token-for-tests"


@dataclass
class FakeProcess:
    """A running ``python -m reflex_meet.realtime_fake``."""

    proc: subprocess.Popen
    url: str
    log_path: Path

    @property
    def base(self) -> str:
        return self.url.rsplit("/v1/", 1)[0]

    def calls(self) -> list[dict]:
        return httpx.get(f"{self.base}/fake/calls", timeout=10).json()["calls"]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_fake(*flags: str, timeout: float = 20.0) -> FakeProcess:
    """Starts the fake on a free port; waits for its "listening" line."""
    log = Path(tempfile.mkstemp(prefix="realtime-fake-", suffix=".log")[1])
    proc, url = start_announcing(
        [sys.executable, "-m", "reflex_meet.realtime_fake", "--port", "0", *flags],
        log,
        env={**os.environ, "REALTIME_FAKE_TOKEN": FAKE_TOKEN},
        timeout=timeout,
        what="the realtime fake",
    )
    return FakeProcess(proc, url, log)


def stop_fake(proc: subprocess.Popen) -> None:
    """Stops the fake by its own process group."""
    stop_group(proc, 10.0)
    if proc.stdout is not None:
        proc.stdout.close()


class SpeechLikeTrack(AudioStreamTrack):
    """A loud 300 Hz tone while ``talking`` is set, silence otherwise."""

    def __init__(self) -> None:
        super().__init__()
        self.talking = False
        self._phase = 0

    async def recv(self) -> av.AudioFrame:
        frame = await super().recv()  # paced silence, 20 ms at 8 kHz
        if self.talking:
            count = frame.samples
            rate = frame.sample_rate
            samples = bytearray()
            for i in range(count):
                value = int(
                    12000 * math.sin(2 * math.pi * 300 * (self._phase + i) / rate)
                )
                samples += value.to_bytes(2, "little", signed=True)
            self._phase += count
            frame.planes[0].update(bytes(samples))
        frame.time_base = fractions.Fraction(1, frame.sample_rate)
        return frame


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProcess]:
    """One fake realtime endpoint per test module."""
    process = start_fake()
    yield process
    stop_fake(process.proc)
