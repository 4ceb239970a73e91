"""The bare baseline: one ``rx.SharedState`` change between two clients.

The app is ``bench/baseline_app`` (a counter linked per room, nothing else).
Its clients are the same raw websocket clients as the simulated members, and
a change is recognised the same way (the first update touching the shared
state's key), so the two figures compare what our room adds to Reflex. The
load driver takes turns between bare changes and the room's own with two
members, so both see the same machine.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from bench.load_measure import Settings
from bench.sim import observe, wait_quiet
from launch.raw_client import ROOM
from launch.reflex_socket import ReflexSocket

__all__ = ["COUNTER", "BareClient", "BareRoom"]

# The counter's full name: the shared-state base's path (as for the room),
# then ``bare.bare.Counter`` (not imported here: that would add it to this
# process's own state tree).
COUNTER = ROOM.rsplit(".", 1)[0] + ".bare___bare____counter"
WARM_UP = 10


@dataclass
class BareClient(ReflexSocket):
    """A client of the bare app; ``/<room>`` routes carry the room."""

    def _query(self, parts: list[str]) -> dict[str, Any] | None:
        return {"room": parts[0]} if parts else None


@dataclass
class BareRoom:
    """Two clients of the bare app in one room, taking turns to change it.

    Attributes:
        url: The bare app's URL.
        s: Settings (quiet, timeout).
        latencies: Seconds from each timed change to its arrival.
        sizes: Bytes the other client received per timed change.
    """

    url: str
    s: Settings
    latencies: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    _pair: list[BareClient] = field(default_factory=list)
    _turn: int = 0

    def open(self) -> BareRoom:
        """Connect both clients and make a few untimed changes."""
        room = f"bare{uuid.uuid4().hex[:8]}"
        self._pair = [
            BareClient(self.url, keep_deltas=False).connect(f"/{room}")
            for _ in range(2)
        ]
        wait_quiet(self._pair, self.s.quiet, self.s.timeout)
        for _ in range(WARM_UP):
            self._change()
        return self

    def time(self, changes: int) -> None:
        """Make and time ``changes`` changes."""
        for _ in range(changes):
            latencies, sizes = self._change()
            self.latencies += latencies
            self.sizes += sizes

    def _change(self) -> tuple[list[float], list[int]]:
        actor, other = self._pair[self._turn % 2], self._pair[(self._turn + 1) % 2]
        self._turn += 1
        before = actor.mark()
        seen = observe(
            lambda: actor.call(COUNTER, "bump"),
            actor,
            [other],
            answered=lambda: any(
                COUNTER in u.states for u in actor.updates_since(before)
            ),
            key=COUNTER,
            quiet=self.s.quiet,
            timeout=self.s.timeout,
        )
        return seen.latencies, seen.sizes

    def close(self) -> None:
        """Close both clients."""
        for client in self._pair:
            client.close()
