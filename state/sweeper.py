"""The background sweep: rooms are swept even when nobody visits them.

Heartbeats sweep a room whenever somebody in it is alive. When the last
person's tab crashes, or the app restarts, nobody is left to send one, and
before this the meeting stayed open until some later visitor came by. The
sweeper runs in every worker process (a Reflex lifespan task) every
:data:`SWEEP_INTERVAL` seconds, for every meeting the records hold as open:

* the room's silent members are swept out exactly as a heartbeat would
  (:func:`state.membership.sweep_room`), which ends the meeting when the last
  one goes;
* a meeting that the room no longer runs (its state was lost in a restart,
  or a new meeting replaced it) is ended in the records;
* an AI participant whose service hung up (its Calls session ended) is taken
  out of the room, with a notice (:func:`state.ai.drop_ai_if_gone`).

Sweeps are idempotent, so several workers sweeping the same room agree.
"""

from __future__ import annotations

import asyncio
import logging
import time

from reflex_meet.records import service
from reflex_meet.state import membership, presence
from reflex_meet.state.ai import drop_ai_if_gone

__all__ = ["SWEEP_INTERVAL", "run", "sweep_once"]

logger = logging.getLogger("meet.sweeper")

SWEEP_INTERVAL = 5.0


async def _current_meeting(room: str) -> str:
    from reflex_meet.state.room import read_room

    return (await read_room(room)).meeting_id


async def sweep_once(now: float | None = None) -> list[str]:
    """Sweep every room with an open meeting; end meetings nobody runs.

    Args:
        now: The current time (default: the clock).

    Returns:
        The meetings ended in the records by this pass because their room no
        longer runs them (meetings ended by a roster sweep are recorded by the
        roster itself).
    """
    now = time.time() if now is None else now
    ended: list[str] = []
    for meeting_id, room in await service.open_meetings():
        try:
            seen = await presence.last_seen(room)
            await membership.sweep_room(room, now, seen)
            await drop_ai_if_gone(room)
            if await _current_meeting(room) != meeting_id:
                await service.end_meeting(meeting_id, now)
                ended.append(meeting_id)
                logger.warning(
                    "room %s: meeting %s was left open; ended it", room, meeting_id
                )
        except Exception:  # one bad room must not stop the others
            logger.exception("room %s: sweep failed", room)
    return ended


async def run() -> None:
    """Sweep forever (a lifespan task of the app)."""
    while True:
        await asyncio.sleep(SWEEP_INTERVAL)
        await sweep_once()
