"""A Reflex client over a plain websocket: the Socket.IO frames ``state.js`` sends.

Shared by the attack tests (``launch/raw_client.py`` adds the
meeting app's rooms and Calls proxy on top) and the load driver
(``bench/load.py``), so the simulated participants speak exactly the
protocol Chromium speaks (captured from Chromium: see
``test_raw_client_speaks_like_the_browser``):

* the socket connects to ``/_event/?token=…&EIO=4&transport=websocket`` with
  the Reflex version as subprotocol, and its Socket.IO CONNECT packet carries
  the page's ``hydrate_and_load`` event (client storage values go in
  ``payload.vars``), which also runs the page's on_load handlers;
* every event is ``42/_event,["event", {"name", "payload", "router_data"}]``
  where ``name`` is the state's full name plus the handler's;
* a client-side navigation is ``update_vars_internal`` then
  ``on_load_internal`` with the new page's router data.

What comes back is recorded: every update (arrival time, size of its frame,
the states its delta touches, and unless told otherwise the delta and
events), the state merged from the deltas, scripts the server asks to run,
redirects. :class:`ReflexSocket` is synchronous: it runs its own asyncio loop
on a private thread, so it works beside Playwright's sync API (which owns the
main thread's loop) and in plain tests alike. Times are ``time.monotonic()``
taken on that thread as frames are written and read.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from reflex.state import State

REFLEX_VERSION = "0.10.1"
NAMESPACE = "/_event"
FIELD = "_rx_state_"  # suffix Reflex gives every var name on the wire
ROOT = State.get_full_name()
HYDRATE = f"{ROOT}.hydrate_and_load"
UPDATE_VARS = f"{State.get_class_substate('reflex___state____update_vars_internal_state').get_full_name()}.update_vars_internal"
ON_LOAD = f"{State.get_class_substate('reflex___state____on_load_internal_state').get_full_name()}.on_load_internal"

_EVENT_PREFIX = "42" + NAMESPACE + ","


def client_token() -> str:
    """A fresh client token shaped like the ones Reflex's frontend makes."""
    return str(uuid.uuid4())


class ConnectRefused(Exception):  # noqa: N818 (what the server said)
    """The server refused the Socket.IO connection (CONNECT_ERROR)."""


class LoopThread:
    """One asyncio loop on a daemon thread, shared by every socket client."""

    _instance: LoopThread | None = None
    _lock = threading.Lock()

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_forever, name="reflex-socket-loop", daemon=True
        )
        self.thread.start()

    @classmethod
    def get(cls) -> LoopThread:
        """The shared loop thread (started on first use)."""
        with cls._lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float = 60) -> Any:
        """Run a coroutine on the loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)


def run_async(coro: Coroutine[Any, Any, Any], timeout: float = 120) -> Any:
    """Run a coroutine on the clients' loop (e.g. a burst of requests)."""
    return LoopThread.get().run(coro, timeout)


@dataclass
class Update:
    """One update the server pushed to this client.

    Attributes:
        at: Arrival time (``time.monotonic()``, read as the frame came in).
        delta: Changed vars by state full name (empty when not kept).
        events: Events the server asked the page to run (empty when not kept).
        size: Bytes of the whole Socket.IO frame (UTF-8).
        states: Full names of the states the delta touches.
    """

    at: float
    delta: dict[str, dict[str, Any]]
    events: list[dict[str, Any]]
    size: int = 0
    states: frozenset[str] = frozenset()


