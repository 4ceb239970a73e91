"""A worker process that dies is started again; the others keep serving.

``reflex run --env prod`` serves the app with Granian: one supervisor
process (the ``reflex`` command itself) holds the listening socket and forks
the workers (``GRANIAN_WORKERS``, with Redis ``2 × cores + 1``). Reflex 0.10.1
builds Granian's server (``reflex.utils.exec.run_granian_backend_prod``)
without ``respawn_failed_workers``, and Granian 2.8 then answers the
unexpected exit of *any* worker (killed by the OOM killer, a segfault in a
native library, ``SIGKILL``) by shutting the whole server down: one lost
worker would end every meeting on the machine.

:func:`install` makes respawning the default for Granian servers built
after it runs. ``rxconfig.py`` calls it, because the config is the one module
the supervisor always imports before it builds the server. A respawned
worker is a fresh process: the Redis state manager holds every room, so the
tabs of the dead worker reconnect to any worker and carry on.

The internals this relies on are pinned by ``tests/unit/test_worker_failure.py``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["install", "installed"]

_MARK = "_meet_respawns_failed_workers"


def installed() -> bool:
    """Whether Granian's server class is the respawning one.

    Returns:
        True once :func:`install` ran in this process.
    """
    import granian.server

    return bool(getattr(granian.server.Server, _MARK, False))


def install() -> None:
    """Make Granian respawn a worker that exits unexpectedly (idempotent).

    Reflex imports ``granian.server.Server`` when it starts the production
    backend, so replacing the module attribute here is enough; an explicit
    ``respawn_failed_workers`` argument still wins.
    """
    import granian.server

    if installed():
        return
    base = granian.server.Server

    class RespawningServer(base):  # type: ignore[misc, valid-type]
        """Granian's server, respawning workers that exit unexpectedly."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("respawn_failed_workers", True)
            super().__init__(*args, **kwargs)

    setattr(RespawningServer, _MARK, True)
    granian.server.Server = RespawningServer
