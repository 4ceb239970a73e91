"""The registry of sessions: lookup (404/410), periodic expiry, shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable

from reflex_meet.sfu import errors
from reflex_meet.sfu.config import SfuConfig
from reflex_meet.sfu.sessions import Session

logger = logging.getLogger(__name__)

MAX_TOMBSTONES = 10_000
"""How many ids of closed sessions are remembered (for 410 rather than 404)."""


class SessionRegistry:
    """All sessions of the stand-in, with the ids of closed ones (for 410).

    Args:
        config: The stand-in's settings.
        clock: Monotonic clock.
    """

    def __init__(
        self, config: SfuConfig, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.config = config
        self._clock = clock
        self.sessions: dict[str, Session] = {}
        self._closed: OrderedDict[str, None] = OrderedDict()
        self._janitor: asyncio.Task | None = None

    def create(self, third_party: bool = False) -> Session:
        """Creates a new session with a fresh id.

        Args:
            third_party: For a server-side third-party peer
                (``sessions/new?thirdparty=true``).
        """
        session_id = secrets.token_hex(16)
        session = Session(
            session_id, self.config, self.lookup, self._clock, third_party=third_party
        )
        self.sessions[session_id] = session
        return session

    def lookup(self, session_id: str) -> Session | None:
        """Returns the open session with this id, or ``None``."""
        session = self.sessions.get(session_id)
        if session is None or session.closed or session.peer.ended.is_set():
            return None
        return session

    def get(self, session_id: str) -> Session:
        """Returns the open session with this id.

        Raises:
            ApiError: 410 for a closed or expired session, 404 for an unknown id.
        """
        session = self.sessions.get(session_id)
        if session is not None:
            session.check_open()
            return session
        if session_id in self._closed:
            raise errors.session_gone(session_id)
        raise errors.not_found(f"session {session_id} does not exist")

    async def close_session(self, session: Session, reason: str) -> None:
        """Closes a session and remembers its id for 410 answers."""
        await session.close(reason)
        self.sessions.pop(session.id, None)
        self._closed[session.id] = None
        while len(self._closed) > MAX_TOMBSTONES:
            self._closed.popitem(last=False)

    async def sweep(self) -> None:
        """Closes ended or idle sessions and cleans up tracks without media."""
        for session in list(self.sessions.values()):
            if session.closed or session.peer.ended.is_set():
                await self.close_session(
                    session, f"PeerConnection {session.peer.state}"
                )
            elif session.idle_for() > self.config.session_timeout:
                await self.close_session(
                    session,
                    f"no connected PeerConnection for {session.idle_for():.1f} s",
                )
            elif not session.busy:  # never under a running negotiation
                await session.expire_idle_tracks()

    def start(self) -> None:
        """Starts the periodic sweep."""
        if self._janitor is None:
            self._janitor = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        interval = max(
            0.1,
            min(1.0, self.config.track_timeout / 5, self.config.session_timeout / 5),
        )
        while True:
            await asyncio.sleep(interval)
            try:
                await self.sweep()
            except Exception:
                logger.exception("session sweep failed")

    async def close_all(self) -> None:
        """Stops the sweep and closes every session (shutdown)."""
        if self._janitor is not None:
            self._janitor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._janitor
            self._janitor = None
        for session in list(self.sessions.values()):
            with contextlib.suppress(Exception):
                await self.close_session(session, "shutdown")
