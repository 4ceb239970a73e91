"""Starting what tests and benchmarks run against: the app, the Calls stand-in,
Redis; free ports and process groups stopped by their own id.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Debian's Chromium (scripts/setup.sh --test installs it; Playwright cannot
# download its own browser here) and the flags every media test uses: fake
# camera and microphone, loopback ICE, no throttling of background tabs.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--allow-loopback-in-peer-connection",
    "--autoplay-policy=no-user-gesture-required",
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """Return whether something accepts connections on ``host:port``."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def stop_group(proc: subprocess.Popen, timeout: float = 15.0) -> None:
    """Stop a process started with ``start_new_session=True`` and its children.

    Signals the process group by the process's own id, never by name.
    """
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def wait_http(url: str, proc: subprocess.Popen, timeout: float, log: Path) -> None:
    """Wait until ``url`` answers 200, failing early if ``proc`` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"server exited with {proc.returncode}:\n{log.read_text()[-4000:]}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} not ready in {timeout}s:\n{log.read_text()[-4000:]}")


def reflex_env(port: int, log: Path, extra_env: dict[str, str] | None = None) -> dict:
    """The environment of an app server on 127.0.0.1:``port``.

    Its database is ``log`` with the suffix ``.db``: a server started again
    with the same log path keeps its records.
    """
    return {
        **os.environ,
        "REFLEX_USE_NPM": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
        "REFLEX_BACKEND_HOST": "127.0.0.1",
        "REFLEX_API_URL": f"http://127.0.0.1:{port}",
        "REFLEX_DEPLOY_URL": f"http://127.0.0.1:{port}",
        "PYTHONUNBUFFERED": "1",
        # Each server gets its own empty database beside its log.
        "REFLEX_DB_URL": f"sqlite:///{log.with_suffix('.db')}",
        **(extra_env or {}),
    }


def start_reflex(
    port: int,
    env: dict,
    handle,
    *,
    backend_only: bool = False,
    cwd: Path = ROOT,
) -> subprocess.Popen:
    """Start ``reflex run --env prod`` in a process group of its own.

    Args:
        port: Frontend and backend port.
        env: Its environment (see :func:`reflex_env`).
        handle: An open file for its output.
        backend_only: Serve only the backend (events, ``/_meet``; no page is
            built or served): enough for clients that speak the websocket.
        cwd: The Reflex app's folder (default: this project).

    Returns:
        The process (stop it with :func:`stop_group`).
    """
    ports = ["--backend-port", str(port)]
    if backend_only:
        ports.insert(0, "--backend-only")
    else:
        ports = ["--frontend-port", str(port), *ports]
    return subprocess.Popen(
        ["reflex", "run", "--env", "prod", *ports, "--loglevel", "info"],
        cwd=cwd,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_app(
    port: int,
    proc: subprocess.Popen,
    log: Path,
    timeout: float = 600,
    *,
    page: bool = True,
) -> None:
    """Wait until the app server on ``port`` answers ``/ping`` (and its page)."""
    wait_http(f"http://127.0.0.1:{port}/ping", proc, timeout, log)
    if page:
        wait_http(f"http://127.0.0.1:{port}/", proc, 60, log)


@contextlib.contextmanager
def reflex_server(
    port: int,
    log: Path,
    extra_env: dict[str, str] | None = None,
    *,
    backend_only: bool = False,
    cwd: Path = ROOT,
) -> Iterator[str]:
    """Serve the app in production mode on 127.0.0.1:``port``.

    Args:
        port: The port.
        log: Where its output goes (its database goes beside it).
        extra_env: More environment.
        backend_only: Serve only the backend (see :func:`start_reflex`).
        cwd: The Reflex app's folder (default: this project).

    Yields:
        The base URL.
    """
    handle = log.open("w")
    env = reflex_env(port, log, extra_env)
    proc = start_reflex(port, env, handle, backend_only=backend_only, cwd=cwd)
    try:
        wait_app(port, proc, log, page=not backend_only)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_group(proc)
        handle.close()


@contextlib.contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    """A Redis on 127.0.0.1: the machine's on 6379, else a private one.

    Args:
        workdir: Where a private server keeps its (unsaved) files.

    Yields:
        The Redis URL (database 3 of the machine's server, 0 of a private one).
    """
    if port_open(6379):
        yield "redis://127.0.0.1:6379/3"
        return
    server = shutil.which("redis-server")
    if not server:
        raise RuntimeError("redis-server is missing: run scripts/setup.sh --test")
    port = free_port()
    proc = subprocess.Popen(
        [
            server,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 10
        while not port_open(port):
            if time.monotonic() > deadline:
                raise RuntimeError("private redis-server did not start")
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop_group(proc)


def start_announcing(
    args: list[str],
    log: Path,
    *,
    env: dict[str, str] | None = None,
    timeout: float = 20.0,
    what: str = "the server",
) -> tuple[subprocess.Popen, str]:
    """Start a server that prints ``… listening on URL`` once ready.

    It runs in a process group of its own (stop it with :func:`stop_group`),
    its stderr goes to ``log``.

    Args:
        args: Its command line.
        log: Where its stderr goes.
        env: Its environment (default: this one's).
        timeout: Longest wait for the line.
        what: Its name in the error.

    Returns:
        The process and the URL it announced.

    Raises:
        RuntimeError: No such line in time (the process is stopped).
    """
    with log.open("wb") as stderr:
        proc = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            start_new_session=True,
            text=True,
        )
    line: list[str] = []
    reader = threading.Thread(
        target=lambda: line.append(proc.stdout.readline()),  # type: ignore[union-attr]
        daemon=True,
    )
    reader.start()
    reader.join(timeout)
    match = re.search(r" listening on (http://\S+)", line[0]) if line else None
    if not match:
        stop_group(proc)
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{what} did not start: {line!r}\n{tail}")
    return proc, match.group(1)


@contextlib.contextmanager
def calls_standin(log: Path, **options: str) -> Iterator[dict[str, str]]:
    """Run the local Calls stand-in (``python -m reflex_meet.sfu``) on a free port.

    Args:
        log: Where its log goes.
        **options: Extra ``--name value`` options (underscores become dashes).

    Yields:
        ``url`` (the API base, ending in ``/v1``), ``app_id``, ``secret``,
        ``pid``.
    """
    secret = secrets.token_urlsafe(24)
    args = [
        sys.executable,
        "-m",
        "reflex_meet.sfu",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--app-id",
        "local",
        # One argument: a secret may start with "-" (argparse would take it
        # for an option).
        f"--app-secret={secret}",
    ]
    for name, value in options.items():
        args += [f"--{name.replace('_', '-')}", value]
    proc, url = start_announcing(args, log, what="the Calls stand-in")
    try:
        yield {"url": url, "app_id": "local", "secret": secret, "pid": str(proc.pid)}
    finally:
        stop_group(proc)
        if proc.stdout is not None:
            proc.stdout.close()


def standin_env(standin: dict[str, str]) -> dict[str, str]:
    """Environment that points the app at a running stand-in."""
    return {
        "CALLS_APP_ID": "",
        "CALLS_APP_SECRET": "",
        "LOCAL_CALLS_URL": standin["url"],
        "LOCAL_CALLS_APP_ID": standin["app_id"],
        "LOCAL_CALLS_SECRET": standin["secret"],
    }


# Settings a test of the app's start-up must not inherit from the caller.
APP_SETTINGS = ("CALLS_", "LOCAL_CALLS_", "TURN_", "OPENAI_", "MEET_LABELS_FILE")


# Import the app (settings are checked) and run the kit's start-up lifespan
# task (backends logged, database migrated), as a server starting would.
_START_APP = """
import asyncio
import app.app
from reflex_meet.app.mount import start_up


async def main():
    async with start_up():
        pass


asyncio.run(main())
"""


def import_app(env: dict[str, str]) -> subprocess.CompletedProcess:
    """Start the Reflex app in a fresh interpreter, up to serving.

    Args:
        env: The settings to start with (any inherited app settings dropped).

    Returns:
        The finished process, output captured.
    """
    clean = {k: v for k, v in os.environ.items() if not k.startswith(APP_SETTINGS)}
    return subprocess.run(
        [sys.executable, "-c", _START_APP],
        cwd=ROOT,
        # Never the embedded Calls stand-in: it would take the fixed port 7880.
        env={**clean, "MEET_STANDIN": "off", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
