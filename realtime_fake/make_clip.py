"""Synthesises the fake's spoken reply, ``reply.wav`` (run once; output committed).

``python -m reflex_meet.realtime_fake.make_clip`` writes a 1.3 s, 16 kHz mono clip: five
voiced syllables (a glottal pulse train with a falling pitch, shaped by two
vowel formants), the cadence of a short spoken sentence. It is deterministic,
so re-running it reproduces the committed file byte for byte.
"""

from __future__ import annotations

import math
import wave
from array import array
from pathlib import Path

RATE = 16_000
CLIP = Path(__file__).with_name("reply.wav")

# (vowel formants F1, F2 in Hz, duration s, pitch start/end Hz), then a pause.
SYLLABLES = [
    ((730, 1090), 0.20, 180, 165),  # "ah"
    ((270, 2290), 0.16, 170, 175),  # "ee"
    ((530, 1840), 0.22, 190, 160),  # "eh"
    ((570, 840), 0.18, 160, 150),  # "aw"
    ((300, 870), 0.28, 150, 110),  # "oo", falling: end of the sentence
]
GAP_S = 0.06


def _resonator(signal: list[float], freq: float, bandwidth: float) -> list[float]:
    """A two-pole resonator (one formant) applied to ``signal``."""
    r = math.exp(-math.pi * bandwidth / RATE)
    a1 = 2 * r * math.cos(2 * math.pi * freq / RATE)
    a2 = -r * r
    gain = 1 - r
    out: list[float] = []
    y1 = y2 = 0.0
    for x in signal:
        y = gain * x + a1 * y1 + a2 * y2
        out.append(y)
        y1, y2 = y, y1
    return out


def synthesise() -> array:
    """Returns the clip as signed 16-bit samples."""
    samples: list[float] = []
    for (f1, f2), duration, pitch_start, pitch_end in SYLLABLES:
        count = int(duration * RATE)
        pulses: list[float] = []
        phase = 0.0
        for i in range(count):
            pitch = pitch_start + (pitch_end - pitch_start) * i / count
            phase += pitch / RATE
            if phase >= 1.0:
                phase -= 1.0
                pulses.append(1.0)
            else:
                pulses.append(0.0)
        voiced = [
            a + 0.6 * b
            for a, b in zip(
                _resonator(pulses, f1, 90), _resonator(pulses, f2, 120), strict=True
            )
        ]
        for i, value in enumerate(voiced):
            # Raised-cosine attack and release of 30 ms.
            edge = min(i, count - 1 - i) / (0.03 * RATE)
            envelope = 0.5 - 0.5 * math.cos(math.pi * min(1.0, edge))
            samples.append(value * envelope)
        samples.extend([0.0] * int(GAP_S * RATE))
    peak = max(abs(s) for s in samples) or 1.0
    return array("h", (int(s / peak * 0.6 * 32767) for s in samples))


def main() -> None:
    """Writes ``reply.wav`` next to this module."""
    with wave.open(str(CLIP), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(synthesise().tobytes())
    print(f"wrote {CLIP} ({CLIP.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
