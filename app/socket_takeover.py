"""A tab whose worker died keeps its client token when it reconnects.

With Redis, Reflex 0.10.1 records which worker holds each tab's websocket
(``RedisTokenManager``: a key per client token naming the worker's
``instance_id`` and the socket id). A worker removes its records when its
sockets disconnect; a worker that is killed (``SIGKILL``, the OOM killer)
never does, so its records stay for ``redis_token_expiration`` (an hour).
When such a tab reconnects to another worker, ``link_token_to_sid`` finds
the record, takes the tab for a duplicated browser tab and hands it a *new*
client token: the tab loses its state (its participant id, its Calls
session), enters the room as somebody new and leaves a ghost of itself in the
roster until the sweep removes it.

Here every worker that holds sockets keeps a Redis subscription open on a
channel named after its ``instance_id`` (:func:`alive_channel`); Redis drops
it the moment the process dies (its connections close). Before Reflex links a
token, a record whose worker has no subscriber any more is deleted (only that
record, compared and deleted atomically), so the tab keeps its token and its
state. A record of a live worker is left alone: a real duplicated tab still
gets a token of its own.

:func:`install` applies it (idempotent); the Reflex internals it relies on
are pinned by ``tests/unit/test_worker_failure.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pickle
from dataclasses import dataclass
from typing import Any

from reflex.utils.token_manager import RedisTokenManager

__all__ = ["alive_channel", "install", "installed", "instance_alive"]

logger = logging.getLogger("meet.workers")

_MARK = "_meet_takes_over_dead_sockets"
# How long a link waits for this worker's own subscription to be in place.
_SUBSCRIBE_TIMEOUT_S = 5.0
# Delete the record only if it is still the one that was read.
_DELETE_IF_UNCHANGED = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


def alive_channel(instance_id: str) -> str:
    """The channel a worker stays subscribed to while it lives.

    Args:
        instance_id: The worker's Reflex token-manager instance id.

    Returns:
        The channel name.
    """
    return f"meet_worker_alive_{instance_id}"


async def instance_alive(redis: Any, instance_id: str) -> bool:
    """Whether the worker ``instance_id`` is alive (holds its subscription).

    Args:
        redis: An asyncio Redis client.
        instance_id: The worker's instance id.

    Returns:
        True when its channel has a subscriber.
    """
    counts = await redis.pubsub_numsub(alive_channel(instance_id))
    return any(count > 0 for _channel, count in counts)


@dataclass
class _Subscription:
    instance_id: str
    task: asyncio.Task
    ready: asyncio.Event


async def _hold(redis: Any, channel: str, ready: asyncio.Event) -> None:
    """Stay subscribed to ``channel`` (re-subscribing after a Redis error)."""
    while True:
        try:
            async with redis.pubsub() as pubsub:
                await pubsub.subscribe(channel)
                ready.set()
                async for _message in pubsub.listen():
                    pass
        except asyncio.CancelledError:
            raise
        except Exception as error:  # Redis away for a moment: try again
            ready.clear()
            logger.warning("worker presence channel lost (%s); retrying", error)
            await asyncio.sleep(1.0)


async def _announce(manager: RedisTokenManager) -> bool:
    """Make sure this worker's presence channel is subscribed.

    Returns:
        Whether the subscription is in place.
    """
    current: _Subscription | None = getattr(manager, "_meet_alive", None)
    if (
        current is None
        or current.instance_id != manager.instance_id
        or current.task.done()
    ):
        if current is not None:
            current.task.cancel()
        ready = asyncio.Event()
        task = asyncio.create_task(
            _hold(manager.redis, alive_channel(manager.instance_id), ready)
        )
        current = _Subscription(manager.instance_id, task, ready)
        manager._meet_alive = current  # type: ignore[attr-defined]
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(current.ready.wait(), _SUBSCRIBE_TIMEOUT_S)
    return current.ready.is_set()


async def _release_if_owner_died(manager: RedisTokenManager, token: str) -> bool:
    """Delete ``token``'s socket record when the worker named in it is dead.

    Returns:
        Whether a record was deleted.
    """
    key = manager._get_redis_key(token)
    raw = await manager.redis.get(key)
    if not raw:
        return False
    owner = getattr(pickle.loads(raw), "instance_id", None)
    if not isinstance(owner, str) or owner == manager.instance_id:
        return False
    if await instance_alive(manager.redis, owner):
        return False
    deleted = await manager.redis.eval(_DELETE_IF_UNCHANGED, 1, key, raw)
    if deleted:
        logger.warning("a tab of a worker that died reconnected; it keeps its token")
    return bool(deleted)


def installed() -> bool:
    """Whether :func:`install` ran in this process.

    Returns:
        True when Reflex's Redis token manager takes over dead workers' tabs.
    """
    return bool(getattr(RedisTokenManager.link_token_to_sid, _MARK, False))


def install() -> None:
    """Let tabs of a dead worker keep their token on reconnect (idempotent)."""
    if installed():
        return
    original = RedisTokenManager.link_token_to_sid

    async def link_token_to_sid(
        self: RedisTokenManager, token: str, sid: str
    ) -> str | None:
        try:
            if await _announce(self):
                await _release_if_owner_died(self, token)
        except Exception as error:  # never worse than Reflex's own behaviour
            logger.warning("checking the worker of a reconnecting tab: %s", error)
        return await original(self, token, sid)

    link_token_to_sid.__doc__ = original.__doc__
    setattr(link_token_to_sid, _MARK, True)
    link_token_to_sid.__wrapped__ = original  # type: ignore[attr-defined]
    RedisTokenManager.link_token_to_sid = link_token_to_sid  # type: ignore[method-assign]
