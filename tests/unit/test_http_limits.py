"""Rate limits on the /_meet routes: 429 with Retry-After, per address and route."""

from __future__ import annotations

import asyncio
import math
import time
import uuid

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route

import reflex_meet.app.api as app_api
from reflex_meet.security import rate_limits
from reflex_meet.security.http_limits import OTHER_ROUTE, HttpRateLimit, route_rule
from reflex_meet.security.rate_limits import Limiter
from reflex_meet.security.tokens import check_tab_key, tab_key
from reflex_meet.state import membership, presence


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/_meet/heartbeat", None),  # presence counts per tab, see below
        ("/_meet/leave", None),
        ("/_meet/bug-report", ("/_meet/bug-report", rate_limits.HTTP_ROUTE)),
        ("/_meet/bug-reports/x", ("/_meet/bug-reports/", rate_limits.HTTP_ROUTE)),
        ("/_meet/meetings/1", ("/_meet/meetings/", rate_limits.HTTP_ROUTE)),
        ("/_meet/track-report", ("/_meet/track-report", rate_limits.HTTP_ROUTE)),
        ("/_meet/health", ("/_meet/health", rate_limits.HTTP_ROUTE)),
        ("/_meet/heartbeat/", (OTHER_ROUTE, rate_limits.HTTP_ROUTE)),
        ("/_meet/whatever", (OTHER_ROUTE, rate_limits.HTTP_ROUTE)),
        ("/_meet", (OTHER_ROUTE, rate_limits.HTTP_ROUTE)),
        ("/apiary", None),
        ("/_event", None),
        ("/", None),
    ],
)
def test_route_rule(path, expected):
    assert route_rule(path) == expected


async def ok(_request) -> PlainTextResponse:
    return PlainTextResponse("ok")


def small_app(limiter: Limiter) -> Starlette:
    return Starlette(
        routes=[
            Route("/_meet/health", ok),
            Route("/_meet/bug-report", ok, methods=["POST"]),
            Route("/page", ok),
        ],
        middleware=[Middleware(HttpRateLimit, limiter=lambda: limiter)],
    )


def client(asgi_app, host: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=asgi_app, client=(host, 5000))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


def test_past_the_limit_429_with_retry_after_others_unaffected():
    limit = rate_limits.HTTP_ROUTE.amount

    async def go() -> dict:
        asgi = small_app(Limiter())
        async with (
            client(asgi, "10.0.0.1") as attacker,
            client(asgi, "10.0.0.2") as other,
        ):
            flood = [await attacker.get("/_meet/health") for _ in range(limit + 30)]
            return {
                "flood": flood,
                "route": await attacker.post("/_meet/bug-report"),
                "page": [await attacker.get("/page") for _ in range(limit + 5)],
                "other": await other.get("/_meet/health"),
            }

    got = asyncio.run(go())
    statuses = [r.status_code for r in got["flood"]]
    assert statuses[:limit] == [200] * limit
    refused = [r for r in got["flood"] if r.status_code == 429]
    assert len(refused) >= 10  # the flood outran the 1 s window here
    for response in refused:
        assert response.json()["error"]["code"] == "rate_limited"
        assert response.json()["error"]["description"]
        assert response.headers["Retry-After"] == "1"
        assert response.headers["content-type"] == "application/json"
    assert got["route"].status_code == 200  # another route
    assert all(r.status_code == 200 for r in got["page"])  # not under /_meet
    assert got["other"].status_code == 200  # another address


@pytest.fixture
def present(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every tab with a valid key is present (no Reflex app needed)."""

    async def touch(room: str, participant: str, key: str, now: float):
        return {participant: now} if check_tab_key(room, participant, key) else None

    async def sweep_room(*_args, **_kwargs) -> None:
        return None

    monkeypatch.setattr(presence, "touch", touch)
    monkeypatch.setattr(membership, "sweep_room", sweep_room)


def test_a_presence_flood_from_an_address_never_crowds_out_a_proven_tab(present):
    """Wrong keys count per address; a real tab behind the same address (a
    NAT) keeps its heartbeats, limited only per tab."""
    room, me = "daily", "p-" + uuid.uuid4().hex[:10]
    mine = {"room": room, "participant": me, "key": tab_key(room, me)}
    wrong = {**mine, "key": "0" * 32}

    async def go() -> dict:
        async with client(app_api.api, "10.9.9.9") as same_address:
            started = time.monotonic()
            junk = await asyncio.gather(
                *(same_address.post("/_meet/heartbeat", json=wrong) for _ in range(120))
            )
            elapsed = time.monotonic() - started
            malformed = await same_address.post("/_meet/heartbeat", content=b"{}")
            during = await same_address.post("/_meet/heartbeat", json=mine)
            own_burst = [
                await same_address.post("/_meet/heartbeat", json=mine)
                for _ in range(10)
            ]
            return {
                "junk": junk,
                "malformed": malformed,
                "during": during,
                "own_burst": own_burst,
                "elapsed": elapsed,
            }

    got = asyncio.run(go())
    statuses = [r.status_code for r in got["junk"]]
    # At most the limit per second went through (a loaded machine may take
    # more than a second for the flood; each second lets the limit through).
    seconds = math.ceil(got["elapsed"]) + 1
    assert statuses.count(410) <= rate_limits.PRESENCE_UNPROVEN.amount * seconds
    assert statuses.count(429) >= 120 - rate_limits.PRESENCE_UNPROVEN.amount * seconds
    assert set(statuses) <= {410, 429}
    assert got["malformed"].status_code == 422  # its own error, always
    refused = next(r for r in got["junk"] if r.status_code == 429)
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["error"]["code"] == "rate_limited"
    assert got["during"].status_code == 204
    burst = [r.status_code for r in got["own_burst"]]
    assert 429 in burst and set(burst) == {204, 429}  # the tab's own limit
