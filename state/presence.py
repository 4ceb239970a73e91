"""Heartbeat times of a room's members, kept out of the shared room state.

Every change to ``RoomState`` is sent to every member, and in Reflex 0.10 any
websocket event of a room member (even a private one) re-sends ~3 KB of
router and computed vars to every other member. So heartbeats are plain HTTP
requests (``POST /_meet/heartbeat``), and their times live in
:class:`RoomPresence`, a Reflex state stored under a synthetic per-room token
that no browser owns: persisted by Reflex's state manager (disk or Redis, so
several workers share it). A heartbeat costs the other members nothing; only
when the sweep finds someone silent is the shared room changed.
"""

from __future__ import annotations

import reflex as rx
from reflex.istate.manager.token import BaseStateToken

from reflex_meet.security.tokens import check_tab_key, presence_token
from reflex_meet.state.registered_app import registered_app

__all__ = [
    "RoomPresence",
    "forget",
    "forget_with_key",
    "last_seen",
    "presence_token",
    "register",
    "touch",
    "touch_unverified",
]


class RoomPresence(rx.State):
    """Last heartbeat time per participant id (backend only).

    Tabs prove themselves with :func:`security.tokens.tab_key`, checked before
    this state is loaded: a request for a made-up room or participant never
    creates one.
    """

    _last_seen: dict[str, float] = {}
    # The Reflex client token of each participant's tab (to deliver direct
    # chat messages to that tab alone).
    _tabs: dict[str, str] = {}


def _token(room: str) -> BaseStateToken:
    return BaseStateToken(ident=presence_token(room), cls=RoomPresence)


async def register(
    room: str, participant_id: str, now: float, client_token: str = ""
) -> None:
    """Record a participant's arrival (its first heartbeat).

    Args:
        room: The room name.
        participant_id: Who arrived.
        now: Arrival time (counts as the first heartbeat).
        client_token: The tab's Reflex client token.
    """
    async with registered_app().modify_state(_token(room)) as root:
        presence = await root.get_state(RoomPresence)
        presence._last_seen = {**presence._last_seen, participant_id: now}
        if client_token:
            presence._tabs = {**presence._tabs, participant_id: client_token}


async def client_token_of(room: str, participant_id: str) -> str:
    """The Reflex client token of a participant's tab ("" when unknown).

    Args:
        room: The room name.
        participant_id: The participant.

    Returns:
        The token, read without taking the room's presence lock.
    """
    root = await registered_app().state_manager.get_state(_token(room))
    presence = await root.get_state(RoomPresence)
    return presence._tabs.get(participant_id, "")


async def last_seen(room: str) -> dict[str, float]:
    """The heartbeat times of a room, read without taking its lock.

    Args:
        room: The room name.

    Returns:
        Last heartbeat time per participant id.
    """
    root = await registered_app().state_manager.get_state(_token(room))
    return dict((await root.get_state(RoomPresence))._last_seen)


async def touch(
    room: str, participant_id: str, key: str, now: float
) -> dict[str, float] | None:
    """Record a heartbeat from a tab that proves who it is.

    Args:
        room: The room name.
        participant_id: Who is alive.
        key: The tab's key (:func:`security.tokens.tab_key`).
        now: The time of the heartbeat.

    Returns:
        All heartbeat times of the room after the update, or None when the
        participant is unknown (swept out, or a wrong key).
    """
    if not check_tab_key(room, participant_id, key):
        return None
    async with registered_app().modify_state(_token(room)) as root:
        presence = await root.get_state(RoomPresence)
        if participant_id not in presence._last_seen:
            return None
        presence._last_seen = {**presence._last_seen, participant_id: now}
        return dict(presence._last_seen)


async def touch_unverified(room: str, participant_id: str, now: float) -> None:
    """Start the heartbeat clock of a member whose arrival was not recorded.

    Args:
        room: The room name.
        participant_id: The member.
        now: The time to count from.
    """
    async with registered_app().modify_state(_token(room)) as root:
        presence = await root.get_state(RoomPresence)
        if participant_id not in presence._last_seen:
            presence._last_seen = {**presence._last_seen, participant_id: now}


async def forget_with_key(room: str, participant_id: str, key: str) -> bool:
    """Forget a participant whose tab proves who it is (page unload).

    Args:
        room: The room name.
        participant_id: Who leaves.
        key: The tab's key (:func:`security.tokens.tab_key`).

    Returns:
        Whether the key matched (and the participant was forgotten).
    """
    if not check_tab_key(room, participant_id, key):
        return False
    await forget(room, {participant_id})
    return True


async def forget(room: str, participant_ids: set[str]) -> None:
    """Drop the heartbeat times of participants who left or were swept.

    Args:
        room: The room name.
        participant_ids: Who to forget.
    """
    if not participant_ids:
        return
    async with registered_app().modify_state(_token(room)) as root:
        presence = await root.get_state(RoomPresence)
        if participant_ids & set(presence._last_seen):
            presence._last_seen = {
                k: v for k, v in presence._last_seen.items() if k not in participant_ids
            }
            presence._tabs = {
                k: v for k, v in presence._tabs.items() if k not in participant_ids
            }
