"""Simulated room members and what the others receive when one of them acts.

A :class:`Member` is a tab without a browser: a raw websocket client
(:class:`launch.raw_client.RawClient`, which speaks the frames
Chromium's ``state.js`` sends) that goes through the pages as the real page
does — the lobby's on_load, the media bridge's Calls requests through the
proxy (``MediaState.calls_request``), Join, the client-side navigation to
the meeting page, heartbeats over HTTP every 5 s; it keeps the roster as the
browser's store does (snapshot, then numbered changes; a resync on a gap).
It publishes no media and announces no tracks, so nobody pulls from it.

:func:`observe` sends one action and watches every member: when each other
member first receives an update touching the room's state (the change
arrived), what each received in all until the room went quiet, and when the
actor had its answer. Recognising the change by the room state's key works
whatever the room sends (the whole roster, or a small change log).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bench.null_calls import null_offer
from launch.raw_client import MEDIA, ROOM, SESSION, RawClient
from launch.reflex_socket import ReflexSocket

__all__ = [
    "HEARTBEAT_SECONDS",
    "ROOM",
    "ActionTimeoutError",
    "Member",
    "Observation",
    "first_touch",
    "observe",
    "wait_quiet",
    "wait_reached",
]

HEARTBEAT_SECONDS = 5.0
"""The room bridge's heartbeat interval (``intervalMs`` 5000)."""

_request_ids = itertools.count(1)


class ActionTimeoutError(TimeoutError):
    """An action was not answered, or did not reach everybody, in time."""


@dataclass
class Member:
    """One simulated participant (see the module docstring).

    Attributes:
        client: Its websocket client.
        name: Display name.
        hand: Whether its hand is raised.
        panel_open: Whether its participants panel is open.
        settings_open: Whether its device settings are open.
        session_id: Its Calls session.
        published: Tracks it published (never announced).
        beating: Whether its heartbeats run.
    """

    client: RawClient
    name: str
    hand: bool = False
    panel_open: bool = False
    settings_open: bool = False
    session_id: str = ""
    published: int = 0
    beating: bool = False

    @classmethod
    def open(cls, base_url: str, name: str) -> Member:
        """A member not connected yet (keeps no deltas: many of them run)."""
        return cls(RawClient(base_url, display_name=name, keep_deltas=False), name)

    @property
    def participant(self) -> str:
        """Its participant id ("" before entering a room)."""
        return self.client.participant

    # ---- what the pages do -------------------------------------------------

    def enter_lobby(
        self, room: str, timeout: float = 60, *, publish: bool = True
    ) -> None:
        """Open the room's lobby, as the lobby page does.

        Hydrates ``/<room>`` (on_load: ``require_name``, ``RoomState.enter``),
        starts heartbeats, and creates a Calls session and publishes on it
        through the proxy, as the media bridge does.

        Args:
            room: The room name.
            timeout: Longest wait for each answer.
            publish: Publish a (null) track: only against the null Calls API,
                a real one refuses the null SDP.
        """
        client = self.client
        client.connect(f"/{room}")
        client.wait_for(
            lambda: client.participant or client.closed,
            timeout=timeout,
            what=f"{self.name} in room {room}",
        )
        self.start_heartbeats()
        reply = self.wait_reply(self.send_calls("sessions/new"), timeout)
        body = reply.get("body") if isinstance(reply, dict) else None
        self.session_id = body.get("sessionId", "") if isinstance(body, dict) else ""
        if self.session_id and publish:
            self.wait_reply(self.send_publish(), timeout)

    def join(self, room: str, timeout: float = 60) -> float:
        """Click Join: the event, the redirect, the meeting page's on_load.

        Args:
            room: The room name.
            timeout: Longest wait for the redirect.

        Returns:
            When the Join event was sent (``time.monotonic()``).

        Raises:
            ActionTimeoutError: When no redirect to the meeting page came.
        """
        client = self.client
        seen = len(client.redirects)
        sent = client.call(ROOM, "join")
        deadline = time.monotonic() + timeout
        while not any(p.endswith("/room") for p in client.redirects[seen:]):
            if time.monotonic() > deadline or client.closed:
                raise ActionTimeoutError(f"{self.name} got no redirect after Join")
            time.sleep(0.005)
        client.navigate(f"/{room}/room")
        return sent

    def start_heartbeats(self) -> None:
        """``POST /_meet/heartbeat`` every 5 s, as the room bridge does."""
        if not self.beating:
            self.beating = True
            self.client.start_heartbeats(every=HEARTBEAT_SECONDS)

    def toggle_panel(self) -> float:
        """Open or close the participants panel (``toggle_participants``)."""
        self.panel_open = not self.panel_open
        return self.client.call(SESSION, "toggle_participants")

    def toggle_settings(self) -> float:
        """Open or close the device settings (``SessionState.set_settings_open``)."""
        self.settings_open = not self.settings_open
        return self.client.call(SESSION, "set_settings_open", open_=self.settings_open)

    def toggle_hand(self) -> float:
        """Raise or lower the hand (``RoomState.set_hand``)."""
        self.hand = not self.hand
        return self.client.call(ROOM, "set_hand", raised=self.hand)

    def send_calls(
        self, op: str, body: dict | None = None, session_id: str | None = None
    ) -> tuple[str, float]:
        """Send one Calls request through the proxy, as the media bridge does.

        Returns:
            The request id and when it was sent.
        """
        request_id = f"L{next(_request_ids)}"
        request = {
            "id": request_id,
            "op": op,
            "sessionId": session_id,
            "body": body,
        }
        return request_id, self.client.call(MEDIA, "calls_request", request=request)

    def send_publish(self) -> tuple[str, float]:
        """Publish one (null) track on its session (``tracks/new`` with an offer)."""
        self.published += 1
        track = {
            "location": "local",
            "mid": str(self.published),
            "trackName": f"null-{self.published}",
        }
        body = {"sessionDescription": null_offer(), "tracks": [track]}
        return self.send_calls("tracks/new", body, self.session_id)

    def wait_reply(self, request: tuple[str, float], timeout: float = 60) -> dict:
        """Wait for the proxy's answer to a request of :meth:`send_calls`."""
        request_id = request[0]
        return self.client.wait_for(
            lambda: self.client.replies.get(request_id),
            timeout=timeout,
            what=f"{self.name}: Calls reply {request_id}",
        )

    def close(self) -> None:
        """Close its socket (and heartbeats), as a crashed tab would."""
        self.client.close()


