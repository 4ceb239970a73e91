"""One asyncio lock per key, dropped as soon as nobody holds or awaits it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

__all__ = ["KeyedLocks"]


class _Entry:
    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class KeyedLocks:
    """Serialise work per key (e.g. per Calls session) without growing forever.

    A key's lock exists only while some task holds it or waits for it, so the
    number of entries is bounded by the number of calls in flight. Not
    re-entrant: a task must not hold a key while asking for it again.
    """

    def __init__(self) -> None:
        """Start with no locks."""
        self._entries: dict[str, _Entry] = {}

    def __len__(self) -> int:
        """How many keys are held or awaited right now."""
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        """Whether ``key`` is held or awaited right now."""
        return key in self._entries

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        """Hold ``key``'s lock for the ``async with`` body.

        Args:
            key: What to serialise on.

        Yields:
            Nothing; the lock is held until the block exits (also on error or
            cancellation, including cancellation while waiting).
        """
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry()
        entry.users += 1
        try:
            async with entry.lock:
                yield
        finally:
            entry.users -= 1
            if entry.users == 0 and self._entries.get(key) is entry:
                del self._entries[key]
