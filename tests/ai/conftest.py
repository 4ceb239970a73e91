"""Fixtures: the fake realtime endpoint and the Calls stand-in, as processes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.ai.ai_support import fake  # noqa: F401 (a fixture)
from tests.sfu.sfu_support import SfuProcess, start_sfu, stop_sfu_process


@pytest.fixture(scope="module")
def standin() -> Iterator[SfuProcess]:
    """One Calls stand-in per test module (1 s connect wait)."""
    process = start_sfu("--connect-wait", "1.0")
    yield process
    stop_sfu_process(process.proc)
