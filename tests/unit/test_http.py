"""app/http.py: bodies read within their limit, one error shape, JSON 404/405/500."""

from __future__ import annotations

import asyncio
import json
import logging

import httpx
import pytest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from reflex_meet.app import http
from reflex_meet.core.problems import Problem

LIMIT = 1024
CHUNK = 64 * 1024
HUNDRED_MB = 100 * 1024 * 1024


def _name(raw: object) -> str | Problem:
    if not isinstance(raw, str):
        return Problem("invalid_type", "Expected a name.")
    return raw if raw else Problem("name_missing", "Please enter a name.")


@http.api_endpoint
async def echo(request: Request) -> Response:
    data = await http.read_json_object(request, LIMIT)
    return http.JSONResponse({"name": http.require_field(data, "name", _name)})


@http.api_endpoint
async def crash(_request: Request) -> Response:
    raise RuntimeError("secret detail: /etc/passwd")


async def unwrapped_crash(_request: Request) -> Response:
    raise RuntimeError("secret detail from an unwrapped route")


async def teapot(_request: Request) -> Response:
    raise HTTPException(418, "I'm a teapot")


async def stored_surrogate(_request: Request) -> Response:
    return http.JSONResponse({"text": "bad\ud800", "k\udfff": ["ok"]})


async def reflex_pages(scope, receive, send) -> None:
    """Stands in for the Reflex app that app.api's Starlette mounts at ''."""
    await HTMLResponse("<html>page</html>")(scope, receive, send)


def make_app() -> Starlette:
    """Routes the way app/api.py lays them out, Reflex's mount last."""
    app = Starlette(
        routes=[
            Route("/_meet/echo", echo, methods=["POST"]),
            Route("/_meet/items/{id}", echo, methods=["GET", "PUT"]),
            Route("/_meet/crash", crash, methods=["GET"]),
            Route("/_meet/unwrapped", unwrapped_crash, methods=["GET"]),
            Route("/_meet/teapot", teapot, methods=["GET"]),
            Route("/_meet/stored", stored_surrogate, methods=["GET"]),
            *http.fallback_routes(),
        ],
        exception_handlers=http.exception_handlers(),
    )
    app.mount("", reflex_pages)  # what Reflex does with api_transformer
    return app


def request(method: str, path: str, **kwargs: object) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=make_app(), raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test"
        ) as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(go())


def error(response: httpx.Response) -> dict:
    assert response.headers["content-type"].startswith("application/json")
    payload = response.json()
    assert set(payload) == {"error"}
    assert payload["error"]["description"]
    return payload["error"]


# ---- bodies ------------------------------------------------------------------


def test_a_good_body_is_read():
    response = request("POST", "/_meet/echo", json={"name": "Ada", "extra": 1})
    assert response.status_code == 200
    assert response.json() == {"name": "Ada"}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "invalid_json"),
        (b"", 400, "invalid_json"),
        (b"\xff\xfe{}", 400, "invalid_json"),  # not UTF-8
        (b'{"name": "\xed\xa0\x80"}', 400, "invalid_json"),  # UTF-8 of a surrogate
        (b"[" * 100_000 + b"]" * 100_000, 413, "payload_too_large"),
        (b"[" * 500 + b"]" * 500, 400, "invalid_body"),
        (b"[1, 2]", 400, "invalid_body"),
        (b'"text"', 400, "invalid_body"),
        (b"null", 400, "invalid_body"),
        (b"{}", 422, "field_missing"),
        (b'{"name": null}', 422, "field_missing"),
        (b'{"name": 5}', 422, "invalid_type"),
        (b'{"name": ""}', 422, "name_missing"),
        (b'{"name": "' + b"x" * LIMIT + b'"}', 413, "payload_too_large"),
    ],
)
def test_bad_bodies_get_one_error_shape(body, status, code):
    response = request("POST", "/_meet/echo", content=body)
    assert response.status_code == status
    got = error(response)
    assert got["code"] == code
    if status == 422:
        assert got["field"] == "name"
    else:
        assert "field" not in got


def test_deeply_nested_json_within_the_limit_is_invalid_json():
    async def go() -> tuple[int, dict]:
        app = Starlette(routes=[Route("/_meet/deep", deep, methods=["POST"])])
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            response = await c.post("/_meet/deep", content=b"[" * 60_000)
        return response.status_code, response.json()

    @http.api_endpoint
    async def deep(request: Request) -> Response:
        await http.read_json_object(request, 1_000_000)
        return Response(status_code=204)

    status, payload = asyncio.run(go())
    assert (status, payload["error"]["code"]) == (400, "invalid_json")


class Body:
    """An ASGI ``receive`` streaming ``total`` bytes in chunks; counts what was read."""

    def __init__(self, total: int, chunk: int = CHUNK) -> None:
        self.total, self.chunk, self.read = total, chunk, 0

    async def __call__(self) -> dict:
        size = min(self.chunk, self.total - self.read)
        self.read += size
        return {
            "type": "http.request",
            "body": b"{" + b" " * (size - 1) if size else b"",
            "more_body": self.read < self.total,
        }


