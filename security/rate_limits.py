"""Rate limits shared by every worker process (the ``limits`` package).

Every limit is a named :class:`Rule` below; callers ask :func:`hit` (or
:func:`hit_all` for several rules at once) and get ``None`` (allowed, and
counted) or a :class:`RateLimited` with the wait in seconds. Refused attempts
are not counted, so someone who keeps trying is let in again as soon as the
window has room.

==========================  =============  ==================================
Rule                        Limit          Counted per
==========================  =============  ==================================
``CALLS_SESSIONS_NEW``      5 / minute     tab (``sessions/new`` only)
``CALLS_TAB_PER_SECOND``    20 / second    tab (every Calls request)
``CALLS_TAB_PER_MINUTE``    300 / minute   tab (every Calls request)
``CALLS_ROOM``              200 / second   room (Calls requests of all tabs)
``CHAT``                    5 / 2 seconds  participant (chat messages)
``PRESENCE_TAB``            5 / second     tab (heartbeats and leave beacons
                                           with a valid tab key)
``PRESENCE_UNPROVEN``       20 / second    client address (heartbeats and
                                           beacons with a wrong key)
``HTTP_ROUTE``              20 / second    client address and route (every
                                           other ``/_meet/…`` route; unknown
                                           paths share one)
``BUG_REPORTS``             5 / minute     client address (valid reports)
``TRACK_REPORTS``           30 / minute    participant (proven reports)
==========================  =============  ==================================

Why these numbers: a join makes about 2 + 2 × (tracks pulled) Calls requests,
a recovery a burst of the same size, and joining a 50-person meeting pulls
100 tracks in a handful of ``tracks/new`` requests, so a tab stays far below
20 requests a second and 300 a minute; a tab opens one session per join or
recovery (5 a minute leaves room for repeated recoveries). A heartbeat comes
every 5 s per tab. Presence requests that prove a tab are never counted
per address, so a neighbour behind the same NAT cannot get your tab swept
out by flooding; only requests with a wrong key share the address's
budget. The HTTP_ rules stop floods before a route runs
(:mod:`security.http_limits`);
the per-minute report rules count only reports about to be stored, so a
malformed request gets its own error, not a rate limit, and a person's typo
costs no budget. Admin reads need the admin token: the flood rule is enough.

Storage: in memory when Reflex runs without Redis (one worker), in Redis when
``REFLEX_REDIS_URL`` (``rx.Config.redis_url``) is set, so all workers share
one budget. The strategy is the *moving window*: each accepted hit is a
timestamp and a request is refused when ``amount`` hits lie in the last
``seconds`` — exact, no double burst at a window boundary as a fixed window
allows (an attacker could otherwise get 2 × the limit across a boundary), at
the cost of keeping up to ``amount`` timestamps per key (≤ 300 here), which
expire with the window.

If Redis fails, requests are allowed (and the failure logged, throttled):
Reflex's state lives in the same Redis, so the app is down anyway, and a
limiter outage must not be what stops a meeting.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import time
import urllib.parse
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from limits import RateLimitItem, RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from reflex_meet.core.problems import Problem

# How often the in-memory storage drops hits older than their window.
EXPIRY_INTERVAL_S = 1.0


class ThrottledMemoryStorage(MemoryStorage):
    """limits' async in-memory storage, dropping old hits at most once a second.

    limits 5.8.0 starts a pass over *every* key after every hit, and the pass
    hops to a worker thread once per key (``asyncio.to_thread`` around one
    bisect): with the heartbeats of a room of 50 that was most of an idle
    room's CPU. The moving-window strategy compares each hit's time itself,
    so a hit past its window never counts; the pass only frees memory, and
    once a second is plenty. ``tests/unit/test_rate_limits.py`` pins the
    private method this overrides.
    """

    _meet_last_expiry: float = -math.inf

    async def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 (limits' name)
        now = time.monotonic()
        if now - self._meet_last_expiry < EXPIRY_INTERVAL_S:
            return
        self._meet_last_expiry = now
        await super()._MemoryStorage__schedule_expiry()  # type: ignore[misc]


__all__ = [
    "BUG_REPORTS",
    "CALLS_ROOM",
    "CALLS_SESSIONS_NEW",
    "CALLS_TAB_PER_MINUTE",
    "CALLS_TAB_PER_SECOND",
    "CHAT",
    "HTTP_ROUTE",
    "PRESENCE_TAB",
    "PRESENCE_UNPROVEN",
    "TRACK_REPORTS",
    "Limiter",
    "RateLimited",
    "RefusalLog",
    "Rule",
    "calls_tab_checks",
    "check_calls_room",
    "default_limiter",
    "hit",
    "hit_all",
    "storage_uri",
]

logger = logging.getLogger("meet.limits")

# Seconds to wait for Redis before allowing the request anyway.
REDIS_TIMEOUT = 2.0
KEY_PREFIX = "meet-limits"


@dataclass(frozen=True)
class Rule:
    """A named limit: at most ``amount`` hits in any ``seconds`` seconds.

    Attributes:
        name: Unique name (part of the storage key).
        amount: Hits allowed per window (at least 1).
        seconds: Window length in whole seconds (at least 1).
        message: Plain words for people; ``{wait}`` is the wait in seconds.
        code: The error code a refusal carries.
    """

    name: str
    amount: int
    seconds: int
    message: str = "Too many requests; try again in {wait} s."
    code: str = "rate_limited"
    item: RateLimitItem = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Validate and build the ``limits`` item.

        Raises:
            ValueError: If ``amount`` or ``seconds`` is below 1, or the name
                has a ``/`` (the key separator).
        """
        if self.amount < 1 or self.seconds < 1 or not self.name or "/" in self.name:
            msg = f"bad rule {self.name!r}: amount and seconds must be >= 1"
            raise ValueError(msg)
        if self.seconds % 60 == 0:
            item = RateLimitItemPerMinute(self.amount, self.seconds // 60, self.name)
        else:
            item = RateLimitItemPerSecond(self.amount, self.seconds, self.name)
        object.__setattr__(self, "item", item)


_CALLS_MESSAGE = "Too many media requests from this tab; try again in {wait} s."

CALLS_SESSIONS_NEW = Rule(
    "calls-sessions-new",
    5,
    60,
    "This tab opened too many media sessions; try again in {wait} s.",
)
CALLS_TAB_PER_SECOND = Rule("calls-tab-second", 20, 1, _CALLS_MESSAGE)
CALLS_TAB_PER_MINUTE = Rule("calls-tab-minute", 300, 60, _CALLS_MESSAGE)
CALLS_ROOM = Rule(
    "calls-room",
    200,
    1,
    "Too many media requests in this room; try again in {wait} s.",
)
CHAT = Rule(
    "chat",
    5,
    2,
    "You are sending messages too fast; try again in {wait} s.",
    code="chat_rate_limited",
)
PRESENCE_TAB = Rule("presence-tab", 5, 1)
PRESENCE_UNPROVEN = Rule("presence-unproven", 20, 1)
HTTP_ROUTE = Rule("http-route", 20, 1)
BUG_REPORTS = Rule("bug-reports", 5, 60, "Too many reports; try again in {wait} s.")
TRACK_REPORTS = Rule(
    "track-reports", 30, 60, "Too many reports; try again in {wait} s."
)


@dataclass(frozen=True)
class RateLimited:
    """A refusal: which rule, and how long until a retry can succeed.

    Attributes:
        rule: The rule that refused.
        retry_after: Seconds until the window has room again (> 0).
    """

    rule: Rule
    retry_after: float

    @property
    def wait(self) -> float:
        """The wait rounded up to a tenth of a second (at least 0.1)."""
        return max(0.1, math.ceil(self.retry_after * 10) / 10)

    @property
    def retry_after_header(self) -> str:
        """The wait as an HTTP ``Retry-After`` value: whole seconds, at least 1."""
        return str(max(1, math.ceil(self.retry_after)))

    @property
    def description(self) -> str:
        """Plain words for people, with the wait."""
        return self.rule.message.format(wait=f"{self.wait:g}")

    def problem(self) -> Problem:
        """The refusal as a :class:`~core.problems.Problem`."""
        return Problem(self.rule.code, self.description)

    def error(self) -> dict[str, object]:
        """``{"code", "description", "retryAfter"}`` (seconds) for a reply."""
        return {
            "code": self.rule.code,
            "description": self.description,
            "retryAfter": self.wait,
        }


class RefusalLog:
    """Decides which refusals to log, so a flood cannot flood the log.

    The first refusal of a ``(rule, key)`` is logged, then at most one line
    per ``every`` seconds for it (with the count refused meanwhile), and at
    most ``per_minute`` lines a minute in all. Memory is bounded.

    Example:
        ``count = log.should_log(rule, keys)``; log when it is not None.
    """

    def __init__(
        self,
        every: float = 60.0,
        per_minute: int = 30,
        remember: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Set up an empty log filter.

        Args:
            every: Seconds between two lines about the same key.
            per_minute: Lines allowed per minute in all.
            remember: Keys remembered at most (the oldest are forgotten).
            clock: Returns the time in seconds (injectable for tests).
        """
        self.every = every
        self.per_minute = per_minute
        self.remember = remember
        self._clock = clock
        self._keys: OrderedDict[tuple[str, ...], list[float]] = OrderedDict()
        self._lines: list[float] = []

    def should_log(self, rule: Rule, keys: Sequence[str]) -> int | None:
        """Count a refusal; say whether to log it.

        Args:
            rule: The rule that refused.
            keys: What it was counted for.

        Returns:
            None to stay quiet, else how many refusals of this key the line
            stands for (1 for the first).
        """
        now = self._clock()
        ident = (rule.name, *keys)
        seen = self._keys.get(ident)
        if seen is not None and now - seen[0] < self.every:
            seen[1] += 1
            return None
        self._lines = [at for at in self._lines if now - at < 60.0]
        if len(self._lines) >= self.per_minute:
            if seen is not None:
                seen[1] += 1
            return None
        self._lines.append(now)
        count = 1 if seen is None else int(seen[1]) + 1
        self._keys[ident] = [now, 0]
        self._keys.move_to_end(ident)
        while len(self._keys) > self.remember:
            self._keys.popitem(last=False)
        return count


def _quote(key: str) -> str:
    # Keys are joined with "/" by `limits`: quote so ("a/b", "c") != ("a", "b/c").
    return urllib.parse.quote(key, safe="")


def _shown(key: str) -> str:
    # Tab tokens are secrets (a socket with another's token is that tab):
    # logs get a short digest of long keys, never the key itself.
    if len(key) <= 16:
        return key
    return "#" + hashlib.sha256(key.encode()).hexdigest()[:10]


def storage_uri(redis_url: str | None) -> str:
    """The ``limits`` storage URI for Reflex's Redis URL (or memory).

    Args:
        redis_url: ``redis://…``, ``rediss://…``, ``unix://…`` or None/"".

    Returns:
        ``async+redis://…`` (etc.) or ``async+memory://``.

    Raises:
        ValueError: For any other scheme (Reflex refuses those too).
    """
    if not redis_url:
        return "async+memory://"
    for scheme, target in (
        ("redis://", "async+redis://"),
        ("rediss://", "async+rediss://"),
        ("unix://", "async+redis+unix://"),
    ):
        if redis_url.startswith(scheme):
            return target + redis_url.removeprefix(scheme)
    msg = "the Redis URL must start with redis://, rediss:// or unix://"
    raise ValueError(msg)


class Limiter:
    """Moving-window counters in memory or in a Redis shared by all workers.

    Bound to the event loop that first uses it (Redis connections are), so
    take it from :func:`default_limiter` in the app.
    """

    def __init__(
        self,
        redis_url: str | None = None,
        *,
        key_prefix: str = KEY_PREFIX,
        refusal_log: RefusalLog | None = None,
    ) -> None:
        """Create the storage (connections open on first use).

        Args:
            redis_url: Reflex's Redis URL; None or "" keeps counts in memory.
            key_prefix: Prefix of every Redis key.
            refusal_log: Which refusals to log (default: a new filter).
        """
        uri = storage_uri(redis_url)
        if uri.startswith("async+memory"):
            self.storage: MemoryStorage | RedisStorage = ThrottledMemoryStorage()
        else:
            self.storage = RedisStorage(
                uri,
                implementation="redispy",
                key_prefix=key_prefix,
                wrap_exceptions=True,
                socket_timeout=REDIS_TIMEOUT,
                socket_connect_timeout=REDIS_TIMEOUT,
            )
        self.shared = isinstance(self.storage, RedisStorage)
        self._strategy = MovingWindowRateLimiter(self.storage)
        self._log = refusal_log or RefusalLog()
        self._failed_at = -math.inf

    async def hit(
        self, rule: Rule, *keys: str, log_as: str | None = None
    ) -> RateLimited | None:
        """Count one hit of ``rule`` for ``keys`` if the window has room.

        Args:
            rule: The rule.
            *keys: What the hit is counted for (e.g. a tab, a room).
            log_as: Who, in plain words, for the log line of a refusal.

        Returns:
            None when allowed (and counted), else the refusal (not counted).
        """
        return await self.hit_all([(rule, keys)], log_as=log_as)

    async def hit_all(
        self,
        checks: Iterable[tuple[Rule, Sequence[str]]],
        *,
        log_as: str | None = None,
    ) -> RateLimited | None:
        """Count one hit of each rule in turn; stop at the first refusal.

        Hits already counted for earlier rules stay counted when a later
        rule refuses: put the most specific (most likely to refuse) first,
        so one abusive tab never spends its room's budget.

        Args:
            checks: ``(rule, keys)`` pairs, in order.
            log_as: Who, in plain words, for the log line of a refusal.

        Returns:
            None when every rule allowed, else the first refusal.
        """
        for rule, keys in checks:
            quoted = [_quote(key) for key in keys]
            try:
                if await self._strategy.hit(rule.item, *quoted):
                    continue
                stats = await self._strategy.get_window_stats(rule.item, *quoted)
            except StorageError as failure:
                self._storage_failed(failure)
                return None
            wait = stats.reset_time - time.time()
            # Never "retry in 0 s" (clock skew between workers, rounding).
            limited = RateLimited(rule, min(max(wait, 0.05), float(rule.seconds)))
            count = self._log.should_log(rule, keys)
            if count is not None:
                logger.warning(
                    "rate limit %s (%d per %d s) refused %s%s",
                    rule.name,
                    rule.amount,
                    rule.seconds,
                    log_as or "/".join(_shown(key) for key in keys),
                    "" if count == 1 else f" ({count} refusals since the last line)",
                )
            return limited
        return None

    def _storage_failed(self, failure: Exception) -> None:
        now = time.monotonic()
        if now - self._failed_at >= 60.0:
            self._failed_at = now
            logger.error("rate limits unavailable, allowing requests: %s", failure)

    async def reset(self) -> None:
        """Forget every count (tests; with Redis only this limiter's prefix)."""
        await self.storage.reset()


_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Limiter] = (
    weakref.WeakKeyDictionary()
)


def _configured_redis_url() -> str | None:
    from reflex.config import get_config  # the way Reflex reads it

    return get_config().redis_url or None


def default_limiter() -> Limiter:
    """This process's limiter (per event loop), on Reflex's Redis if set.

    Returns:
        The limiter for the running event loop.
    """
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = Limiter(_configured_redis_url())
    return limiter


async def hit(rule: Rule, *keys: str, log_as: str | None = None) -> RateLimited | None:
    """Count one hit on the default limiter (see :meth:`Limiter.hit`).

    Args:
        rule: The rule.
        *keys: What the hit is counted for.
        log_as: Who, in plain words, for the log line of a refusal.

    Returns:
        None when allowed (and counted), else the refusal.
    """
    return await default_limiter().hit(rule, *keys, log_as=log_as)


async def hit_all(
    checks: Iterable[tuple[Rule, Sequence[str]]], *, log_as: str | None = None
) -> RateLimited | None:
    """Several rules on the default limiter (see :meth:`Limiter.hit_all`).

    Args:
        checks: ``(rule, keys)`` pairs, most specific first.
        log_as: Who, in plain words, for the log line of a refusal.

    Returns:
        None when every rule allowed, else the first refusal.
    """
    return await default_limiter().hit_all(checks, log_as=log_as)


def calls_tab_checks(tab: str, op: object) -> list[tuple[Rule, tuple[str]]]:
    """The tab's rules one Calls request counts against, in order.

    Counted when the event arrives (:mod:`security.calls_throttle`), before
    Reflex processes it, so a refused request costs the room nothing.

    Args:
        tab: The tab's client token.
        op: The requested operation (any value the browser sent).

    Returns:
        ``(rule, keys)`` pairs: ``sessions/new`` first, then the tab's rules.
    """
    checks: list[tuple[Rule, tuple[str]]] = []
    if op == "sessions/new":
        checks.append((CALLS_SESSIONS_NEW, (tab,)))
    checks += [(CALLS_TAB_PER_SECOND, (tab,)), (CALLS_TAB_PER_MINUTE, (tab,))]
    return checks


async def check_calls_room(
    room: str, *, log_as: str | None = None
) -> RateLimited | None:
    """Count one Calls request against its room's limit (all tabs together).

    Args:
        room: The tab's room ("" when it is in none: nothing is counted).
        log_as: Who, in plain words, for the log line of a refusal.

    Returns:
        None when allowed, else the refusal (nothing may be forwarded).
    """
    if not room:
        return None
    return await hit(CALLS_ROOM, room, log_as=log_as)
