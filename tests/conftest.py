"""Shared test configuration: the project root is importable (see pyproject)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from launch.servers import redis_server


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
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url
