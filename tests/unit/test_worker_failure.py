"""A worker that dies: Granian respawns it, its tabs keep their client tokens.

Pins the Granian and Reflex internals that :mod:`app.worker_respawn` and
:mod:`app.socket_takeover` rely on, and checks both corrections (the token
takeover against a real Redis, with two token managers standing in for two
workers). The browser test is ``tests/browser/test_worker_killed.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.metadata
import inspect
import pickle
import subprocess
import sys
import uuid
from pathlib import Path

import granian.server
import redis.asyncio
import reflex_base
from granian.server.common import AbstractServer
from reflex.utils import exec as reflex_exec
from reflex.utils.token_manager import RedisTokenManager, SocketRecord

from reflex_meet.app import socket_takeover, worker_respawn

ROOT = Path(__file__).resolve().parents[2]


# ---- Granian: a dead worker shuts the server down unless respawning is on ----


def test_granian_version_is_the_pinned_one():
    assert importlib.metadata.version("granian") == "2.8.7"


def test_granian_stops_serving_when_a_worker_dies_unless_told_to_respawn():
    parameter = inspect.signature(AbstractServer.__init__).parameters[
        "respawn_failed_workers"
    ]
    assert parameter.default is False
    loop = inspect.getsource(AbstractServer._serve_loop)
    assert "if not self.respawn_failed_workers:" in loop
    assert "self._respawn_workers(" in loop


def test_reflex_builds_granian_server_without_respawning():
    source = inspect.getsource(reflex_exec.run_granian_backend_prod)
    assert "from granian.server import Server as Granian" in source
    assert "respawn_failed_workers" not in source


def test_respawning_is_the_default_once_installed():
    worker_respawn.install()
    worker_respawn.install()  # idempotent
    assert worker_respawn.installed()
    server = granian.server.Server(target="app.app:app", workers=3)
    assert server.respawn_failed_workers is True
    explicit = granian.server.Server(target="app.app:app", respawn_failed_workers=False)
    assert explicit.respawn_failed_workers is False


def test_the_reflex_config_installs_respawning():
    probe = (
        "import granian.server, rxconfig; "
        "print(granian.server.Server(target='app.app:app').respawn_failed_workers)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("True")


# ---- Reflex: a reconnect finding a socket record takes a new token ----


def test_reflex_token_manager_internals():
    original = inspect.unwrap(RedisTokenManager.link_token_to_sid)
    assert list(inspect.signature(original).parameters) == ["self", "token", "sid"]
    source = inspect.getsource(original)
    # Any record of the token, whoever wrote it, means "duplicated tab".
    assert "await self.redis.exists(redis_key)" in source
    assert "token = new_token = _get_new_token()" in source
    assert "pickle.dumps(socket_record)" in inspect.getsource(
        RedisTokenManager._store_socket_record
    )
    assert RedisTokenManager._get_redis_key(RedisTokenManager, "t") == (
        "token_manager_socket_record_t"
    )
    assert {"instance_id", "sid"} <= set(SocketRecord.__dataclass_fields__)


async def _kill(manager: RedisTokenManager) -> None:
    """What a SIGKILL does to a worker's Redis subscriptions: they go away."""
    for task in (
        manager._meet_alive.task,  # type: ignore[attr-defined]
        manager._socket_record_task,
    ):
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
    instance = manager.instance_id
    for _ in range(50):
        if not await socket_takeover.instance_alive(manager.redis, instance):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the dead worker's channel kept its subscriber")


def test_a_tab_of_a_dead_worker_keeps_its_token(redis_url):
    socket_takeover.install()
    socket_takeover.install()  # idempotent
    assert socket_takeover.installed()

    async def go() -> None:
        client = redis.asyncio.Redis.from_url(redis_url)
        first, second = RedisTokenManager(client), RedisTokenManager(client)
        token = str(uuid.uuid4())
        key = first._get_redis_key(token)
        try:
            assert await first.link_token_to_sid(token, "sid-1") is None
            assert await socket_takeover.instance_alive(client, first.instance_id)
            # While the first worker lives, another socket with the same token
            # is a duplicated tab: it gets a token of its own (Reflex's rule).
            duplicate = await second.link_token_to_sid(token, "sid-2")
            assert duplicate not in (None, token)
            await client.delete(second._get_redis_key(duplicate))
            # The first worker dies; the tab reconnects to the second one.
            await _kill(first)
            assert await second.link_token_to_sid(token, "sid-3") is None
            record = pickle.loads(await client.get(key))
            assert (record.instance_id, record.sid) == (second.instance_id, "sid-3")
            assert second.token_to_sid[token] == "sid-3"
        finally:
            await client.delete(key)
            await _kill(second)
            await client.aclose()

    asyncio.run(go())


def test_a_record_that_changed_meanwhile_is_not_deleted(redis_url):
    async def go() -> None:
        client = redis.asyncio.Redis.from_url(redis_url)
        manager = RedisTokenManager(client)
        token = str(uuid.uuid4())
        key = manager._get_redis_key(token)
        dead = SocketRecord(instance_id=str(uuid.uuid4()), sid="old")
        try:
            await client.set(key, pickle.dumps(dead))
            assert await socket_takeover._announce(manager)
            # A record of a worker with no subscriber is released...
            assert await socket_takeover._release_if_owner_died(manager, token)
            assert not await client.exists(key)
            # ...unless it names a live worker (this one's channel is held).
            live = SocketRecord(instance_id="other", sid="s")
            await client.set(key, pickle.dumps(live))
            async with client.pubsub() as pubsub:
                await pubsub.subscribe(socket_takeover.alive_channel("other"))
                assert not await socket_takeover._release_if_owner_died(manager, token)
            assert await client.exists(key)
        finally:
            await client.delete(key)
            task = manager._meet_alive.task  # type: ignore[attr-defined]
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await client.aclose()

    asyncio.run(go())


# ---- Reflex's frontend: the hook the media engine learns of reconnects from ----


def test_reflex_frontend_calls_the_socket_hooks():
    template = Path(reflex_base.__file__).parent / ".templates/web/utils/state.js"
    source = template.read_text()
    assert "window.__reflex_otel?.onSocketConnect?.();" in source
    assert "window.__reflex_otel?.onSocketDisconnect?.(reason);" in source
    # Events queued while the socket is down are sent once it is back.
    assert "if (!(socket && socket.connected) && isStateful())" in source