def call_raw(path: str, body: Body, headers: list[tuple[bytes, bytes]]) -> list:
    sent: list = []

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("test", 80),
    }
    asyncio.run(make_app()(scope, body, send))
    return sent


def status_and_code(sent: list) -> tuple[int, str]:
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(
        m.get("body", b"") for m in sent if m["type"] == "http.response.body"
    )
    return start["status"], json.loads(body)["error"]["code"]


def test_a_100_mb_chunked_body_is_refused_after_one_chunk():
    """The handler reads at most the limit plus one chunk of a 100 MB body."""
    body = Body(HUNDRED_MB)
    sent = call_raw("/_meet/echo", body, [(b"transfer-encoding", b"chunked")])
    assert status_and_code(sent) == (413, "payload_too_large")
    assert body.read <= LIMIT + CHUNK


def test_small_chunks_stop_just_past_the_limit():
    body = Body(HUNDRED_MB, chunk=100)
    sent = call_raw("/_meet/echo", body, [])
    assert status_and_code(sent) == (413, "payload_too_large")
    assert LIMIT < body.read <= LIMIT + 100


def test_a_declared_length_over_the_limit_is_refused_before_reading():
    body = Body(HUNDRED_MB)
    sent = call_raw(
        "/_meet/echo", body, [(b"content-length", str(HUNDRED_MB).encode())]
    )
    assert status_and_code(sent) == (413, "payload_too_large")
    assert body.read == 0


def test_a_client_gone_mid_body_is_an_error_not_a_crash():
    async def receive() -> dict:
        return {"type": "http.disconnect"}

    sent: list = []

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/_meet/echo",
        "root_path": "",
        "query_string": b"",
        "headers": [],
    }
    asyncio.run(make_app()(scope, receive, send))
    assert status_and_code(sent) == (400, "invalid_body")


# ---- 404 / 405 under /_meet ----------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/_meet", "/_meet/", "/_meet/nothing", "/_meet/echo/extra", "/_meet/%F0%9F%98%80"],
)
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE", "PATCH"])
def test_unknown_api_paths_are_json_404(method, path):
    response = request(method, path)
    assert response.status_code == 404
    assert error(response)["code"] == "not_found"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/_meet/echo", "POST"),
        ("PUT", "/_meet/echo", "POST"),
        ("DELETE", "/_meet/items/7", "GET, HEAD, PUT"),
        ("POST", "/_meet/crash", "GET, HEAD"),
        ("OPTIONS", "/_meet/echo", "POST"),
    ],
)
def test_wrong_methods_are_json_405_with_allow(method, path, allow):
    response = request(method, path)
    assert response.status_code == 405
    assert error(response)["code"] == "method_not_allowed"
    assert response.headers["allow"] == allow


def test_paths_outside_api_still_reach_the_mounted_app():
    for path in ["/", "/some-room", "/_meetings", "/_meet-docs"]:
        response = request("GET", path)
        assert response.status_code == 200
        assert response.text == "<html>page</html>"


# ---- 500 and other failures ------------------------------------------------------------


def test_an_exception_is_a_logged_json_500_without_details(caplog):
    with caplog.at_level(logging.ERROR, logger="meet.http"):
        response = request("GET", "/_meet/crash")
    assert response.status_code == 500
    assert error(response)["code"] == "internal_error"
    assert "secret" not in response.text
    assert any(
        record.exc_info and "secret detail" in str(record.exc_info[1])
        for record in caplog.records
    ), "the exception is logged with its traceback"


def test_an_exception_outside_api_endpoint_is_still_json_under_api(caplog):
    with caplog.at_level(logging.ERROR, logger="meet.http"):
        response = request("GET", "/_meet/unwrapped")
    assert response.status_code == 500
    assert error(response)["code"] == "internal_error"
    assert "secret" not in response.text
    assert any(record.exc_info for record in caplog.records)


def test_http_exceptions_under_api_are_json():
    response = request("GET", "/_meet/teapot")
    assert response.status_code == 418
    assert error(response)["code"] == "http_error"


def test_a_stored_lone_surrogate_is_sent_as_valid_utf8():
    response = request("GET", "/_meet/stored")
    assert response.status_code == 200
    response.content.decode("utf-8")  # strict: raises on invalid UTF-8
    assert response.json() == {"text": "bad\ufffd", "k\ufffd": ["ok"]}


def test_error_response_shape():
    response = http.error_response(
        429, "rate_limited", "Slow down.", field="text", headers={"Retry-After": "3"}
    )
    assert response.status_code == 429
    assert response.headers["retry-after"] == "3"
    assert json.loads(response.body) == {
        "error": {"code": "rate_limited", "description": "Slow down.", "field": "text"}
    }
