"""The chat rate limiter: 5 messages per 2 s per sender, sliding window."""

from __future__ import annotations

import pytest

from records.rate_limit import ChatRateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_five_per_two_seconds(clock):
    limiter = ChatRateLimiter(clock=clock)
    assert [limiter.allow("a") for _ in range(5)] == [True] * 5
    assert limiter.allow("a") is False
    assert limiter.allow("b") is True  # per sender


def test_window_slides(clock):
    limiter = ChatRateLimiter(clock=clock)
    for step in range(5):
        clock.now = 1000.0 + step * 0.3  # 1000.0 .. 1001.2
        assert limiter.allow("a")
    clock.now = 1001.9
    assert not limiter.allow("a")
    assert limiter.retry_after("a") == pytest.approx(0.1)
    clock.now = 1002.0  # the first message (1000.0) leaves the window
    assert limiter.allow("a")
    assert not limiter.allow("a")
    clock.now = 1002.3  # the second one (1000.3) leaves
    assert limiter.allow("a")


def test_refused_attempts_do_not_count(clock):
    limiter = ChatRateLimiter(limit=2, window=1.0, clock=clock)
    assert limiter.allow("a") and limiter.allow("a")
    for _ in range(10):
        assert not limiter.allow("a")
    clock.now += 1.0
    assert limiter.allow("a") and limiter.allow("a")


def test_check_returns_a_problem(clock):
    limiter = ChatRateLimiter(limit=1, window=2.0, clock=clock)
    assert limiter.check("a") is None
    problem = limiter.check("a")
    assert problem is not None
    assert problem.code == "chat_rate_limited"
    assert "2.0" in problem.description
    assert limiter.retry_after("b") == 0.0


def test_forget_and_memory_is_bounded(clock):
    limiter = ChatRateLimiter(limit=1, window=1.0, clock=clock)
    limiter.allow("a")
    limiter.forget("a")
    assert limiter.allow("a")
    for i in range(3000):
        limiter.allow(f"s{i}")
        clock.now += 0.01
    assert len(limiter._sent) <= 1100


@pytest.mark.parametrize(("limit", "window"), [(0, 1.0), (1, 0.0), (1, -1.0)])
def test_bad_settings(limit, window):
    with pytest.raises(ValueError):
        ChatRateLimiter(limit=limit, window=window)
