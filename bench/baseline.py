"""The bare baseline: one ``rx.SharedState`` change between two clients.

The app is ``bench/baseline_app`` (a counter linked per room, nothing else).
Its clients are the same raw websocket clients as the simulated members, and
a change is recognised the same way (the first update touching the shared
state's key), so the two figures compare what our room adds to Reflex.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from bench.load_measure import Settings
from bench.sim import observe, wait_quiet
from tests.browser.attack.raw_client import ROOM
from tests.reflex_socket import ReflexSocket

__all__ = ["COUNTER", "BareClient", "measure_baseline"]

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


def measure_baseline(
    url: str, changes: int, s: Settings
) -> tuple[list[float], list[int]]:
    """Two clients in one room take turns changing the counter.

    Args:
        url: The bare app's URL.
        changes: Changes to time (after a few untimed ones).
        s: Settings (quiet, timeout).

    Returns:
        Seconds from each change to its arrival at the other client, and the
        bytes the other client received per change.
    """
    room = f"bare{uuid.uuid4().hex[:8]}"
    pair = [BareClient(url, keep_deltas=False).connect(f"/{room}") for _ in range(2)]
    latencies: list[float] = []
    sizes: list[int] = []
    try:
        wait_quiet(pair, s.quiet, s.timeout)
        for index in range(WARM_UP + changes):
            actor, other = pair[index % 2], pair[(index + 1) % 2]
            before = actor.mark()
            seen = observe(
                lambda a=actor: a.call(COUNTER, "bump"),
                actor,
                [other],
                answered=lambda a=actor, b=before: any(
                    COUNTER in u.states for u in a.updates_since(b)
                ),
                key=COUNTER,
                quiet=s.quiet,
                timeout=s.timeout,
            )
            if index >= WARM_UP:
                latencies += seen.latencies
                sizes += seen.sizes
    finally:
        for client in pair:
            client.close()
    return latencies, sizes
