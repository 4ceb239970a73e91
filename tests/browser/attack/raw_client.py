"""An attacker's Reflex client: raw Socket.IO frames over a plain websocket.

It speaks exactly what the browser's ``state.js`` sends (captured from
Chromium: see ``test_raw_client_speaks_like_the_browser``), but with any
token, any event name and any payload:

* the socket connects to ``/_event/?token=…&EIO=4&transport=websocket`` with
  the Reflex version as subprotocol, and its Socket.IO CONNECT packet carries
  the page's ``hydrate_and_load`` event (client storage values such as the
  display name go in ``payload.vars``), which also runs the page's on_load
  handlers;
* every event is ``42/_event,["event", {"name", "payload", "router_data"}]``
  where ``name`` is the state's full name plus the handler's;
* a client-side navigation is ``update_vars_internal`` then
  ``on_load_internal`` with the new page's router data.

What comes back is recorded: every update (``delta``, ``events``), the state
merged from the deltas, scripts the server asks to run (the Calls proxy's
answers), redirects. :class:`RawClient` is synchronous: it runs its own
asyncio loop on a private thread, so it works beside Playwright's sync API
(which owns the main thread's loop) and in plain tests alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import re
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import httpx
from reflex.state import State

from state.chat import ChatState
from state.media import MediaState
from state.profile import ProfileState
from state.room import RoomState
from state.roster_feed import RosterFeed
from state.session import SessionState

REFLEX_VERSION = "0.10.1"
NAMESPACE = "/_event"
FIELD = "_rx_state_"  # suffix Reflex gives every var name on the wire
ROOT = State.get_full_name()

# Full names of the states the attacks use.
ROOM = RoomState.get_full_name()
SESSION = SessionState.get_full_name()
PROFILE = ProfileState.get_full_name()
CHAT = ChatState.get_full_name()
MEDIA = MediaState.get_full_name()
FEED = RosterFeed.get_full_name()
HYDRATE = f"{ROOT}.hydrate_and_load"
UPDATE_VARS = f"{State.get_class_substate('reflex___state____update_vars_internal_state').get_full_name()}.update_vars_internal"
ON_LOAD = f"{State.get_class_substate('reflex___state____on_load_internal_state').get_full_name()}.on_load_internal"
DISPLAY_NAME_VAR = f"{PROFILE}.display_name{FIELD}"

_RESOLVE = re.compile(
    r"^window\.meetMedia && window\.meetMedia\.resolve\((\"[^\"]*\"), (.*)\)$", re.S
)


def client_token() -> str:
    """A fresh client token shaped like the ones Reflex's frontend makes."""
    return str(uuid.uuid4())


class ConnectRefused(Exception):  # noqa: N818 (what the server said)
    """The server refused the Socket.IO connection (CONNECT_ERROR)."""


class _LoopThread:
    """One asyncio loop on a daemon thread, shared by every raw client."""

    _instance: _LoopThread | None = None
    _lock = threading.Lock()

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_forever, name="raw-client-loop", daemon=True
        )
        self.thread.start()

    @classmethod
    def get(cls) -> _LoopThread:
        with cls._lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float = 60) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)


def run_async(coro: Coroutine[Any, Any, Any], timeout: float = 120) -> Any:
    """Run a coroutine on the raw clients' loop (e.g. a burst of requests)."""
    return _LoopThread.get().run(coro, timeout)


@dataclass
class Update:
    """One update the server pushed to this client."""

    at: float
    delta: dict[str, dict[str, Any]]
    events: list[dict[str, Any]]


