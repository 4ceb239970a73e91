"""The roster as browsers receive it: one snapshot, then numbered changes.

Every change to a shared Reflex var is sent whole to every member of the
room, so the room does not share its roster as one list (a raised hand would
cost each member the whole roster). It shares a short log of the latest
changes instead, each numbered and holding only what changed, in the style of
Phoenix.Presence: a tab gets the whole roster once (a snapshot, sent to it
alone) and then applies the numbered changes; a tab that finds a number
missing asks for a new snapshot.

Only the meeting's members (``joined``) are in the shared log: a lobby
visitor's entry reaches its own tab alone (``own``), and the others first
hear of someone when they join. Change entries (JSON, Orange's field names):

* ``{"seq": 7, "id": "…", "put": {…whole entry…}}`` — someone joined;
* ``{"seq": 8, "id": "…", "set": {"raisedHand": true, "tracks": {…}}}`` —
  fields of an entry changed (``tracks`` holds only its changed fields);
* ``{"seq": 9, "id": "…", "del": true}`` — someone left.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from reflex_meet.core.roster import User, user_to_wire

__all__ = [
    "LOG_BUDGET",
    "LOG_SIZE",
    "append_changes",
    "changes_between",
    "latest_within",
    "lobby_changes",
    "members",
    "snapshot",
]

# How much of the latest changes the shared log keeps: every member receives
# the whole log with each change, so it is bounded in bytes (JSON) as well as
# in entries; the latest change is always kept. Reflex sends a member the log
# as it is when that member's update is built, so changes close together may
# reach it as one message holding them all; a member that falls further behind
# asks for a snapshot.
LOG_BUDGET = 640
LOG_SIZE = 8


def _entry_changes(before: User, after: User) -> dict[str, Any]:
    """The fields of ``after`` that differ from ``before`` (tracks nested)."""
    changed: dict[str, Any] = {}
    for field in dataclasses.fields(User):
        old, new = getattr(before, field.name), getattr(after, field.name)
        if old == new:
            continue
        if field.name == "tracks":
            changed["tracks"] = {
                f.name: getattr(new, f.name)
                for f in dataclasses.fields(new)
                if getattr(old, f.name) != getattr(new, f.name)
            }
        else:
            changed[field.name] = new
    return changed


def changes_between(
    before: Sequence[User], after: Sequence[User]
) -> list[dict[str, Any]]:
    """Describe how a roster changed, entry by entry (without numbers).

    Args:
        before: The roster before a command.
        after: The roster after it.

    Returns:
        Removals first, then additions and field changes in roster order.
    """
    old = {user.id: user for user in before}
    new_ids = {user.id for user in after}
    changes: list[dict[str, Any]] = [
        {"id": user.id, "del": True} for user in before if user.id not in new_ids
    ]
    for user in after:
        previous = old.get(user.id)
        if previous is None:
            changes.append({"id": user.id, "put": user_to_wire(user)})
        elif previous != user:
            changes.append({"id": user.id, "set": _entry_changes(previous, user)})
    return changes


def _size(change: dict[str, Any]) -> int:
    return len(json.dumps(change, separators=(",", ":")))


def append_changes(
    log: Sequence[dict[str, Any]],
    changes: Sequence[dict[str, Any]],
    last_seq: int,
    *,
    size: int = LOG_SIZE,
    budget: int = LOG_BUDGET,
) -> tuple[list[dict[str, Any]], int]:
    """Number new changes and keep the latest that fit the log's bounds.

    Args:
        log: The log so far (oldest first).
        changes: New changes from :func:`changes_between`.
        last_seq: The number of the latest change so far.
        size: At most this many entries.
        budget: At most this many bytes of JSON (the latest entry is always
            kept, whatever its size).

    Returns:
        The new log and the number of its latest change.
    """
    numbered = [
        {"seq": last_seq + offset, **change}
        for offset, change in enumerate(changes, start=1)
    ]
    return latest_within([*log, *numbered], size=size, budget=budget), last_seq + len(
        numbered
    )


def latest_within(
    entries: Sequence[dict[str, Any]], *, size: int, budget: int
) -> list[dict[str, Any]]:
    """The latest entries that fit ``size`` entries and ``budget`` bytes.

    Args:
        entries: Oldest first.
        size: At most this many entries.
        budget: At most this many bytes of JSON; the latest entry is always
            kept, whatever its size.

    Returns:
        The kept entries, oldest first.
    """
    kept: list[dict[str, Any]] = []
    used = 0
    for entry in reversed(entries[-size:]):
        cost = _size(entry)
        if kept and used + cost > budget:
            break
        kept.append(entry)
        used += cost
    kept.reverse()
    return kept


def members(users: Sequence[User]) -> tuple[User, ...]:
    """The part of a roster the room shares: those who joined the meeting.

    Args:
        users: Everyone in the room, lobby included.

    Returns:
        The joined users, in arrival order.
    """
    return tuple(user for user in users if user.joined)


def lobby_changes(before: Sequence[User], after: Sequence[User]) -> list[str]:
    """Lobby visitors whose own entry changed (their tab alone is told).

    Args:
        before: The roster before a command.
        after: The roster after it.

    Returns:
        Ids of users not joined after the command whose entry is new or
        different.
    """
    old = {user.id: user for user in before}
    return [u.id for u in after if not u.joined and old.get(u.id) != u]


def snapshot(users: Sequence[User], seq: int, own_id: str = "") -> dict[str, Any]:
    """The shared roster as of change ``seq``, for one tab.

    Args:
        users: Everyone in the room, in arrival order.
        seq: The number of the latest change the roster includes.
        own_id: The tab's participant id (its entry is added as ``own``).

    Returns:
        ``{"seq": seq, "users": [member entry, …], "own": entry or None}``.
    """
    own = next((u for u in users if u.id == own_id), None) if own_id else None
    return {
        "seq": seq,
        "users": [user_to_wire(user) for user in members(users)],
        "own": user_to_wire(own) if own is not None else None,
    }
