"""A pure sliding-window rate limiter for chat messages (no I/O, own clock).

One instance per process: with several workers each keeps its own windows,
so a sender spread over workers could send up to ``workers × limit``.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from core.problems import Problem

__all__ = ["CHAT_LIMIT", "CHAT_WINDOW", "ChatRateLimiter"]

CHAT_LIMIT = 5
CHAT_WINDOW = 2.0
# Forget idle senders once this many are tracked (bounds memory).
_SWEEP_AT = 1024


class ChatRateLimiter:
    """Allow at most ``limit`` messages per sender in any ``window`` seconds.

    Example:
        ``limiter = ChatRateLimiter()``; ``problem = limiter.check(sender_id)``
        before storing a message (None means it may be sent).
    """

    def __init__(
        self,
        limit: int = CHAT_LIMIT,
        window: float = CHAT_WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Set up an empty limiter.

        Args:
            limit: Messages allowed per window (at least 1).
            window: Window length in seconds (positive).
            clock: Returns the current time in seconds (injectable for tests).

        Raises:
            ValueError: If ``limit`` or ``window`` is not positive.
        """
        if limit < 1 or window <= 0:
            msg = "limit must be >= 1 and window > 0"
            raise ValueError(msg)
        self.limit = limit
        self.window = window
        self._clock = clock
        self._sent: dict[str, deque[float]] = {}

    def _recent(self, sender_id: str, now: float) -> deque[float]:
        times = self._sent.get(sender_id)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._sent[sender_id]
        return times

    def _sweep(self, now: float) -> None:
        for sender_id in list(self._sent):
            self._recent(sender_id, now)

    def allow(self, sender_id: str) -> bool:
        """Record a message if the sender is within the limit.

        Args:
            sender_id: Who sends.

        Returns:
            True (and the message counts) if allowed, False if refused
            (refused attempts do not count).
        """
        now = self._clock()
        times = self._recent(sender_id, now)
        if len(times) >= self.limit:
            return False
        if len(self._sent) >= _SWEEP_AT:
            self._sweep(now)
        times.append(now)
        self._sent[sender_id] = times
        return True

    def retry_after(self, sender_id: str) -> float:
        """Seconds until the sender may send again (0 when they may now).

        Args:
            sender_id: Who sends.

        Returns:
            The wait in seconds.
        """
        now = self._clock()
        times = self._recent(sender_id, now)
        if len(times) < self.limit:
            return 0.0
        return max(0.0, times[0] + self.window - now)

    def check(self, sender_id: str) -> Problem | None:
        """Like :meth:`allow`, returning a Problem when refused.

        Args:
            sender_id: Who sends.

        Returns:
            None when allowed (and counted), else ``chat_rate_limited``.
        """
        if self.allow(sender_id):
            return None
        wait = self.retry_after(sender_id)
        return Problem(
            "chat_rate_limited",
            f"You are sending messages too fast; try again in {wait:.1f} s.",
        )

    def forget(self, sender_id: str) -> None:
        """Drop a sender's history (e.g. when they leave).

        Args:
            sender_id: Who to forget.
        """
        self._sent.pop(sender_id, None)