class RosterCopy:
    """The roster as the browser's store keeps it (``assets/meet/roster_logic.js``).

    The server sends a tab a snapshot (``RosterFeed.snapshot``), then numbered
    changes (``RoomState.roster_log``), and a lobby visitor's own entry alone
    (``RosterFeed.own``).
    """

    def __init__(self) -> None:
        self.entries: dict[str, dict[str, Any]] = {}
        self.seq = -1
        self.own: dict[str, Any] = {}
        self.gaps = 0

    def apply_snapshot(self, snapshot: Any) -> None:
        """Replace everything with a snapshot newer than what is held."""
        if not isinstance(snapshot, dict) or not isinstance(snapshot.get("seq"), int):
            return
        if snapshot["seq"] < self.seq:
            return
        self.entries = {u["id"]: u for u in snapshot.get("users") or []}
        self.seq = snapshot["seq"]
        if snapshot.get("own"):
            self.own = snapshot["own"]

    def apply_log(self, log: Any) -> bool:
        """Apply the changes not seen yet; False when one is missing."""
        if not isinstance(log, list) or not log:
            return True
        if self.seq < 0:
            return False
        for change in sorted(log, key=lambda c: c.get("seq", 0)):
            seq = change.get("seq", 0)
            if seq <= self.seq:
                continue
            if seq != self.seq + 1:
                self.gaps += 1
                return False
            uid = change.get("id")
            if change.get("del"):
                self.entries.pop(uid, None)
            elif change.get("put"):
                self.entries[uid] = change["put"]
            elif change.get("set") and uid in self.entries:
                entry = {**self.entries[uid], **change["set"]}
                if "tracks" in change["set"]:
                    entry["tracks"] = {
                        **self.entries[uid].get("tracks", {}),
                        **change["set"]["tracks"],
                    }
                self.entries[uid] = entry
            self.seq = seq
        return True

    def users(self) -> list[dict[str, Any]]:
        """The members, plus this tab's own entry while in the lobby."""
        users = list(self.entries.values())
        if self.own and self.own.get("id") not in self.entries:
            users.append(self.own)
        return users


