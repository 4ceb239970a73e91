"""Refuse websocket connections and events that Reflex would mishandle.

Reflex 0.10.1 accepts whatever token a browser sends when its socket connects
(``EventNamespace.on_connect`` reads it from the ``token`` query parameter)
and makes that socket the owner of the state stored under it. Shared states
live under tokens of their own (``room-…``), so without this guard a socket
could connect *as a room* and read or change it.

:func:`install` wraps two methods of Reflex's ``EventNamespace`` once, at
start-up:

* ``on_connect``: a connection whose token is not a version-4 UUID (what
  Reflex's frontend and its duplicate-tab handling make) is refused with
  ``ConnectionRefusedError`` before Reflex links it;
* ``on_event``: an event whose data holds a lone UTF-16 surrogate anywhere
  (JSON may escape one, e.g. U+D800; UTF-8 cannot encode it) is dropped and
  logged.
  Reflex would otherwise store it in a state and then fail to encode the
  next update, closing the socket of every tab that receives it, silently.

These are the only Reflex internals touched here;
``tests/unit/test_reflex_internals.py`` fails loudly if an upgrade changes
them.
"""

from __future__ import annotations

import functools
import logging
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import Any

from reflex.app import EventNamespace
from socketio.exceptions import ConnectionRefusedError as SocketRefusedError

from core.text import find_lone_surrogate
from security.tokens import is_client_token

__all__ = [
    "client_token_of",
    "guarded",
    "guarded_events",
    "install",
    "installed",
]

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


def guarded_events(
    on_event: Callable[..., Awaitable[Any]],
) -> Callable[..., Awaitable[Any]]:
    """Wrap an ``on_event`` so it drops events holding a lone surrogate.

    Args:
        on_event: ``EventNamespace.on_event`` (``self, sid, data``).

    Returns:
        The wrapper: logs and drops such an event; passes the others on.
    """

    @functools.wraps(on_event)
    async def checked(self: EventNamespace, sid: str, data: Any) -> Any:
        where = find_lone_surrogate(data, "event")
        if where is not None:
            name = data.get("name") if isinstance(data, dict) else None
            logger.warning(
                "dropped an event with a lone surrogate at %s (%s) from %s",
                where,
                repr(name)[:120],
                sid,
            )
            return None
        return await on_event(self, sid, data)

    setattr(checked, _MARK, True)
    return checked


def install() -> None:
    """Wrap ``on_connect`` and ``on_event`` with the checks (idempotent)."""
    if not installed():
        EventNamespace.on_connect = guarded(EventNamespace.on_connect)  # type: ignore[method-assign]
    if not getattr(EventNamespace.on_event, _MARK, False):
        EventNamespace.on_event = guarded_events(EventNamespace.on_event)  # type: ignore[method-assign]
