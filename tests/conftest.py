"""Shared test configuration: the project root is importable (see pyproject)."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.support import free_port, port_open, stop_group


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests last.

    Playwright's sync API keeps an asyncio event loop running in the main
    thread for the rest of the session once a browser test ran; tests that use
    ``asyncio.run`` (the Calls client, the stand-in, the records) must come
    before it.
    """
    items.sort(key=lambda item: "tests/browser/" in item.nodeid.replace("\\", "/"))


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis on 127.0.0.1: the machine's on 6379, else a private one."""
    if port_open(6379):
        yield "redis://127.0.0.1:6379/3"
        return
    server = shutil.which("redis-server")
    assert server, "redis-server is missing: run scripts/setup.sh --test"
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
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
    deadline = time.monotonic() + 10
    while not port_open(port):
        assert time.monotonic() < deadline, "private redis-server did not start"
        time.sleep(0.1)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop_group(proc)
