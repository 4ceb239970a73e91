"""The embedded default: the app starts the local stand-in when none runs.

Without ``CALLS_APP_ID``/``CALLS_APP_SECRET`` the kit talks to the local
Calls stand-in (``LOCAL_CALLS_URL``, default ``http://127.0.0.1:7880/v1``).
When nothing answers there, :func:`embedded_standin` (a lifespan context of
the app) starts ``python -m reflex_meet.sfu`` on that loopback address with
the configured app id and secret, in a process group of its own, and stops
it (by its group id) when the server stops. So ``reflex run`` in a host app
with no setting at all has working media.

Several workers starting at once race for the port: one stand-in binds it,
the others' exit at once and they use the winner's. A stand-in that is
already running (``scripts/run.sh`` starts one; so may the developer) is
used as it is. ``MEET_STANDIN=off`` turns this off (the URL must then be
served by someone else); any other value than ``auto`` (the default) or
``off`` is refused at start-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping
from urllib.parse import urlsplit

from reflex_meet.calls.config import CallsConfig, is_loopback

__all__ = ["StandinError", "embedded_standin", "standin_mode"]

logger = logging.getLogger("meet.standin")

START_TIMEOUT_S = 30.0
# After losing the race for the port, the winner answers within this.
LOST_RACE_WAIT_S = 5.0


class StandinError(RuntimeError):
    """The embedded stand-in is misconfigured or could not start."""


def standin_mode(env: Mapping[str, str]) -> str:
    """Read ``MEET_STANDIN``.

    Args:
        env: The environment.

    Returns:
        ``"auto"`` (default) or ``"off"``.

    Raises:
        StandinError: Any other value.
    """
    mode = env.get("MEET_STANDIN", "").strip().lower() or "auto"
    if mode not in ("auto", "off"):
        msg = f"MEET_STANDIN must be 'auto' or 'off', got {env['MEET_STANDIN']!r}."
        raise StandinError(msg)
    return mode


def _answers(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _address(config: CallsConfig) -> tuple[str, int] | None:
    """The loopback host and port to start a stand-in on, if that applies."""
    if config.backend != "local":
        return None
    parts = urlsplit(config.api_url)
    host = parts.hostname or ""
    if not is_loopback(host) or parts.path.rstrip("/") != "/v1":
        return None
    return ("127.0.0.1" if host == "localhost" else host), parts.port or 80


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


async def _wait_ready(proc: subprocess.Popen, host: str, port: int) -> bool:
    """Wait for the stand-in's "listening" line; False when it lost the race.

    Raises:
        StandinError: It neither started nor found another one serving.
    """
    assert proc.stdout is not None
    try:
        line = await asyncio.wait_for(
            asyncio.to_thread(proc.stdout.readline), START_TIMEOUT_S
        )
    except TimeoutError:
        line = ""
    if "listening on" in line:
        return True
    # It exited (the port was taken): another worker's stand-in, which
    # answers at once, or something else, which does not.
    deadline = time.monotonic() + LOST_RACE_WAIT_S
    while time.monotonic() < deadline:
        if _answers(host, port):
            return False
        await asyncio.sleep(0.1)
    _stop(proc)
    msg = (
        f"the local Calls stand-in did not start on {host}:{port} (is the "
        "port used by something else? set LOCAL_CALLS_URL to another one, or "
        "MEET_STANDIN=off and run one yourself)"
    )
    raise StandinError(msg)


@contextlib.asynccontextmanager
async def embedded_standin(
    config: CallsConfig, env: Mapping[str, str] | None = None
) -> AsyncIterator[subprocess.Popen | None]:
    """Run the local stand-in for the app's lifetime when none answers.

    Args:
        config: The app's Calls settings.
        env: The environment (default: this process's).

    Yields:
        The stand-in this context started, or None when it started none.

    Raises:
        StandinError: It was needed but did not start.
    """
    env = os.environ if env is None else env
    address = _address(config)
    if standin_mode(env) == "off" or address is None or _answers(*address):
        yield None
        return
    host, port = address
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reflex_meet.sfu",
            "--host",
            host,
            "--port",
            str(port),
            "--app-id",
            config.app_id,
        ],
        # The secret through the environment, not the command line that
        # every local user can read (ps).
        env={**os.environ, "SFU_APP_SECRET": config.app_secret},
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        ours = await _wait_ready(proc, host, port)
        if ours:
            logger.warning(
                "started the local Calls stand-in at %s (pid %d)",
                config.api_url,
                proc.pid,
            )
        yield proc if ours else None
    finally:
        _stop(proc)
