"""The benchmarks' app servers: a port no other server shares, its processes."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from bench import procs
from bench.scenarios import log
from launch.servers import ROOT, free_port, reflex_server

__all__ = ["PORT_ATTEMPTS", "app_server"]

PORT_ATTEMPTS = 3


@contextlib.contextmanager
def app_server(
    log_file: Path,
    env: dict[str, str],
    *,
    backend_only: bool = False,
    cwd: Path = ROOT,
) -> Iterator[tuple[str, set[int]]]:
    """Serve a Reflex app in production mode on a port nobody else serves.

    Granian listens with ``SO_REUSEPORT``: if another app server (another
    engineer's tests) picked the same "free" port, both would run and the
    kernel would split the clients between them. Such a start is retried on
    another port.

    Args:
        log_file: Where the server's output goes.
        env: More environment for the server.
        backend_only: Serve only the backend (no page built or served).
        cwd: The app's folder (default: the meeting app).

    Yields:
        The base URL and the server's pids.

    Raises:
        RuntimeError: When no unshared port was found.
    """
    for attempt in range(1, PORT_ATTEMPTS + 1):
        port = free_port()
        what = "starting" if backend_only else "building and starting"
        log(f"{what} {cwd.name} on port {port}")
        with reflex_server(
            port, log_file, env, backend_only=backend_only, cwd=cwd
        ) as url:
            pids = procs.reflex_server_tree(port)
            foreign = procs.listening_pids(port) - pids
            if pids and not foreign:
                log(f"{cwd.name} at {url}, processes {sorted(pids)}")
                yield url, pids
                return
            log(f"port {port} also served by {sorted(foreign)} (try {attempt})")
    raise RuntimeError(f"no unshared port in {PORT_ATTEMPTS} tries")
