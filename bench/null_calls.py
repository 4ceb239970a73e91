"""A null Calls API: answers every request at once, without any media.

The load driver's simulated participants make real Calls requests through
the app's proxy (``MediaState.calls_request``); the app is configured to send
them here (``LOCAL_CALLS_URL``/``LOCAL_CALLS_APP_ID``/``LOCAL_CALLS_SECRET``),
so the proxy path is measured without a media server's cost or delay.

Real browsers in the same room need real media, so the server can forward
sessions to an upstream Calls API (the local stand-in). Which sessions? A
session is created here; the first request carrying an SDP decides: the
simulated participants' SDP holds :data:`NULL_MARKER` and stays here, any
other (a browser's) makes an upstream session that the rest of that
session's requests go to, with session ids translated both ways. Everything
runs on a thread of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import aiohttp
from aiohttp import web

__all__ = ["NULL_MARKER", "NullCalls", "null_answer", "null_calls", "null_offer"]

NULL_MARKER = "s=null-calls"
"""The session-name line of every simulated participant's SDP."""

APP_ID = "null"


def _sdp(kind: str) -> str:
    return (
        "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\n"
        f"{NULL_MARKER}\r\nt=0 0\r\na=x-null-{kind}\r\n"
    )


def null_offer() -> dict[str, str]:
    """An SDP offer of a simulated participant (no media, marked as null)."""
    return {"type": "offer", "sdp": _sdp("offer")}


def null_answer() -> dict[str, str]:
    """An SDP answer of a simulated participant (no media, marked as null)."""
    return {"type": "answer", "sdp": _sdp("answer")}


def _error(status: int, code: str, description: str) -> web.Response:
    return web.json_response(
        {"errorCode": code, "errorDescription": description}, status=status
    )


