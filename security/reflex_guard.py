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
* ``on_event``: an event is dropped (and logged, a few times per socket)
  unless it names a registered handler of the app's states with a payload
  that fits the handler's parameters (no unknown, no missing arguments), and
  holds no lone UTF-16 surrogate anywhere (JSON may escape one, e.g. U+D800;
  UTF-8 cannot encode it). Reflex would otherwise log a traceback for every
  malformed event (a cheap way to flood the log), and it would store a
  surrogate in a state and then fail to encode the next update, closing the
  socket of every tab that receives it, silently;
* and a Calls request over its tab's rate limits is answered at once and
  dropped (:mod:`security.calls_throttle`), so it costs the room nothing.

* ``socketio.AsyncServer._handle_eio_message`` (the Socket.IO server Reflex
  runs): a malformed Socket.IO packet (bad JSON, an unknown packet type, an
  event without a name) is dropped with one log line instead of a traceback.

These are the only internals touched here;
``tests/unit/test_reflex_internals.py`` fails loudly if an upgrade changes
them.
"""

from __future__ import annotations

import functools
import inspect
import logging
import types
import typing
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import Any

import socketio
from reflex.app import EventNamespace
from reflex.state import BaseState
from socketio.exceptions import ConnectionRefusedError as SocketRefusedError

from reflex_meet.core.text import find_lone_surrogate
from reflex_meet.security import calls_throttle
from reflex_meet.security.tokens import is_client_token

__all__ = [
    "client_token_of",
    "event_problem",
    "guarded",
    "guarded_events",
    "guarded_packets",
    "install",
    "installed",
]

logger = logging.getLogger("meet.security")

_MARK = "_meet_guarded"
# Longest event name accepted (a state path and a handler name).
_MAX_NAME = 512
# Sockets whose refusals are counted before the counts are reset.
_MAX_TRACKED = 10_000


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


# How many refusals are logged per socket before it goes quiet.
_LOGGED_PER_SOCKET = 5
_refusals: dict[str, int] = {}


def event_problem(root_state: type[BaseState], data: object) -> str | None:
    """Why a raw websocket event cannot be handled (None when it can).

    Args:
        root_state: The app's root state class.
        data: The event as received (parsed JSON).

    Returns:
        A short reason, or None for a well-formed event.
    """
    if not isinstance(data, dict):
        return "the event is not an object"
    name, payload = data.get("name"), data.get("payload", {})
    if not isinstance(name, str) or not 0 < len(name) <= _MAX_NAME:
        return "the event has no valid name"
    if not isinstance(payload, dict):
        return "the payload is not an object"
    router_data = data.get("router_data", {})
    if not isinstance(router_data, dict):
        return "router_data is not an object"
    if not isinstance(router_data.get("query", {}), dict):
        return "router_data.query is not an object"
    where = find_lone_surrogate(data, "event")
    if where is not None:
        return f"a lone surrogate at {where}"
    path, _, handler_name = name.rpartition(".")
    try:
        state = root_state.get_class_substate(path)
    except ValueError:
        return "no such state"
    handler = state.event_handlers.get(handler_name)
    if handler is None:
        return "no such handler"
    parameters = list(inspect.signature(handler.fn).parameters.values())[1:]
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return None
    names = {p.name for p in parameters}
    if set(payload) - names:
        return "unknown arguments"
    required = {
        p.name
        for p in parameters
        if p.default is inspect.Parameter.empty
        and p.kind is not inspect.Parameter.VAR_POSITIONAL
    }
    if required - set(payload):
        return "missing arguments"
    return _argument_problem(root_state, state, handler_name, handler.fn, payload)


# Types whose values Reflex hands to a handler unconverted: an argument of
# another JSON type would raise inside the handler (or inside Reflex).
_CHECKED_TYPES = (str, bool, dict, list)


def _argument_problem(
    root_state: type[BaseState],
    state: type[BaseState],
    handler_name: str,
    fn: Callable[..., Any],
    payload: dict[str, Any],
) -> str | None:
    """Type checks of arguments Reflex would pass on unchecked."""
    try:
        hints = typing.get_type_hints(fn)
    except Exception:  # unresolvable annotations: nothing to check against
        hints = {}
    for name, value in payload.items():
        kinds = _plain_kinds(hints.get(name))
        if kinds and not isinstance(value, kinds):
            return f"argument {name} has the wrong type"
    if handler_name == "setvar":
        var_name = payload.get("var_name")
        if not isinstance(var_name, str) or not callable(
            getattr(state, f"set_{var_name}", None)
        ):
            return "setvar names no setter"
    storage = payload.get("vars")
    if handler_name in _STORAGE_HANDLERS and isinstance(storage, dict):
        for key in storage:
            path, _, _name = (
                key.rpartition(".") if isinstance(key, str) else ("", "", "")
            )
            try:
                root_state.get_class_substate(path)
            except ValueError:
                return "vars names no state"
    return None


def _plain_kinds(annotation: object) -> tuple[type, ...]:
    """The runtime types an argument must have, when they are plain ones.

    ``str``, ``bool``, ``dict[...]``, ``list[...]`` and unions of them with
    ``None`` give those types; anything else (``object``, ``Any``, other
    types Reflex converts itself) gives ``()``: not checked here.
    """
    if annotation is None:
        return ()
    options = (
        typing.get_args(annotation)
        if typing.get_origin(annotation)
        in (
            typing.Union,
            types.UnionType,
        )
        else (annotation,)
    )
    kinds = tuple(typing.get_origin(t) or t for t in options)
    plain = all(k in _CHECKED_TYPES or k is type(None) for k in kinds)
    return kinds if plain else ()


# Reflex handlers that write client-storage values by ``"<state path>.<var>"``.
_STORAGE_HANDLERS = frozenset({"hydrate_and_load", "update_vars_internal"})


def guarded_events(
    on_event: Callable[..., Awaitable[Any]],
) -> Callable[..., Awaitable[Any]]:
    """Wrap an ``on_event`` so it drops events Reflex cannot handle cleanly.

    Args:
        on_event: ``EventNamespace.on_event`` (``self, sid, data``).

    Returns:
        The wrapper: drops (and logs, a few times per socket) malformed
        events; passes the others on.
    """

    @functools.wraps(on_event)
    async def checked(self: EventNamespace, sid: str, data: Any) -> Any:
        root = getattr(getattr(self, "app", None), "_state", None)
        problem = (
            event_problem(root, data)
            if root is not None
            else ("a lone surrogate" if find_lone_surrogate(data) else None)
        )
        if problem is not None:
            name = data.get("name") if isinstance(data, dict) else None
            _log_refusal(sid, problem, name)
            return None
        if await calls_throttle.refused(self, sid, data):
            return None  # over the tab's Calls limits: answered, not processed
        return await on_event(self, sid, data)

    setattr(checked, _MARK, True)
    return checked


# What python-socketio raises while decoding and dispatching a bad packet.
_PACKET_FAULTS = (ValueError, KeyError, IndexError, TypeError)


def guarded_packets(
    handle: Callable[..., Awaitable[Any]],
) -> Callable[..., Awaitable[Any]]:
    """Wrap ``AsyncServer._handle_eio_message`` to drop malformed packets.

    Args:
        handle: The original method (``self, eio_sid, data``).

    Returns:
        The wrapper: a packet that cannot be decoded or dispatched is logged
        in one line (a few times per connection) and dropped.
    """

    @functools.wraps(handle)
    async def checked(self: Any, eio_sid: str, data: Any) -> Any:
        try:
            return await handle(self, eio_sid, data)
        except _PACKET_FAULTS as fault:
            _log_refusal(eio_sid, f"a malformed Socket.IO packet ({fault!r:.80})", None)
            return None

    setattr(checked, _MARK, True)
    return checked


def _log_refusal(sid: str, problem: str, name: object) -> None:
    count = _refusals.get(sid, 0) + 1
    if len(_refusals) > _MAX_TRACKED:
        _refusals.clear()
    _refusals[sid] = count
    if count <= _LOGGED_PER_SOCKET:
        logger.warning(
            "dropped an event from %s: %s (%s)%s",
            sid,
            problem,
            repr(name)[:120],
            " (further ones not logged)" if count == _LOGGED_PER_SOCKET else "",
        )


def install(sio: socketio.AsyncServer | None = None) -> None:
    """Wrap the connection, event and packet handlers (idempotent).

    Args:
        sio: The app's Socket.IO server if it exists already (``app.sio``,
            made when the ``rx.App`` is): it registered its packet handler
            with engine.io when it was made, so that one is registered again.
    """
    if not installed():
        EventNamespace.on_connect = guarded(EventNamespace.on_connect)  # type: ignore[method-assign]
    if not getattr(EventNamespace.on_event, _MARK, False):
        EventNamespace.on_event = guarded_events(EventNamespace.on_event)  # type: ignore[method-assign]
    server = socketio.AsyncServer
    if not getattr(server._handle_eio_message, _MARK, False):
        server._handle_eio_message = guarded_packets(server._handle_eio_message)  # type: ignore[method-assign]
    if sio is not None:
        sio.eio.on("message", sio._handle_eio_message)
