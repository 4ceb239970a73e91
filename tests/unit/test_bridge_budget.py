"""One retry layer, one timeout budget for the media bridge's Calls requests.

The server's :class:`calls.client.CallsClient` is the only layer that retries
a Calls request; the page sends each request once and waits at least the
server's worst case. The page's default (``DEFAULT_REPLY_TIMEOUT_MS`` in
``assets/meet/media_logic.js``) and the budget the server hands to the bridge
(``state.media.reply_budget_ms``) are checked here against the retry policy
(``calls.client``), so the two sides cannot drift apart.
"""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import httpx
import pytest

from reflex_meet.calls import client as calls_client_module
from reflex_meet.calls.client import (
    BACKOFF_INITIAL_S,
    BACKOFF_MAX_S,
    MAX_ATTEMPTS,
    CallsClient,
    worst_case_s,
)
from reflex_meet.calls.config import DEFAULT_TIMEOUT_S, CallsConfig
from reflex_meet.calls.errors import CallsHTTPError
from reflex_meet.components.media import media_bridge
from reflex_meet.core.calls_policy import CallsOperation
from reflex_meet.state import media as media_state

ROOT = Path(__file__).resolve().parents[2]
LOGIC = ROOT / "assets/meet/media_logic.js"
BRIDGE_SOURCES = [
    ROOT / "assets/meet" / name
    for name in (
        "connection.js",
        "publisher.js",
        "subscriber.js",
        "devices.js",
        "monitors.js",
        "recovery.js",
        "media_engine.js",
    )
]


def js_constant(name: str) -> int:
    """An ``export const NAME = <int>;`` of media_logic.js."""
    pattern = re.compile(rf"^export const {name} = (\d+);$", re.MULTILINE)
    found = pattern.findall(LOGIC.read_text())
    assert len(found) == 1, f"media_logic.js must define {name} once"
    return int(found[0])


def test_the_worst_case_of_the_retry_policy():
    assert (MAX_ATTEMPTS, BACKOFF_INITIAL_S, BACKOFF_MAX_S) == (4, 0.25, 10.0)
    assert worst_case_s(DEFAULT_TIMEOUT_S) == 4 * 10 + 3 * 10
    assert worst_case_s(2.5, max_attempts=1) == 2.5
    assert worst_case_s(5, max_attempts=2, backoff_max=1) == 11
    for bad in ({"timeout_s": 0}, {"timeout_s": 1, "max_attempts": 0}):
        with pytest.raises(ValueError):
            worst_case_s(**bad)
    with pytest.raises(ValueError):
        worst_case_s(1, max_attempts=True)


def test_the_client_defaults_are_the_policy():
    config = CallsConfig("local", "app", "secret", "http://127.0.0.1:1/v1")
    made = CallsClient(config)
    assert made._max_attempts == MAX_ATTEMPTS
    assert made._backoff_initial == BACKOFF_INITIAL_S
    assert made._backoff_max == BACKOFF_MAX_S


def test_the_pages_default_budget_is_the_servers_default_worst_case_plus_margin():
    margin_ms = js_constant("REPLY_MARGIN_MS")
    assert margin_ms == media_state.REPLY_MARGIN_S * 1000
    expected = round(worst_case_s(DEFAULT_TIMEOUT_S) * 1000) + margin_ms
    assert js_constant("DEFAULT_REPLY_TIMEOUT_MS") == expected
    assert media_state.reply_budget_ms(DEFAULT_TIMEOUT_S) == expected
    # Waiting at least the server's worst case, for any CALLS_TIMEOUT_S.
    for timeout_s in (0.5, 3, 10, 30, 300):
        assert media_state.reply_budget_ms(timeout_s) > worst_case_s(timeout_s) * 1000


def test_the_server_hands_its_budget_to_the_bridge(monkeypatch):
    monkeypatch.setenv("LOCAL_CALLS_URL", "http://127.0.0.1:7880/v1")
    monkeypatch.setenv("CALLS_TIMEOUT_S", "3")
    media_state.calls_config.cache_clear()
    try:
        assert media_state.reply_budget_ms() == (4 * 3 + 3 * 10 + 5) * 1000
        bridge = media_bridge()
        assert str(bridge.reply_timeout_ms) == str((4 * 3 + 3 * 10 + 5) * 1000)
    finally:
        media_state.calls_config.cache_clear()


def test_the_page_has_no_retry_layer_of_its_own():
    source = "\n".join(path.read_text() for path in BRIDGE_SOURCES)
    for gone in ("backoffDelay", "isRetryable", "attempts"):
        assert gone not in source, gone
    logic = LOGIC.read_text()
    assert "export function backoffDelay" not in logic
    assert "export function isRetryable" not in logic


def test_a_forward_is_held_to_the_budget(monkeypatch):
    """The server answers ``calls_timeout`` once its budget is spent, so the
    page (waiting longer) always gets an answer."""

    class Stuck:
        async def request(self, *args, **kwargs):
            await asyncio.sleep(60)

    monkeypatch.setattr(media_state, "calls_client", lambda: Stuck())
    monkeypatch.setattr(media_state, "forward_budget_s", lambda: 0.05)
    operation = CallsOperation(
        op="tracks/new", method="POST", path="tracks/new", session_id="s1", body={}
    )
    started = time.monotonic()
    reply = asyncio.run(media_state._forward(operation))
    assert time.monotonic() - started < 5
    assert reply["status"] == 504
    assert reply["error"]["code"] == "calls_timeout"


def test_a_calls_429_is_waited_by_the_server_not_passed_on_at_once():
    """Calls' rate limit is the server's to wait (Retry-After, capped)."""
    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": "2"}, json={}),
            httpx.Response(201, json={"sessionId": "abc"}),
        ]
    )
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def go() -> object:
        config = CallsConfig("local", "app", "secret", "http://127.0.0.1:1/v1")
        transport = httpx.MockTransport(lambda request: next(answers))
        async with CallsClient(config, transport=transport, sleep=sleep) as made:
            return await made.request("POST", "sessions/new")

    assert asyncio.run(go()) == (201, {"sessionId": "abc"})
    assert sleeps == [2.0]
    assert CallsHTTPError is calls_client_module.CallsHTTPError