@dataclass
class RawClient:
    """A raw Reflex websocket client (see the module docstring).

    Attributes:
        base_url: The app's URL (``http://127.0.0.1:port``).
        token: The client token it connects with (any string).
        display_name: Sent as the browser's stored display name, if set.
    """

    base_url: str
    token: str = field(default_factory=client_token)
    display_name: Any = None
    path: str = "/"
    updates: list[Update] = field(default_factory=list)
    state: dict[str, dict[str, Any]] = field(default_factory=dict)
    roster: RosterCopy = field(default_factory=RosterCopy)
    replies: dict[str, dict[str, Any]] = field(default_factory=dict)
    redirects: list[str] = field(default_factory=list)
    frames_sent: list[str] = field(default_factory=list)
    closed: bool = False
    close_reason: str = ""
    _ws: Any = None
    _http: Any = None
    _reader: Any = None
    _heartbeat: Any = None
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _connected: Any = None
    _tasks: set = field(default_factory=set)

    # ---- connection ------------------------------------------------------

    def connect(
        self, path: str = "/", *, auth_event: Any = ..., wait_hydrated: bool = True
    ) -> RawClient:
        """Open the socket and hydrate ``path`` (runs its on_load handlers).

        Args:
            path: The page, e.g. ``/<room>`` (lobby) or ``/<room>/room``.
            auth_event: Replaces the hydrate event of the CONNECT packet.
            wait_hydrated: Wait until the page's on_load handlers have run.

        Returns:
            This client.

        Raises:
            ConnectRefused: When the server refuses the connection.
        """
        _LoopThread.get().run(self._connect(path, auth_event), timeout=30)
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
        if parts:
            data["query"] = {"room": parts[0]}
        return data

    def _storage(self) -> dict[str, Any]:
        if self.display_name is None:
            return {}
        return {DISPLAY_NAME_VAR: self.display_name}

    def _hydrate_event(self, path: str) -> dict[str, Any]:
        payload: dict[str, Any] = {"hashes": []}
        if self._storage():
            payload["vars"] = self._storage()
        return {
            "name": HYDRATE,
            "payload": payload,
            "router_data": self._router_data(path),
        }

    async def _send_raw(self, frame: str) -> None:
        self.frames_sent.append(frame)
        try:
            await self._ws.send_str(frame)
        except (ConnectionError, aiohttp.ClientError) as failure:
            # The server closed the socket meanwhile (``closed`` tells).
            self.close_reason = self.close_reason or repr(failure)
            self.closed = True

    async def _read(self) -> None:
        try:
            async for message in self._ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    continue
                self._on_frame(message.data)
        except Exception as failure:
            self.close_reason = repr(failure)
        finally:
            self.close_reason = self.close_reason or f"close code {self._ws.close_code}"
            self.closed = True
            if self._connected is not None and not self._connected.done():
                self._connected.set_result("closed before connect")

    def _on_frame(self, frame: str) -> None:
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
        if not frame.startswith("42" + NAMESPACE + ","):
            return
        name, *args = json.loads(frame[len("42" + NAMESPACE) + 1 :])
        if name != "event" or not args or not isinstance(args[0], dict):
            return
        update = args[0]
        delta = update.get("delta") or {}
        events = update.get("events") or []
        self.updates.append(Update(time.monotonic(), delta, events))
        for state_name, changes in delta.items():
            self.state.setdefault(state_name, {}).update(changes)
        self._follow_roster(delta)
        for event in events:
            self._on_event(event)

    def _follow_roster(self, delta: dict[str, Any]) -> None:
        feed = delta.get(FEED, {})
        if "snapshot" + FIELD in feed:
            self.roster.apply_snapshot(feed["snapshot" + FIELD])
        if feed.get("own" + FIELD):
            self.roster.own = feed["own" + FIELD]
        log = delta.get(ROOM, {}).get("roster_log" + FIELD)
        if log is not None and not self.roster.apply_log(log):
            # As the browser does: ask for a snapshot.
            text = json.dumps(
                [
                    "event",
                    {
                        "name": f"{FEED}.resync",
                        "router_data": self._router_data(self.path),
                    },
                ]
            )
            task = asyncio.create_task(self._send_raw("42" + NAMESPACE + "," + text))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _on_event(self, event: dict[str, Any]) -> None:
        payload = event.get("payload") or {}
        if event.get("name") == "_redirect":
            self.redirects.append(payload.get("path", ""))
        elif event.get("name") == "_call_script":
            match = _RESOLVE.match(payload.get("javascript_code", ""))
            if match:
                self.replies[json.loads(match.group(1))] = json.loads(match.group(2))

    def close(self) -> None:
        """Close the socket (as a crashed tab would: no leave, no beacon)."""
        with contextlib.suppress(Exception):
            _LoopThread.get().run(self._close(), timeout=10)

    async def _close(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(self._reader, 5)
        if self._http is not None:
            await self._http.close()
        self.closed = True

    # ---- sending ---------------------------------------------------------

    def send_frame(self, frame: str) -> None:
        """Send one raw Socket.IO frame (anything at all)."""
        _LoopThread.get().run(self._send_raw(frame))

    def emit(
        self,
        name: str,
        payload: Any = None,
        *,
        path: str | None = None,
        router_data: Any = ...,
    ) -> None:
        """Send one event, as ``state.js`` ``applyEvent`` does.

        Args:
            name: The full event name (state path + handler), or anything.
            payload: The handler's arguments by name (any JSON, or not).
            path: The page it is sent from (default: the current one).
            router_data: Replaces the router data when given.
        """
        event: dict[str, Any] = {"name": name}
        if payload is not None:
            event["payload"] = payload
        event["router_data"] = (
            self._router_data(path or self.path) if router_data is ... else router_data
        )
        text = json.dumps(["event", event], allow_nan=True)
        self.send_frame("42" + NAMESPACE + "," + text)

    def call(self, state: type | str, handler: str, **payload: Any) -> None:
        """Send ``state.handler(**payload)`` (``state`` a class or full name)."""
        base = state if isinstance(state, str) else state.get_full_name()
        self.emit(f"{base}.{handler}", payload or None)

    def navigate(self, path: str) -> None:
        """Navigate client-side to ``path`` (runs that page's on_load)."""
        self.path = path
        self.emit(UPDATE_VARS, {"vars": self._storage()})
        self.emit(ON_LOAD)

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

    def room_changes_since(self, mark: int) -> list[dict[str, Any]]:
        """The room's own vars in every delta received after ``mark``."""
        return [u.delta[ROOM] for u in self.updates[mark:] if ROOM in u.delta]

    def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 15, what: str = ""
    ) -> Any:
        """Wait until ``predicate()`` is truthy; return its value."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what or predicate}")

    def sync(self, timeout: float = 60) -> None:
        """Wait until the server has processed every event this client sent.

        A tab's events are processed in order, so a marker set by one last
        event shows that all earlier ones are done.
        """
        marker = f"sync-{uuid.uuid4().hex}"
        self.call(PROFILE, "set_name_draft", value=marker)
        self.wait_for(
            lambda: self.var(PROFILE, "name_draft") == marker or self.closed,
            timeout=timeout,
            what="the server to process this client's events",
        )

    def changed_room_updates(self, mark: int) -> list[dict[str, Any]]:
        """The updates after ``mark`` that changed a value of the room.

        Reflex re-sends the room's vars to every member on any member's event
        (unchanged values); this counts only the ones that change something.
        """
        seen: dict[str, Any] = {}
        for update in self.updates[:mark]:
            seen.update(copy.deepcopy(update.delta.get(ROOM, {})))
        changed = []
        for update in self.updates[mark:]:
            delta = update.delta.get(ROOM, {})
            news = {k: v for k, v in delta.items() if seen.get(k) != v}
            if news:
                changed.append(news)
            seen.update(copy.deepcopy(delta))
        return changed

    def quiet(self, seconds: float = 1.0) -> None:
        """Let pending updates arrive."""
        time.sleep(seconds)

    # ---- the room --------------------------------------------------------

    @property
    def participant(self) -> str:
        """This tab's participant id (from its beacon body)."""
        return self.beacon().get("participant", "")

    def beacon(self) -> dict[str, Any]:
        """``{room, participant, key}``: what the page-unload beacon posts."""
        body = self.var(SESSION, "beacon_body", "")
        return json.loads(body) if body else {}

    def users(self) -> list[dict[str, Any]]:
        """The roster as this client's browser store would hold it."""
        return self.roster.users()

    def me(self) -> dict[str, Any] | None:
        """This client's own roster entry."""
        return next((u for u in self.users() if u.get("id") == self.participant), None)

    def user(self, participant: str) -> dict[str, Any] | None:
        """Somebody's roster entry as this client sees it."""
        return next((u for u in self.users() if u.get("id") == participant), None)

    def enter(self, room: str) -> RawClient:
        """Connect on the room's lobby page and wait to be in its roster."""
        self.connect(f"/{room}")
        self.wait_for(lambda: self.me(), what=f"{self.token} in the roster of {room}")
        return self

    def join(self, room: str) -> RawClient:
        """Enter the lobby, join the meeting, open the meeting page."""
        if not self.me():
            self.enter(room)
        self.call(ROOM, "join")
        self.wait_for(
            lambda: (self.me() or {}).get("joined"), what=f"{self.token} joined"
        )
        self.navigate(f"/{room}/room")
        return self

    def start_heartbeats(self, every: float = 4.0) -> None:
        """Send the tab's heartbeats (``POST /api/heartbeat``) like the bridge."""

        async def beat() -> None:
            while True:
                proof = self.beacon()
                if proof:
                    with contextlib.suppress(Exception):
                        await self._http.post(
                            self.base_url + "/api/heartbeat", json=proof
                        )
                await asyncio.sleep(every)

        async def start() -> None:
            self._heartbeat = asyncio.create_task(beat())

        _LoopThread.get().run(start())

    def calls(
        self, op: str, session_id: Any = None, body: Any = None, **extra: Any
    ) -> dict:
        """One Calls request through the proxy, as the media bridge sends it.

        Returns:
            The proxy's reply ``{status, body}`` or ``{status, error}``.
        """
        request_id = f"a{next(self._ids)}"
        request = {"id": request_id, "op": op, "sessionId": session_id, "body": body}
        request.update(extra)
        self.call(MEDIA, "calls_request", request=request)
        return self.wait_for(
            lambda: self.replies.get(request_id), timeout=20, what=f"Calls {op} reply"
        )


def http(base_url: str) -> httpx.Client:
    """A plain HTTP client for the app's routes."""
    return httpx.Client(base_url=base_url, timeout=30)
