"""The shared rate limiter: moving windows in memory and in Redis."""

from __future__ import annotations

import asyncio
import logging
import uuid

import pytest
import redis.asyncio

from launch.servers import free_port
from reflex_meet.security import rate_limits
from reflex_meet.security.rate_limits import (
    Limiter,
    RateLimited,
    RefusalLog,
    Rule,
    calls_tab_checks,
    storage_uri,
)

RULE = Rule("test", 3, 1)


def prefix() -> str:
    return "test-limits-" + uuid.uuid4().hex[:8]


async def burst(limiter: Limiter, count: int, *keys: str, rule: Rule = RULE) -> list:
    return [await limiter.hit(rule, *keys) for _ in range(count)]


async def bounded_and_refusals_free(first: Limiter, second: Limiter) -> None:
    """3 per second; 20 refused tries; after retry_after, 3 more get in."""
    accepted = await burst(first, 3, "k")
    assert accepted == [None, None, None]
    refused = [await (first, second)[i % 2].hit(RULE, "k") for i in range(20)]
    assert all(isinstance(r, RateLimited) for r in refused)
    assert all(0 < r.retry_after <= RULE.seconds for r in refused)
    assert await second.hit(RULE, "other") is None  # per key
    # Had the refusals counted, the window would still be full after this.
    await asyncio.sleep(max(r.retry_after for r in refused) + 0.05)
    again = await burst(second, 4, "k")
    assert again[:3] == [None, None, None]
    assert isinstance(again[3], RateLimited)


def test_memory_limit_is_bounded_and_refusals_do_not_count():
    async def go() -> None:
        limiter = Limiter()
        assert not limiter.shared
        await bounded_and_refusals_free(limiter, limiter)

    asyncio.run(go())


def test_redis_two_workers_share_one_budget(redis_url):
    async def go() -> None:
        name = prefix()
        # Two limiters on one Redis, as two worker processes would have.
        first = Limiter(redis_url, key_prefix=name)
        second = Limiter(redis_url, key_prefix=name)
        assert first.shared and second.shared
        try:
            await bounded_and_refusals_free(first, second)
            # Counters expire with their window (Redis stays bounded).
            client = redis.asyncio.Redis.from_url(redis_url)
            keys = [key async for key in client.scan_iter(f"{name}:*")]
            assert keys
            ttls = [await client.ttl(key) for key in keys]
            assert all(0 < ttl <= RULE.seconds for ttl in ttls)
            await client.aclose()
        finally:
            await first.reset()

    asyncio.run(go())


def test_memory_forgets_idle_keys():
    async def go() -> int:
        limiter = Limiter()
        for i in range(500):
            assert await limiter.hit(RULE, f"visitor-{i}") is None
        await asyncio.sleep(RULE.seconds + 0.1)
        await limiter.hit(RULE, "late")  # schedules the expiry sweep
        for _ in range(100):  # the sweep runs in the background
            if len(limiter.storage.events) <= 1:
                break
            await asyncio.sleep(0.1)
        return len(limiter.storage.events)

    assert asyncio.run(go()) <= 1


def test_keys_cannot_collide_through_the_separator():
    async def go() -> tuple:
        limiter = Limiter()
        rule = Rule("one", 1, 60)
        return (
            await limiter.hit(rule, "a/b", "c"),
            await limiter.hit(rule, "a", "b/c"),
        )

    assert asyncio.run(go()) == (None, None)


def test_a_failing_redis_allows_and_logs_once(caplog):
    async def go() -> list:
        limiter = Limiter(f"redis://127.0.0.1:{free_port()}/0")
        return await burst(limiter, 5, "k", rule=Rule("x", 1, 1))

    with caplog.at_level(logging.ERROR, "meet.limits"):
        assert asyncio.run(go()) == [None] * 5
    assert caplog.text.count("rate limits unavailable") == 1


def test_refusals_are_logged_once_not_per_request(caplog):
    async def go() -> None:
        limiter = Limiter()
        await burst(limiter, 50, "tab-1", rule=Rule("flood", 2, 60))

    with caplog.at_level(logging.WARNING, "meet.limits"):
        asyncio.run(go())
    lines = [r for r in caplog.records if "refused" in r.getMessage()]
    assert len(lines) == 1
    assert "flood" in lines[0].getMessage()


def test_secret_keys_are_not_logged(caplog):
    token = str(uuid.uuid4())  # a tab's client token is a secret

    async def go() -> None:
        limiter = Limiter()
        await burst(limiter, 2, token, rule=Rule("one", 1, 60))

    with caplog.at_level(logging.WARNING, "meet.limits"):
        asyncio.run(go())
    assert "refused" in caplog.text
    assert token not in caplog.text


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_refusal_log_first_then_once_per_period_with_a_count():
    clock = Clock()
    log = RefusalLog(every=60.0, per_minute=100, clock=clock)
    assert log.should_log(RULE, ("a",)) == 1
    assert [log.should_log(RULE, ("a",)) for _ in range(9)] == [None] * 9
    assert log.should_log(RULE, ("b",)) == 1
    clock.now += 60.0
    assert log.should_log(RULE, ("a",)) == 10  # the 9 quiet ones + this one


def test_refusal_log_has_a_global_cap_and_bounded_memory():
    clock = Clock()
    log = RefusalLog(every=60.0, per_minute=5, remember=100, clock=clock)
    logged = [log.should_log(RULE, (f"k{i}",)) for i in range(50)]
    assert sum(1 for x in logged if x is not None) == 5
    clock.now += 61.0
    for i in range(1000):
        log.should_log(RULE, (f"n{i}",))
        clock.now += 61.0
    assert len(log._keys) <= 100


