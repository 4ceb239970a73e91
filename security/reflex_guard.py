"""Refuse websocket connections whose client token Reflex would not issue.

Reflex 0.10.1 accepts whatever token a browser sends when its socket connects
(``EventNamespace.on_connect`` reads it from the ``token`` query parameter)
and makes that socket the owner of the state stored under it. Shared states
live under tokens of their own (``room-…``), so without this guard a socket
could connect *as a room* and read or change it.

:func:`install` wraps ``EventNamespace.on_connect`` once, at start-up: a
connection whose token is not a version-4 UUID (what Reflex's frontend and
its duplicate-tab handling make) is refused with ``ConnectionRefusedError``
before Reflex links it. This is the only Reflex internal touched here;
``tests/unit/test_reflex_internals.py`` fails loudly if an upgrade changes it.
"""

from __future__ import annotations

import functools
import logging
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import Any

from reflex.app import EventNamespace
from socketio.exceptions import ConnectionRefusedError as SocketRefusedError

from security.tokens import is_client_token

__all__ = ["client_token_of", "guarded", "install", "installed"]

logger = logging.getLogger("meet.security")

_MARK = "_meet_guarded"


def client_token_of(environ: dict[str, Any]) -> str | None:
    """The client token a connecting socket asks for (Reflex's way of reading it).

    Args:
        environ: The connection's WSGI-style environ.

    Returns:
        The first ``token`` query parameter, or None when there is none.
    """
    query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
    tokens = query.get("token", [])
    return tokens[0] if tokens else None


def installed() -> bool:
    """Whether the guard is in place.

    Returns:
        True once :func:`install` has run in this process.
    """
    return bool(getattr(EventNamespace.on_connect, _MARK, False))


def guarded(on_connect: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """Wrap an ``on_connect`` so it refuses sockets with a non-client token.

    Args:
        on_connect: ``EventNamespace.on_connect`` (``self, sid, environ, auth``).

    Returns:
        The wrapper: raises ``socketio.exceptions.ConnectionRefusedError``
        (the client sees a refused connection) before calling the original.
    """

    @functools.wraps(on_connect)
    async def checked(
        self: EventNamespace, sid: str, environ: dict, auth: Any = None
    ) -> Any:
        token = client_token_of(environ)
        if not is_client_token(token):
            logger.warning(
                "refused a websocket connection with token %s", repr(token)[:80]
            )
            raise SocketRefusedError("invalid_token")
        return await on_connect(self, sid, environ, auth)

    setattr(checked, _MARK, True)
    return checked


def install() -> None:
    """Wrap ``EventNamespace.on_connect`` with the token check (idempotent)."""
    if not installed():
        EventNamespace.on_connect = guarded(EventNamespace.on_connect)  # type: ignore[method-assign]