@dataclass
class Observation:
    """What the clients received after one action.

    Attributes:
        sent: When the action was sent (monotonic seconds).
        latencies: Seconds from ``sent`` to the first update touching the
            watched state, per other client that got one.
        missing: Other clients that received no such update.
        messages: Updates each other client received until quiet.
        sizes: Bytes each other client received until quiet.
        settled: Seconds from ``sent`` to the last update anybody received.
        cpu_seconds: Server CPU used from ``sent`` until quiet.
    """

    sent: float
    latencies: list[float] = field(default_factory=list)
    missing: int = 0
    messages: list[int] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    settled: float = 0.0
    cpu_seconds: float = 0.0


def first_touch(client: ReflexSocket, key: str, after: float) -> float | None:
    """When ``client`` first got an update touching state ``key`` after ``after``."""
    for update in client.updates_after(after):
        if key in update.states:
            return update.at
    return None


def wait_quiet(
    clients: Sequence[ReflexSocket], quiet: float, timeout: float, since: float = 0.0
) -> float:
    """Wait until no client has received anything for ``quiet`` seconds.

    Args:
        clients: Everybody who may still receive something.
        quiet: Seconds of silence that count as done.
        timeout: Longest wait.
        since: Silence counts from this time at the earliest.

    Returns:
        When the last update arrived (``since`` if none did after it).

    Raises:
        ActionTimeoutError: When the traffic did not stop in time.
    """
    deadline = time.monotonic() + timeout
    while True:
        last = max([since, *(c.last_arrival() for c in clients)])
        now = time.monotonic()
        if now - last >= quiet:
            return last
        if now > deadline:
            raise ActionTimeoutError(f"still receiving after {timeout:.0f} s")
        time.sleep(min(0.02, quiet / 4))


def wait_reached(
    clients: Sequence[ReflexSocket], key: str, after: float, timeout: float
) -> bool:
    """Wait until every client received an update touching ``key`` after ``after``.

    Returns:
        Whether all did in time.
    """
    deadline = time.monotonic() + timeout
    while any(first_touch(c, key, after) is None for c in clients):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def observe(
    send: Callable[[], float],
    actor: ReflexSocket,
    others: Sequence[ReflexSocket],
    *,
    answered: Callable[[], bool],
    key: str | None,
    quiet: float,
    timeout: float,
    cpu: Callable[[], float] = lambda: 0.0,
) -> Observation:
    """Send one action and watch what everybody receives.

    Args:
        send: Sends the action, returns when it was sent.
        actor: The actor's client.
        others: Everybody else's clients.
        answered: True once the actor has its answer.
        key: The state whose change must reach every other client (None:
            nothing is expected to reach them).
        quiet: Seconds of silence after which the action is done.
        timeout: Longest wait for each step.
        cpu: Server CPU seconds so far (for the action's cost).

    Returns:
        The observation (receivers the change did not reach in time are
        counted in ``missing``).

    Raises:
        ActionTimeoutError: When the actor got no answer in time.
    """
    cpu_before = cpu()
    sent = send()
    deadline = time.monotonic() + timeout
    while not answered():
        if time.monotonic() > deadline:
            raise ActionTimeoutError("the actor's answer did not come")
        time.sleep(0.005)
    if key is not None:
        wait_reached(others, key, sent, max(deadline - time.monotonic(), 0.0))
    last = wait_quiet([actor, *others], quiet, timeout, since=sent)
    seen = Observation(sent=sent, settled=last - sent, cpu_seconds=cpu() - cpu_before)
    for client in others:
        got = client.updates_after(sent)
        arrived = first_touch(client, key, sent) if key is not None else None
        if arrived is not None:
            seen.latencies.append(arrived - sent)
        elif key is not None:
            seen.missing += 1
        seen.messages.append(len(got))
        seen.sizes.append(sum(u.size for u in got))
    return seen