@dataclass
class ReflexSocket:
    """A Reflex websocket client speaking the browser's frames (module docstring).

    Attributes:
        base_url: The app's URL (``http://127.0.0.1:port``).
        token: The client token it connects with (any string).
        path: The page it is on (router data of every event).
        keep_deltas: Keep each update's delta and events in :attr:`updates`
            (the merged :attr:`state` is kept either way); a load driver with
            many clients keeps only times, sizes and touched states.
        updates: Every update received, in order.
        state: The state merged from all deltas, by state full name.
        redirects: Paths of ``_redirect`` events received.
        scripts: JavaScript of ``_call_script`` events received.
        frames_sent: Every frame sent.
        sent_at: When each of :attr:`frames_sent` was written.
    """

    base_url: str
    token: str = field(default_factory=client_token)
    path: str = "/"
    keep_deltas: bool = True
    updates: list[Update] = field(default_factory=list)
    state: dict[str, dict[str, Any]] = field(default_factory=dict)
    redirects: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    frames_sent: list[str] = field(default_factory=list)
    sent_at: list[float] = field(default_factory=list)
    closed: bool = False
    close_reason: str = ""
    _ws: Any = None
    _http: Any = None
    _reader: Any = None
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _connected: Any = None
    _tasks: set = field(default_factory=set)
    _background: list = field(default_factory=list)

    # ---- hooks for apps --------------------------------------------------

    def _storage(self) -> dict[str, Any]:
        """Client storage vars the page sends (hydrate, navigation)."""
        return {}

    def _query(self, parts: list[str]) -> dict[str, Any] | None:
        """The route's query parameters for a path's segments (None: none)."""
        return None

    def _on_delta(self, delta: dict[str, dict[str, Any]]) -> None:
        """Follow a delta (after it is merged into :attr:`state`)."""

    def _on_event(self, event: dict[str, Any]) -> None:
        """Record an event the server asked the page to run."""
        payload = event.get("payload") or {}
        if event.get("name") == "_redirect":
            self.redirects.append(payload.get("path", ""))
        elif event.get("name") == "_call_script":
            self.scripts.append(payload.get("javascript_code", ""))

    # ---- connection ------------------------------------------------------

    def connect(
        self, path: str = "/", *, auth_event: Any = ..., wait_hydrated: bool = True
    ) -> ReflexSocket:
        """Open the socket and hydrate ``path`` (runs its on_load handlers).

        Args:
            path: The page to open.
            auth_event: Replaces the hydrate event of the CONNECT packet.
            wait_hydrated: Wait until the page's on_load handlers have run.

        Returns:
            This client.

        Raises:
            ConnectRefused: When the server refuses the connection.
        """
        LoopThread.get().run(self._connect(path, auth_event), timeout=30)
        if wait_hydrated:
            # Like the browser, let the page's on_load handlers finish first
            # (they are queued after the hydrate and may reset what is sent).
            self.wait_for(
                lambda: self.var(ROOT, "is_hydrated") is True or self.closed,
                what=f"{path} hydrated",
            )
        return self

    async def _connect(self, path: str, auth_event: Any) -> None:
        self.path = path
        self._http = aiohttp.ClientSession()
        ws_url = (
            self.base_url.replace("http", "ws", 1)
            + "/_event/?"
            + (
                urllib.parse.urlencode(
                    {"token": self.token, "EIO": "4", "transport": "websocket"}
                )
            )
        )
        self._ws = await self._http.ws_connect(
            ws_url, protocols=(REFLEX_VERSION,), max_msg_size=0, autoping=True
        )
        opening = await self._ws.receive_str(timeout=10)
        assert opening.startswith("0"), opening
        event = self._hydrate_event(path) if auth_event is ... else auth_event
        await self._send_raw(
            "40" + NAMESPACE + "," + json.dumps({"event": event}, allow_nan=True)
        )
        loop = asyncio.get_running_loop()
        self._connected = loop.create_future()
        self._reader = asyncio.create_task(self._read())
        outcome = await asyncio.wait_for(self._connected, 10)
        if outcome is not True:
            await self._close()
            raise ConnectRefused(outcome)

    def _router_data(self, path: str) -> dict[str, Any]:
        parts = [p for p in urllib.parse.urlsplit(path).path.split("/") if p]
        data: dict[str, Any] = {"pathname": path, "asPath": path}
        query = self._query(parts)
        if query is not None:
            data["query"] = query
        return data

    def _hydrate_event(self, path: str) -> dict[str, Any]:
        payload: dict[str, Any] = {"hashes": []}
        if self._storage():
            payload["vars"] = self._storage()
        return {
            "name": HYDRATE,
            "payload": payload,
            "router_data": self._router_data(path),
        }

    async def _send_raw(self, frame: str) -> float:
        self.frames_sent.append(frame)
        at = time.monotonic()
        self.sent_at.append(at)
        try:
            await self._ws.send_str(frame)
        except (ConnectionError, aiohttp.ClientError) as failure:
            # The server closed the socket meanwhile (``closed`` tells).
            self.close_reason = self.close_reason or repr(failure)
            self.closed = True
        return at

    async def _read(self) -> None:
        try:
            async for message in self._ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    continue
                self._on_frame(message.data, time.monotonic())
        except Exception as failure:
            self.close_reason = repr(failure)
        finally:
            self.close_reason = self.close_reason or f"close code {self._ws.close_code}"
            self.closed = True
            if self._connected is not None and not self._connected.done():
                self._connected.set_result("closed before connect")

    def _on_frame(self, frame: str, at: float) -> None:
        if frame == "2":  # Engine.IO ping
            pong = asyncio.create_task(self._ws.send_str("3"))
            self._tasks.add(pong)
            pong.add_done_callback(self._tasks.discard)
            return
        if frame.startswith("40" + NAMESPACE):
            if not self._connected.done():
                self._connected.set_result(True)
            return
        if frame.startswith("44" + NAMESPACE):
            if not self._connected.done():
                self._connected.set_result(frame[len("44" + NAMESPACE) + 1 :])
            return
        if frame.startswith("41" + NAMESPACE):
            self.closed = True
            return
        if not frame.startswith(_EVENT_PREFIX):
            return
        name, *args = json.loads(frame[len(_EVENT_PREFIX) :])
        if name != "event" or not args or not isinstance(args[0], dict):
            return
        update = args[0]
        delta = update.get("delta") or {}
        events = update.get("events") or []
        self.updates.append(
            Update(
                at,
                delta if self.keep_deltas else {},
                events if self.keep_deltas else [],
                size=len(frame.encode()),
                states=frozenset(delta),
            )
        )
        for state_name, changes in delta.items():
            self.state.setdefault(state_name, {}).update(changes)
        self._on_delta(delta)
        for event in events:
            self._on_event(event)

    def close(self) -> None:
        """Close the socket (as a crashed tab would: no leave, no beacon)."""
        with contextlib.suppress(Exception):
            LoopThread.get().run(self._close(), timeout=10)

    async def _close(self) -> None:
        for task in self._background:
            task.cancel()
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(self._reader, 5)
        if self._http is not None:
            await self._http.close()
        self.closed = True

    def start_background(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run a coroutine on the loop until this client closes (heartbeats)."""

        async def start() -> None:
            self._background.append(asyncio.create_task(coro))

        LoopThread.get().run(start())

    # ---- sending ---------------------------------------------------------

    def send_frame(self, frame: str) -> float:
        """Send one raw Socket.IO frame (anything at all).

        Returns:
            When it was written (``time.monotonic()``).
        """
        return LoopThread.get().run(self._send_raw(frame))

    def emit(
        self,
        name: str,
        payload: Any = None,
        *,
        path: str | None = None,
        router_data: Any = ...,
    ) -> float:
        """Send one event, as ``state.js`` ``applyEvent`` does.

        Args:
            name: The full event name (state path + handler), or anything.
            payload: The handler's arguments by name (any JSON, or not).
            path: The page it is sent from (default: the current one).
            router_data: Replaces the router data when given.

        Returns:
            When it was written (``time.monotonic()``).
        """
        event: dict[str, Any] = {"name": name}
        if payload is not None:
            event["payload"] = payload
        event["router_data"] = (
            self._router_data(path or self.path) if router_data is ... else router_data
        )
        text = json.dumps(["event", event], allow_nan=True)
        return self.send_frame("42" + NAMESPACE + "," + text)

    def call(self, state: type | str, handler: str, **payload: Any) -> float:
        """Send ``state.handler(**payload)`` (``state`` a class or full name).

        Returns:
            When it was written (``time.monotonic()``).
        """
        base = state if isinstance(state, str) else state.get_full_name()
        return self.emit(f"{base}.{handler}", payload or None)

    def navigate(self, path: str) -> float:
        """Navigate client-side to ``path`` (runs that page's on_load).

        Returns:
            When the navigation's first event was written.
        """
        self.path = path
        at = self.emit(UPDATE_VARS, {"vars": self._storage()})
        self.emit(ON_LOAD)
        return at

    # ---- reading ---------------------------------------------------------

    def var(self, state: type | str, name: str, default: Any = None) -> Any:
        """The latest value of a var of this client's state tree."""
        base = state if isinstance(state, str) else state.get_full_name()
        return self.state.get(base, {}).get(name + FIELD, default)

    def mark(self) -> int:
        """A position in the update log (see :meth:`updates_since`)."""
        return len(self.updates)

    def updates_since(self, mark: int) -> list[Update]:
        """Updates received after ``mark``."""
        return self.updates[mark:]

    def updates_after(self, at: float) -> list[Update]:
        """Updates that arrived after the monotonic time ``at``."""
        found = []
        for update in reversed(self.updates):
            if update.at <= at:
                break
            found.append(update)
        found.reverse()
        return found

    def last_arrival(self) -> float:
        """When the latest update arrived (0 when none has)."""
        return self.updates[-1].at if self.updates else 0.0

    def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 15, what: str = ""
    ) -> Any:
        """Wait until ``predicate()`` is truthy; return its value."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.02)
        raise AssertionError(f"timed out waiting for {what or predicate}")

    def quiet(self, seconds: float = 1.0) -> None:
        """Let pending updates arrive."""
        time.sleep(seconds)
