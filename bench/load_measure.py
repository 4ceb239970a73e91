"""The load driver's measurements at one room size (see ``bench/load.py``).

Each function drives simulated members (:mod:`bench.sim`) and returns plain
figures: a join, roster changes (raised hands), private events, and an idle
window with the server's CPU and memory.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bench import procs
from bench.sim import (
    ROOM,
    ActionTimeoutError,
    Member,
    Observation,
    first_touch,
    observe,
    wait_quiet,
    wait_reached,
)
from launch.raw_client import FEED, SESSION

__all__ = [
    "PRIVATE_EVENTS",
    "ChangeRun",
    "IdleRun",
    "JoinRun",
    "Settings",
    "Traffic",
    "fill",
    "measure_changes",
    "measure_idle",
    "measure_join",
    "measure_private",
]

PRIVATE_EVENTS = {
    "calls": "Calls request (`MediaState.calls_request`, tracks/new)",
    "panel": "participants panel (`SessionState.toggle_participants`)",
    "settings": "device settings (`SessionState.set_settings_open`)",
    "resync": "roster resync (`RosterFeed.resync`)",
}
"""Events of one member that change nothing in the room, by short name."""


@dataclass(frozen=True)
class Settings:
    """How the measurements run.

    Attributes:
        quiet: Seconds without any update after which an action is done.
        timeout: Longest wait for any one step.
        cpu: Server CPU seconds so far (all its processes).
    """

    quiet: float = 0.3
    timeout: float = 60.0
    cpu: Callable[[], float] = lambda: 0.0


@dataclass
class Traffic:
    """What the other members received per action, over several actions.

    Attributes:
        messages: Updates one other member received for one action (one
            value per action and receiver).
        sizes: The bytes of those updates (same order).
        actions: How many actions were observed.
    """

    messages: list[int] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    actions: int = 0

    def add(self, seen: Observation) -> None:
        """Count one observed action."""
        self.messages += seen.messages
        self.sizes += seen.sizes
        self.actions += 1

    @property
    def mean_messages(self) -> float:
        """Messages per receiver per action."""
        return sum(self.messages) / len(self.messages) if self.messages else 0.0

    @property
    def mean_bytes(self) -> float:
        """Bytes per receiver per action."""
        return sum(self.sizes) / len(self.sizes) if self.sizes else 0.0

    @property
    def max_messages(self) -> int:
        """The most messages one receiver got for one action."""
        return max(self.messages, default=0)

    @property
    def max_bytes(self) -> int:
        """The most bytes one receiver got for one action."""
        return max(self.sizes, default=0)


@dataclass
class ChangeRun:
    """Raised and lowered hands, seen by every other member.

    Attributes:
        latencies: Seconds from the event to its arrival, per receiver.
        missing: Receivers the change did not reach in time.
        traffic: What each receiver got per change.
        cpu_seconds: Server CPU per change.
    """

    latencies: list[float] = field(default_factory=list)
    missing: int = 0
    traffic: Traffic = field(default_factory=Traffic)
    cpu_seconds: list[float] = field(default_factory=list)


@dataclass
class JoinRun:
    """The newest member's join, from the lobby to the meeting page.

    Attributes:
        others: Members already in the room.
        messages: Updates each other member received (lobby and join).
        sizes: Their bytes, per other member.
        lobby_seconds: Opening the lobby until its Calls requests were answered.
        settled_seconds: The Join click until everybody's traffic stopped.
        missing: Other members the join did not reach in time.
        cpu_seconds: Server CPU of the whole join.
    """

    others: int
    messages: list[int] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    lobby_seconds: float = 0.0
    settled_seconds: float = 0.0
    missing: int = 0
    cpu_seconds: float = 0.0


@dataclass
class IdleRun:
    """A window in which nobody acts (heartbeats run).

    Attributes:
        seconds: Its length.
        cpu_percent: The server's CPU, in % of one core.
        rss_mib: The server's resident memory (mean over the window).
        received: Bytes each member received per second.
        machine_busy: All cores' use meanwhile, in % of the machine.
    """

    seconds: float
    cpu_percent: float
    rss_mib: float
    received: list[float]
    machine_busy: float


def fill(
    members: list[Member],
    base_url: str,
    room: str,
    size: int,
    s: Settings,
    *,
    publish: bool = True,
    deadline: float = float("inf"),
) -> None:
    """Bring the room up to ``size`` members (joins not measured).

    Args:
        members: The members so far (extended in place).
        base_url: The app's URL.
        room: The room.
        size: The head count wanted.
        s: Settings.
        publish: Whether each publishes a null track in the lobby (only
            against the null Calls API).
        deadline: Give up (``time.monotonic()``) before a join after this.

    Raises:
        ActionTimeoutError: When the deadline passed or a join timed out.
    """
    while len(members) < size:
        if time.monotonic() > deadline:
            raise ActionTimeoutError(f"room filled to {len(members)} only, in time")
        member = Member.open(base_url, f"Sim {len(members) + 1}")
        members.append(member)
        member.enter_lobby(room, s.timeout, publish=publish)
        member.join(room, s.timeout)
        wait_quiet([m.client for m in members], s.quiet, s.timeout)


def measure_join(
    newcomer: Member, room: str, others: Sequence[Member], s: Settings
) -> JoinRun:
    """A newcomer opens the lobby, then joins: what the others receive.

    Settled: every other member received a room update after the Join click
    and nobody received anything for ``s.quiet`` seconds (the newcomer's
    meeting page answered too).

    Args:
        newcomer: Who joins (not connected yet).
        room: The room.
        others: Who is already there.
        s: Settings.

    Returns:
        The join's figures.
    """
    clients = [m.client for m in others]
    run = JoinRun(others=len(others))
    cpu_before = s.cpu()
    started = time.monotonic()
    newcomer.enter_lobby(room, s.timeout)
    run.lobby_seconds = time.monotonic() - started
    sent = newcomer.join(room, s.timeout)
    if not wait_reached(clients, ROOM, sent, s.timeout):
        run.missing = sum(1 for c in clients if first_touch(c, ROOM, sent) is None)
    last = wait_quiet([newcomer.client, *clients], s.quiet, s.timeout, since=sent)
    run.settled_seconds = last - sent
    run.cpu_seconds = s.cpu() - cpu_before
    for client in clients:
        got = client.updates_after(started)
        run.messages.append(len(got))
        run.sizes.append(sum(u.size for u in got))
    return run


def measure_changes(
    members: Sequence[Member],
    count: int,
    s: Settings,
    *,
    into: ChangeRun | None = None,
    first: int = 0,
) -> ChangeRun:
    """Raise or lower hands ``count`` times, members taking turns.

    Args:
        members: Everybody in the room (at least two).
        count: How many changes.
        s: Settings.
        into: Add to these figures (default: new ones).
        first: The turn to start with (continues an earlier call's turns).

    Returns:
        Latencies to every other member and what each received.
    """
    run = into if into is not None else ChangeRun()
    for index in range(first, first + count):
        actor = members[index % len(members)]
        others = [m.client for m in members if m is not actor]
        before = actor.client.mark()
        seen = observe(
            actor.toggle_hand,
            actor.client,
            others,
            answered=lambda a=actor, b=before: any(
                ROOM in u.states for u in a.client.updates_since(b)
            ),
            key=ROOM,
            quiet=s.quiet,
            timeout=s.timeout,
            cpu=s.cpu,
        )
        run.latencies += seen.latencies
        run.missing += seen.missing
        run.traffic.add(seen)
        run.cpu_seconds.append(seen.cpu_seconds)
    return run


def _private_action(kind: str, actor: Member) -> tuple[Callable[[], float], Callable]:
    """The send and answered functions of one private event."""
    client = actor.client
    if kind == "calls":
        request: dict[str, tuple[str, float]] = {}

        def send_calls() -> float:
            request["sent"] = actor.send_publish()
            return request["sent"][1]

        return send_calls, lambda: request["sent"][0] in client.replies
    if kind == "panel":
        wanted = not actor.panel_open
        return (
            actor.toggle_panel,
            lambda: client.var(SESSION, "participants_open") is wanted,
        )
    if kind == "settings":
        wanted = not actor.settings_open
        return (
            actor.toggle_settings,
            lambda: client.var(SESSION, "settings_open") is wanted,
        )
    if kind == "resync":
        before = client.mark()
        return (
            lambda: client.call(FEED, "resync"),
            lambda: any(FEED in u.states for u in client.updates_since(before)),
        )
    raise ValueError(f"unknown private event {kind!r}")


def measure_private(
    members: Sequence[Member], count: int, s: Settings
) -> dict[str, Traffic]:
    """Send each private event ``count`` times, members taking turns.

    Args:
        members: Everybody in the room (at least two).
        count: Repeats of each event.
        s: Settings.

    Returns:
        What the other members received, per event kind.
    """
    found: dict[str, Traffic] = {}
    for kind in PRIVATE_EVENTS:
        traffic = found[kind] = Traffic()
        for index in range(count):
            actor = members[index % len(members)]
            send, answered = _private_action(kind, actor)
            seen = observe(
                send,
                actor.client,
                [m.client for m in members if m is not actor],
                answered=answered,
                key=None,
                quiet=s.quiet,
                timeout=s.timeout,
            )
            traffic.add(seen)
    return found


def measure_idle(members: Sequence[Member], seconds: float, pids: set[int]) -> IdleRun:
    """Nobody acts for ``seconds``: the server's CPU and memory, the traffic.

    Args:
        members: Everybody in the room (heartbeats running).
        seconds: The window.
        pids: The server's processes.

    Returns:
        The window's figures.
    """
    started = time.monotonic()
    sample = procs.sample({"app": pids}, seconds)["app"]
    elapsed = time.monotonic() - started
    received = [
        sum(u.size for u in m.client.updates_after(started)) / elapsed for m in members
    ]
    return IdleRun(
        seconds=elapsed,
        cpu_percent=sample.cpu_percent,
        rss_mib=sample.rss_mib_mean,
        received=received,
        machine_busy=sample.machine_busy_percent,
    )


def attempt(errors: list[str], what: str, action: Callable[[], object]) -> object:
    """Run one measurement; note a timeout instead of failing the whole run.

    Args:
        errors: Where a failure is noted.
        what: The measurement's name.
        action: The measurement.

    Returns:
        Its result, or None when it timed out.
    """
    try:
        return action()
    except (ActionTimeoutError, AssertionError, TimeoutError) as failure:
        errors.append(f"{what}: {failure}")
        return None