def test_rate_limited_shapes():
    limited = RateLimited(Rule("r", 5, 60, "Wait {wait} s."), 2.04)
    assert limited.wait == 2.1
    assert limited.retry_after_header == "3"
    assert limited.description == "Wait 2.1 s."
    assert limited.error() == {
        "code": "rate_limited",
        "description": "Wait 2.1 s.",
        "retryAfter": 2.1,
    }
    tiny = RateLimited(RULE, 0.001)
    assert tiny.wait == 0.1 and tiny.retry_after_header == "1"
    assert RateLimited(rate_limits.CHAT, 1.0).problem().code == "chat_rate_limited"


@pytest.mark.parametrize(
    ("name", "amount", "seconds"), [("a", 0, 1), ("a", 1, 0), ("", 1, 1), ("a/b", 1, 1)]
)
def test_bad_rules(name, amount, seconds):
    with pytest.raises(ValueError):
        Rule(name, amount, seconds)


def test_rule_windows():
    assert Rule("m", 5, 120).item.get_expiry() == 120
    assert Rule("s", 5, 2).item.get_expiry() == 2
    assert rate_limits.CHAT.item.get_expiry() == 2 and rate_limits.CHAT.amount == 5


def test_storage_uri():
    assert storage_uri(None) == storage_uri("") == "async+memory://"
    assert storage_uri("redis://h:1/0") == "async+redis://h:1/0"
    assert storage_uri("rediss://h:1/0") == "async+rediss://h:1/0"
    assert storage_uri("unix:///tmp/r.sock") == "async+redis+unix:///tmp/r.sock"
    with pytest.raises(ValueError):
        storage_uri("http://h")


def test_default_limiter_follows_reflex_config(monkeypatch, redis_url):
    class Config:
        redis_url = ""

    monkeypatch.setattr("reflex.config.get_config", lambda: Config)

    async def shared() -> tuple[bool, bool]:
        first = rate_limits.default_limiter()
        return first.shared, first is rate_limits.default_limiter()

    assert asyncio.run(shared()) == (False, True)
    Config.redis_url = redis_url
    assert asyncio.run(shared()) == (True, True)


def test_calls_tab_checks_most_specific_first():
    rules = [rule for rule, _ in calls_tab_checks("tab", "sessions/new")]
    assert rules == [
        rate_limits.CALLS_SESSIONS_NEW,
        rate_limits.CALLS_TAB_PER_SECOND,
        rate_limits.CALLS_TAB_PER_MINUTE,
    ]
    other = calls_tab_checks("tab", ["sessions/new"])  # junk op
    assert [rule for rule, _ in other] == rules[1:]
    assert all(keys == ("tab",) for _, keys in other)


def test_the_room_limit_counts_all_tabs_of_a_room():
    rule = rate_limits.CALLS_ROOM

    async def go() -> tuple:
        # Count the room's budget down to one, then two requests and another room.
        for _ in range(rule.amount - 1):
            await rate_limits.default_limiter().hit(rule, "busy")
        return (
            await rate_limits.check_calls_room("busy"),
            await rate_limits.check_calls_room("busy"),
            await rate_limits.check_calls_room("quiet"),
            await rate_limits.check_calls_room(""),
        )

    last, over, other, no_room = asyncio.run(go())
    assert last is None and other is None and no_room is None
    assert isinstance(over, RateLimited) and over.rule is rule


def test_a_tab_over_its_limit_does_not_spend_its_room_budget():
    async def go() -> tuple:
        limiter = Limiter()
        room_rule = Rule("room", 10, 60)
        tab_rule = Rule("tab", 2, 60)

        def checks(tab: str) -> list:
            return [(tab_rule, (tab,)), (room_rule, ("r",))]

        flood = [await limiter.hit_all(checks("attacker")) for _ in range(50)]
        others = [await limiter.hit_all(checks(f"tab{i}")) for i in range(4)]
        return flood, others

    flood, others = asyncio.run(go())
    assert sum(1 for x in flood if x is None) == 2
    assert {x.rule.name for x in flood if x is not None} == {"tab"}
    assert others == [None] * 4  # 2 + 8 of the room's 10 left for the others


def test_the_in_memory_storage_expires_old_hits_at_most_once_a_second(monkeypatch):
    """limits 5.8.0 scans every key (a thread hop each) after every hit."""
    import importlib.metadata

    from limits import RateLimitItemPerSecond
    from limits.aio.storage import MemoryStorage
    from limits.aio.strategies import MovingWindowRateLimiter

    from reflex_meet.security.rate_limits import ThrottledMemoryStorage

    assert importlib.metadata.version("limits") == "5.8.0"
    # The private methods the throttle relies on (name-mangled in limits).
    assert hasattr(MemoryStorage, "_MemoryStorage__schedule_expiry")
    assert hasattr(MemoryStorage, "_MemoryStorage__expire_events")
    passes = []

    async def count_pass(self) -> None:
        passes.append(1)

    monkeypatch.setattr(MemoryStorage, "_MemoryStorage__expire_events", count_pass)

    async def burst() -> list[bool]:
        limiter = MovingWindowRateLimiter(ThrottledMemoryStorage())
        item = RateLimitItemPerSecond(50)
        hits = [await limiter.hit(item, f"tab-{i % 7}") for i in range(40)]
        await asyncio.sleep(0.05)
        return hits

    assert all(asyncio.run(burst()))
    assert len(passes) == 1
