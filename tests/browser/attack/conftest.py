"""Fixtures of the attack and fuzz tests: raw clients, members, the server log.

The app server, its stand-in and Chromium come from ``tests/browser/conftest.py``
(these tests run with the browser tests, last). The raw clients run their own
asyncio loop on a thread, so they never touch Playwright's.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from launch.raw_client import ROOM, RawClient
from tests.browser.conftest import new_room_id, raw_clients

__all__ = ["LogWatch", "Raw", "http_client", "new_room_id", "room_snapshot"]

# What an unhandled exception or an error leaves in the server's log.
PROBLEM_LINE = re.compile(
    r"Traceback|\bERROR\b|Error processing|Exception in|Unhandled"
)

EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt|Disconnect)\b")

QUOTED = re.compile(r"'[^']*('|$)")

Raw = Callable[..., RawClient]

_addresses = itertools.count(2)


def source_address() -> str:
    """A loopback address of its own (127.0.0.0/8 is all this machine).

    The HTTP routes limit requests per client address; a test that needs a
    budget of its own sends from an address no other test used.
    """
    n = next(_addresses)
    return f"127.0.{n // 250 % 250}.{n % 250 + 2}"


def http_client(base_url: str, **options: Any) -> httpx.Client:
    """An HTTP client sending from a fresh loopback address.

    Args:
        base_url: The app's URL.
        **options: More ``httpx.Client`` options.

    Returns:
        The client (use it as a context manager).
    """
    transport = httpx.HTTPTransport(local_address=source_address())
    return httpx.Client(base_url=base_url, transport=transport, **options)


@pytest.fixture
def raw(app_server: dict) -> Iterator[Raw]:
    """Make raw clients (closed at the end of the test)."""
    with raw_clients(app_server["url"]) as make:
        yield make


class LogWatch:
    """The part of the server log written since a point in time."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self.start = log.stat().st_size if log.exists() else 0

    def text(self) -> str:
        """Everything logged since the watch started."""
        with self.log.open("rb") as handle:
            handle.seek(self.start)
            return handle.read().decode("utf-8", "replace")

    def summary(self) -> dict[str, int]:
        """The distinct problems logged (exception lines), with their counts."""
        counts: dict[str, int] = {}
        lines = self.text().splitlines()
        for number, line in enumerate(lines):
            if not PROBLEM_LINE.search(line):
                continue
            if "Traceback" in line:
                found = next(
                    (
                        later.strip()
                        for later in lines[number + 1 : number + 80]
                        if EXCEPTION_LINE.match(later)
                        and not later.startswith("The above")
                    ),
                    line.strip(),
                )
            else:
                found = line.strip()
            # One entry per kind of problem, whatever fuzzed value it names.
            found = QUOTED.sub("'…'", found)[:160]
            counts[found] = counts.get(found, 0) + 1
        return counts


@pytest.fixture
def log_watch(app_server: dict) -> LogWatch:
    """Watch the server log from the start of the test."""
    return LogWatch(app_server["log"])


@pytest.fixture
def members(raw: Raw) -> Callable[[str, int], list[RawClient]]:
    """Join ``n`` raw members to a room, with heartbeats running."""

    def join(room: str, n: int = 2, names: tuple[str, ...] = ("Ada", "Bob", "Cy")):
        people = []
        for index in range(n):
            person = raw(names[index % len(names)]).join(room)
            person.start_heartbeats()
            people.append(person)
        for person in people:  # everyone sees everyone, nothing is pending
            person.wait_for(
                lambda p=person: sum(1 for u in p.users() if u.get("joined")) >= n,
                what="all members in the roster",
            )
            person.sync()
        return people

    return join


def room_snapshot(client: RawClient) -> dict[str, Any]:
    """A copy of the room's vars as this client sees them."""
    return copy.deepcopy(client.state.get(ROOM, {}))


def room_changes(before: dict[str, Any], client: RawClient) -> dict[str, Any]:
    """The room vars whose value this client now sees differently."""
    now = client.state.get(ROOM, {})
    return {k: v for k, v in now.items() if before.get(k) != v}


@pytest.fixture
def fresh_room() -> str:
    """A room name no earlier run used."""
    return new_room_id()
