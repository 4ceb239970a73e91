"""Rate limits on the /api routes: 429 with Retry-After, per address and route."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route

import app.api as app_api
from security import rate_limits
from security.http_limits import OTHER_ROUTE, HttpRateLimit, route_rule
from security.rate_limits import Limiter


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/heartbeat", ("/api/heartbeat", rate_limits.HTTP_PRESENCE)),
        ("/api/leave", ("/api/leave", rate_limits.HTTP_PRESENCE)),
        ("/api/bug-report", ("/api/bug-report", rate_limits.HTTP_ROUTE)),
        ("/api/bug-reports/x", ("/api/bug-reports/", rate_limits.HTTP_ROUTE)),
        ("/api/meetings/1", ("/api/meetings/", rate_limits.HTTP_ROUTE)),
        ("/api/track-report", ("/api/track-report", rate_limits.HTTP_ROUTE)),
        ("/api/health", ("/api/health", rate_limits.HTTP_ROUTE)),
        ("/api/heartbeat/", (OTHER_ROUTE, rate_limits.HTTP_ROUTE)),
        ("/api/whatever", (OTHER_ROUTE, rate_limits.HTTP_ROUTE)),
        ("/api", (OTHER_ROUTE, rate_limits.HTTP_ROUTE)),
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
            Route("/api/health", ok),
            Route("/api/heartbeat", ok, methods=["POST"]),
            Route("/page", ok),
        ],
        middleware=[Middleware(HttpRateLimit, limiter=lambda: limiter)],
    )


def client(asgi_app, host: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=asgi_app, client=(host, 5000))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


def test_past_the_limit_429_with_retry_after_others_unaffected():
    limit = rate_limits.HTTP_PRESENCE.amount

    async def go() -> dict:
        asgi = small_app(Limiter())
        async with (
            client(asgi, "10.0.0.1") as attacker,
            client(asgi, "10.0.0.2") as other,
        ):
            flood = [await attacker.post("/api/heartbeat") for _ in range(limit + 30)]
            return {
                "flood": flood,
                "health": await attacker.get("/api/health"),
                "page": [await attacker.get("/page") for _ in range(limit + 5)],
                "other": await other.post("/api/heartbeat"),
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
    assert got["health"].status_code == 200  # another route
    assert all(r.status_code == 200 for r in got["page"])  # not under /api
    assert got["other"].status_code == 200  # another address


def test_the_app_api_is_wrapped():
    """The app's own API app refuses a flood of heartbeats from one address."""

    async def go() -> list[httpx.Response]:
        async with client(app_api.api, "10.9.9.9") as attacker:
            return await asyncio.gather(
                *(attacker.post("/api/heartbeat", content=b"{}") for _ in range(100))
            )

    responses = asyncio.run(go())
    statuses = [r.status_code for r in responses]
    # The route's own refusal of the invalid bodies, then the rate limit's.
    assert 429 in statuses
    assert statuses.count(429) >= 100 - rate_limits.HTTP_PRESENCE.amount
    assert all(400 <= status < 500 for status in statuses)
    refused = next(r for r in responses if r.status_code == 429)
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["error"]["code"] == "rate_limited"
