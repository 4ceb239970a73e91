"""A departed tab's Calls tracks are closed however many it held."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from reflex_meet.calls.client import MAX_TRACKS_PER_CALL
from reflex_meet.calls.errors import CallsError
from reflex_meet.core.calls_wire import AnsweredTrack
from reflex_meet.core.problems import Problem
from reflex_meet.state import membership


class _FakeCalls:
    """Records ``close_tracks`` calls; refuses the ones listed in ``refuse``."""

    def __init__(self, mids: int, refuse: Sequence[int] = (), status: int = 500):
        self.tracks = tuple(AnsweredTrack(mid=str(i)) for i in range(mids))
        self.refuse = set(refuse)
        self.status = status
        self.closed: list[list[str]] = []

    async def get_session(self, session_id: str) -> tuple[AnsweredTrack, ...]:
        assert session_id == "departed"
        return self.tracks

    async def close_tracks(
        self, session_id: str, mids: Sequence[str], force: bool = False
    ) -> None:
        assert session_id == "departed" and force
        if len(mids) > MAX_TRACKS_PER_CALL:  # what the real client refuses
            raise CallsError(Problem("invalid_params", "too many"), status=None)
        self.closed.append(list(mids))
        if len(self.closed) - 1 in self.refuse:
            raise CallsError(Problem("backend_error", "no"), status=self.status)


def _close(fake: _FakeCalls, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(membership, "calls_client", lambda: fake)
    asyncio.run(membership._close_calls_session("departed"))


def test_a_tab_with_more_tracks_than_one_call_takes_has_them_all_closed(monkeypatch):
    fake = _FakeCalls(2 * MAX_TRACKS_PER_CALL + 3)
    _close(fake, monkeypatch)
    assert [len(mids) for mids in fake.closed] == [
        MAX_TRACKS_PER_CALL,
        MAX_TRACKS_PER_CALL,
        3,
    ]
    closed = [mid for mids in fake.closed for mid in mids]
    assert closed == [str(i) for i in range(2 * MAX_TRACKS_PER_CALL + 3)]


def test_a_failed_close_does_not_keep_the_rest_open(monkeypatch):
    fake = _FakeCalls(MAX_TRACKS_PER_CALL + 1, refuse=[0])
    _close(fake, monkeypatch)
    assert [len(mids) for mids in fake.closed] == [MAX_TRACKS_PER_CALL, 1]


def test_a_session_that_is_gone_is_not_asked_again(monkeypatch):
    fake = _FakeCalls(MAX_TRACKS_PER_CALL + 1, refuse=[0], status=410)
    _close(fake, monkeypatch)
    assert len(fake.closed) == 1
