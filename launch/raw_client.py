"""An attacker's Reflex client: raw Socket.IO frames over a plain websocket.

It speaks exactly what the browser's ``state.js`` sends (the protocol is
:mod:`launch.reflex_socket`, shared with the load driver; captured from
Chromium: see ``test_raw_client_speaks_like_the_browser``), but with any
token, any event name and any payload. This module adds the meeting app: its
states' full names, the display name the page sends from client storage, the
room (enter, join, roster), heartbeats over HTTP and the Calls proxy's
answers (``window.meetMedia.resolve`` scripts).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from launch.reflex_socket import (
    FIELD,
    HYDRATE,
    NAMESPACE,
    ON_LOAD,
    REFLEX_VERSION,
    ROOT,
    UPDATE_VARS,
    ConnectRefused,
    ReflexSocket,
    Update,
    client_token,
    run_async,
)
from reflex_meet.state.chat import ChatState
from reflex_meet.state.media import MediaState
from reflex_meet.state.profile import ProfileState
from reflex_meet.state.room import RoomState
from reflex_meet.state.roster_feed import RosterFeed
from reflex_meet.state.session import SessionState

__all__ = [
    "CHAT",
    "DISPLAY_NAME_VAR",
    "FEED",
    "FIELD",
    "HYDRATE",
    "MEDIA",
    "NAMESPACE",
    "ON_LOAD",
    "PROFILE",
    "REFLEX_VERSION",
    "ROOM",
    "ROOT",
    "SESSION",
    "UPDATE_VARS",
    "ConnectRefused",
    "RawClient",
    "RosterCopy",
    "Update",
    "client_token",
    "http",
    "run_async",
]

# Full names of the states the attacks use.
ROOM = RoomState.get_full_name()
SESSION = SessionState.get_full_name()
PROFILE = ProfileState.get_full_name()
CHAT = ChatState.get_full_name()
MEDIA = MediaState.get_full_name()
FEED = RosterFeed.get_full_name()
DISPLAY_NAME_VAR = f"{PROFILE}.display_name{FIELD}"

_RESOLVE = re.compile(
    r"^window\.meetMedia && window\.meetMedia\.resolve\((\"[^\"]*\"), (.*)\)$", re.S
)


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
        """Replace everything with a snapshot (as the browser: it always wins)."""
        if not isinstance(snapshot, dict) or not isinstance(snapshot.get("seq"), int):
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
class RawClient(ReflexSocket):
    """A raw Reflex websocket client of the meeting app (module docstring).

    Attributes:
        base_url: The app's URL (``http://127.0.0.1:port``).
        token: The client token it connects with (any string).
        display_name: Sent as the browser's stored display name, if set.
        roster: The roster as the browser's store would hold it.
        replies: The Calls proxy's answers by request id.
        heartbeats: HTTP statuses of the heartbeats sent.
    """

    display_name: Any = None
    roster: RosterCopy = field(default_factory=RosterCopy)
    replies: dict[str, dict[str, Any]] = field(default_factory=dict)
    heartbeats: list[int] = field(default_factory=list)

    def _query(self, parts: list[str]) -> dict[str, Any] | None:
        return {"room": parts[0]} if parts else None

    def _storage(self) -> dict[str, Any]:
        if self.display_name is None:
            return {}
        return {DISPLAY_NAME_VAR: self.display_name}

    def _on_delta(self, delta: dict[str, Any]) -> None:
        self._follow_roster(delta)

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
        super()._on_event(event)
        payload = event.get("payload") or {}
        if event.get("name") == "_call_script":
            match = _RESOLVE.match(payload.get("javascript_code", ""))
            if match:
                self.replies[json.loads(match.group(1))] = json.loads(match.group(2))

    def room_changes_since(self, mark: int) -> list[dict[str, Any]]:
        """The room's own vars in every delta received after ``mark``."""
        return [u.delta[ROOM] for u in self.updates[mark:] if ROOM in u.delta]

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
        """Send the tab's heartbeats (``POST /_meet/heartbeat``) like the bridge.

        Each answer's status is kept in :attr:`heartbeats`.
        """

        async def beat() -> None:
            while True:
                proof = self.beacon()
                if proof:
                    with contextlib.suppress(Exception):
                        async with self._http.post(
                            self.base_url + "/_meet/heartbeat", json=proof
                        ) as answer:
                            self.heartbeats.append(answer.status)
                await asyncio.sleep(every)

        self.start_background(beat())

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
