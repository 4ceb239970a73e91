"""Shared test configuration: the project root is importable (see pyproject)."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests last.

    Playwright's sync API keeps an asyncio event loop running in the main
    thread for the rest of the session once a browser test ran; tests that use
    ``asyncio.run`` (the Calls client, the stand-in, the records) must come
    before it.
    """
    items.sort(key=lambda item: "tests/browser/" in item.nodeid.replace("\\", "/"))
