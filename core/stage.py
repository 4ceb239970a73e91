"""Which tiles are on stage, in which order (Orange Meets' rules, made stable).

Rules: a pinned tile first, then one's own camera, then screen shares, then
the most recently active; at most 9 tiles on stage, 5 while someone shares a
screen, 2 on narrow screens. Given the previous stage, tiles already on it
keep their places unless a tile of higher priority needs room or an off-stage
tile became more recently active than the least active one on stage (it then
takes that tile's place), so the grid does not reshuffle on every update.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from core.roster import User

__all__ = [
    "NARROW_CAPACITY",
    "SCREEN_SHARE_CAPACITY",
    "STAGE_CAPACITY",
    "StageLayout",
    "Tile",
    "effective_pin",
    "order_stage",
    "stage_capacity",
    "tiles_for",
    "toggle_pin",
]

STAGE_CAPACITY = 9
SCREEN_SHARE_CAPACITY = 5
# How many unpinned screen shares a viewer's tab remembers.
MAX_DISMISSED = 16
NARROW_CAPACITY = 2


@dataclass(frozen=True)
class Tile:
    """One tile candidate: a person's camera or a screen share."""

    key: str
    user_id: str
    kind: Literal["camera", "screen"]
    last_active: float


@dataclass(frozen=True)
class StageLayout:
    """Tile keys on stage (in order) and off stage (most active first)."""

    on_stage: tuple[str, ...]
    off_stage: tuple[str, ...]


def stage_capacity(*, screen_sharing: bool, narrow: bool) -> int:
    """Return how many tiles fit on stage.

    Args:
        screen_sharing: Whether someone shares a screen.
        narrow: Whether the viewport is narrow.

    Returns:
        2 when narrow, else 5 while sharing, else 9.
    """
    if narrow:
        return NARROW_CAPACITY
    return SCREEN_SHARE_CAPACITY if screen_sharing else STAGE_CAPACITY


def tiles_for(users: Sequence[User], *, activity: Mapping[str, float]) -> list[Tile]:
    """Build the tile candidates of the joined users.

    Args:
        users: Room users (lobby visitors are skipped).
        activity: Last activity time per user id (defaults to ``joinedAt``).

    Returns:
        One camera tile per joined user, plus a screen tile per active share.
    """
    tiles: list[Tile] = []
    for user in users:
        if not user.joined:
            continue
        active = activity.get(user.id, user.joinedAt)
        tiles.append(Tile(f"{user.id}:camera", user.id, "camera", active))
        if user.tracks.screenShareEnabled and user.tracks.screenshare:
            tiles.append(Tile(f"{user.id}:screen", user.id, "screen", active))
    return tiles


def _rank(tile: Tile, self_id: str | None, pinned: str | None) -> tuple:
    """Sort key: pinned, self camera, screens, then most recent, then key."""
    if tile.key == pinned:
        group = 0
    elif tile.kind == "camera" and tile.user_id == self_id:
        group = 1
    elif tile.kind == "screen":
        group = 2
    else:
        group = 3
    return (group, -tile.last_active, tile.key)


def order_stage(
    tiles: Sequence[Tile],
    *,
    self_id: str | None,
    pinned: str | None = None,
    previous: Sequence[str] = (),
    capacity: int,
) -> StageLayout:
    """Decide the stage.

    Args:
        tiles: All tile candidates.
        self_id: This viewer's user id (its camera tile comes first).
        pinned: Key of a pinned tile, always on stage and first.
        previous: The previous ``on_stage`` keys, for stability.
        capacity: Maximum tiles on stage (see :func:`stage_capacity`).

    Returns:
        The layout. The same input always gives the same output.
    """
    capacity = max(capacity, 0)
    ranked = sorted(tiles, key=lambda t: _rank(t, self_id, pinned))
    priority = [t for t in ranked if _rank(t, self_id, pinned)[0] < 3][:capacity]
    others = [t for t in ranked if _rank(t, self_id, pinned)[0] == 3]
    free = capacity - len(priority)

    by_key = {t.key: t for t in others}
    kept = [by_key[k] for k in previous if k in by_key][:free]
    kept_keys = {t.key for t in kept}
    waiting = [t for t in others if t.key not in kept_keys]  # most active first
    # Fill empty places first, in activity order (new tiles go last).
    while len(kept) < free and waiting:
        kept.append(waiting.pop(0))
    # Swap in off-stage tiles more active than the least active on stage.
    while waiting and kept:
        least = min(range(len(kept)), key=lambda i: (kept[i].last_active, kept[i].key))
        if waiting[0].last_active <= kept[least].last_active:
            break
        kept[least] = waiting.pop(0)

    on_stage = [t.key for t in priority] + [t.key for t in kept]
    on_set = set(on_stage)
    off_stage = [t.key for t in ranked if t.key not in on_set]
    return StageLayout(tuple(on_stage), tuple(off_stage))


def effective_pin(
    tiles: Sequence[Tile], *, pinned: str | None, dismissed: Collection[str] = ()
) -> str | None:
    """Which tile is pinned: the viewer's choice, else the newest screen share.

    Args:
        tiles: All tile candidates.
        pinned: Key the viewer pinned ("" or None for automatic).
        dismissed: Screen-share keys the viewer unpinned (never auto-pinned again).

    Returns:
        The key to pin, or None.
    """
    keys = {t.key for t in tiles}
    if pinned and pinned in keys:
        return pinned
    screens = [t for t in tiles if t.kind == "screen" and t.key not in dismissed]
    if not screens:
        return None
    return max(screens, key=lambda t: (t.last_active, t.key)).key


def toggle_pin(
    key: str, *, current: str | None, dismissed: Collection[str] = ()
) -> tuple[str, tuple[str, ...]]:
    """The viewer pressed pin/unpin on a tile.

    Args:
        key: The tile's key.
        current: The effective pin now (see :func:`effective_pin`).
        dismissed: Screen shares unpinned so far.

    Returns:
        The new explicit pin ("" for automatic) and the new dismissed keys.
    """
    if key == current:
        kept = tuple(dismissed)
        if key.endswith(":screen") and key not in kept:
            kept = (*kept, key)
        return "", kept[-MAX_DISMISSED:]
    return key, tuple(k for k in dismissed if k != key)
