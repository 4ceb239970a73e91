"""Fixtures: the stand-in as a real subprocess on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sfu.sfu_support import SfuProcess, start_sfu, stop_sfu_process


@pytest.fixture(scope="session")
def sfu() -> Iterator[SfuProcess]:
    """One stand-in for the contract tests (1 s connect wait)."""
    process = start_sfu("--connect-wait", "1.0")
    yield process
    stop_sfu_process(process.proc)


@pytest.fixture(scope="module")
def sfu_short() -> Iterator[SfuProcess]:
    """A stand-in with short timeouts (connect wait, track and session expiry)."""
    process = start_sfu(
        "--connect-wait",
        "0.5",
        "--track-timeout",
        "1.5",
        "--session-timeout",
        "3",
    )
    yield process
    stop_sfu_process(process.proc)