def _swap_ids(value: Any, ids: dict[str, str]) -> Any:
    """Replace the session ids of ``sessionId`` fields, anywhere in ``value``."""
    if isinstance(value, dict):
        return {
            key: (
                ids.get(item, item)
                if key == "sessionId" and isinstance(item, str)
                else _swap_ids(item, ids)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_swap_ids(item, ids) for item in value]
    return value


class NullCalls:
    """The null Calls API server (see the module docstring).

    Attributes:
        secret: The bearer secret the app must send.
        upstream: ``{url, app_id, secret}`` of a real Calls API for browser
            sessions, or None.
        counts: Requests answered, by operation (``upstream ...`` for
            forwarded ones).
    """

    def __init__(self, upstream: dict[str, str] | None = None) -> None:
        self.secret = secrets.token_urlsafe(24)
        self.upstream = upstream
        self.counts: Counter[str] = Counter()
        self.url = ""
        self._local: set[str] = set()
        self._pending: set[str] = set()
        self._to_upstream: dict[str, str] = {}
        self._from_upstream: dict[str, str] = {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="null-calls", daemon=True
        )
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self._binding = asyncio.Lock()

    # ---- life cycle ------------------------------------------------------

    def start(self) -> str:
        """Serve on a free 127.0.0.1 port.

        Returns:
            The API base URL (ending in ``/v1``).
        """
        self._thread.start()
        port = asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(30)
        self.url = f"http://127.0.0.1:{port}/v1"
        return self.url

    async def _start(self) -> int:
        app = web.Application(client_max_size=1024 * 1024)
        base = f"/v1/apps/{APP_ID}/sessions"
        app.router.add_post(f"{base}/new", self._new_session)
        app.router.add_route("*", base + "/{sid}", self._on_session)
        app.router.add_route("*", base + "/{sid}/{op:.+}", self._on_session)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._client = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        return site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def stop(self) -> None:
        """Stop serving and end the thread."""
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    async def _stop(self) -> None:
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def env(self) -> dict[str, str]:
        """The app's environment for this API (the stand-in's variables)."""
        return {
            "CALLS_APP_ID": "",
            "CALLS_APP_SECRET": "",
            "LOCAL_CALLS_URL": self.url,
            "LOCAL_CALLS_APP_ID": APP_ID,
            "LOCAL_CALLS_SECRET": self.secret,
        }

    # ---- requests ----------------------------------------------------------

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {self.secret}"

    async def _new_session(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return _error(401, "unauthorized", "Wrong app secret.")
        session_id = uuid.uuid4().hex
        (self._pending if self.upstream else self._local).add(session_id)
        self.counts["sessions/new"] += 1
        return web.json_response({"sessionId": session_id}, status=201)

    async def _on_session(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return _error(401, "unauthorized", "Wrong app secret.")
        sid = request.match_info["sid"]
        op = request.match_info.get("op", "")
        body: dict[str, Any] = {}
        if request.can_read_body:
            try:
                body = await request.json()
            except (ValueError, UnicodeDecodeError):
                return _error(400, "decoding_error", "The body is not JSON.")
        if sid in self._pending:
            await self._bind(sid, body)
        if sid in self._to_upstream:
            self.counts[f"upstream {op or 'session'}"] += 1
            return await self._forward(request.method, sid, op, body)
        self.counts[op or "session"] += 1
        return web.json_response(self._answer(op, body))

    async def _bind(self, sid: str, body: dict[str, Any]) -> None:
        """Decide where a new session lives, on its first SDP."""
        description = body.get("sessionDescription")
        sdp = description.get("sdp", "") if isinstance(description, dict) else ""
        if not sdp:
            return
        async with self._binding:
            if sid not in self._pending:
                return
            self._pending.discard(sid)
            if NULL_MARKER in sdp or self.upstream is None:
                self._local.add(sid)
                return
            status, answer = await self._upstream("POST", "sessions/new", None)
            upstream_id = answer.get("sessionId") if status == 201 else None
            if not isinstance(upstream_id, str):
                self._local.add(sid)
                return
            self._to_upstream[sid] = upstream_id
            self._from_upstream[upstream_id] = sid

    async def _forward(
        self, method: str, sid: str, op: str, body: dict[str, Any]
    ) -> web.Response:
        path = f"sessions/{self._to_upstream[sid]}" + (f"/{op}" if op else "")
        sent = _swap_ids(body, self._to_upstream) if body else None
        status, answer = await self._upstream(method, path, sent)
        return web.json_response(_swap_ids(answer, self._from_upstream), status=status)

    async def _upstream(
        self, method: str, path: str, body: dict[str, Any] | None
    ) -> tuple[int, dict[str, Any]]:
        assert self.upstream is not None and self._client is not None
        url = f"{self.upstream['url']}/apps/{self.upstream['app_id']}/{path}"
        headers = {"Authorization": f"Bearer {self.upstream['secret']}"}
        data = json.dumps(body) if body is not None else None
        if data is not None:
            headers["Content-Type"] = "application/json"
        async with self._client.request(
            method, url, data=data, headers=headers
        ) as response:
            text = await response.text()
            try:
                answer = json.loads(text) if text else {}
            except ValueError:
                answer = {"errorCode": "internal_error", "errorDescription": text}
            return response.status, answer if isinstance(answer, dict) else {}

    @staticmethod
    def _answer(op: str, body: dict[str, Any]) -> dict[str, Any]:
        """What Calls would answer, with no media behind it."""
        tracks = body.get("tracks")
        tracks = tracks if isinstance(tracks, list) else []
        if op == "tracks/new":
            if body.get("sessionDescription"):  # publish: we answer
                return {
                    "requiresImmediateRenegotiation": False,
                    "sessionDescription": null_answer(),
                    "tracks": tracks,
                }
            pulled = [  # pull: we offer, one new mid per track
                {**track, "mid": str(index)}
                for index, track in enumerate(tracks)
                if isinstance(track, dict)
            ]
            return {
                "requiresImmediateRenegotiation": True,
                "sessionDescription": null_offer(),
                "tracks": pulled,
            }
        if op in ("tracks/close", "tracks/update"):
            answer: dict[str, Any] = {
                "requiresImmediateRenegotiation": False,
                "tracks": tracks,
            }
            if op == "tracks/close" and body.get("sessionDescription"):
                answer["sessionDescription"] = null_answer()
            return answer
        if op == "":  # GET the session
            return {"tracks": [], "dataChannels": []}
        return {}  # renegotiate and anything else


@contextlib.contextmanager
def null_calls(upstream: dict[str, str] | None = None) -> Iterator[NullCalls]:
    """Run a :class:`NullCalls` server for the duration of the block.

    Args:
        upstream: A real Calls API for browser sessions (optional).

    Yields:
        The running server (``url``, ``env()``).
    """
    server = NullCalls(upstream)
    server.start()
    try:
        yield server
    finally:
        server.stop()
