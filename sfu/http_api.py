"""The Calls HTTP API (``/v1/apps/{appId}/...``) on aiohttp.

Checks, in order: route (404), bearer secret (401), app id (404), body size
(413), JSON (400 ``decoding_error``), shape (400 ``invalid_params``, parsed
by :mod:`core.calls_wire`); then the session (404 unknown, 410 closed) and
the operation itself. Every error is ``{errorCode, errorDescription}``.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from reflex_meet.core import calls_wire
from reflex_meet.sfu import errors
from reflex_meet.sfu.config import SfuConfig
from reflex_meet.sfu.registry import SessionRegistry
from reflex_meet.sfu.sessions import Session

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
REGISTRY_KEY = web.AppKey("registry", SessionRegistry)
CONFIG_KEY = web.AppKey("config", SfuConfig)


def _json(body: Any, status: int = 200) -> web.Response:
    return web.json_response(body, status=status)


@web.middleware
async def error_middleware(
    request: web.Request, handler: Handler
) -> web.StreamResponse:
    """Turns every error into a Calls-style JSON error response."""
    try:
        return await handler(request)
    except calls_wire.WireError as exc:
        logger.info("%s %s -> 400 %s", request.method, request.path, exc)
        return _json(errors.invalid_params(exc.description).body(), 400)
    except errors.ApiError as exc:
        if exc.status >= 500:
            logger.error("%s %s -> %s", request.method, request.path, exc)
        else:
            logger.info("%s %s -> %s", request.method, request.path, exc)
        return _json(exc.body(), exc.status)
    except web.HTTPNotFound:
        return _json(
            {"errorCode": errors.NOT_FOUND, "errorDescription": "no such route"}, 404
        )
    except web.HTTPMethodNotAllowed as exc:
        return _json(
            {
                "errorCode": errors.INVALID_PARAMS,
                "errorDescription": f"method {exc.method} not allowed here",
            },
            405,
        )
    except Exception:
        logger.exception("%s %s failed", request.method, request.path)
        return _json(
            {"errorCode": errors.INTERNAL_ERROR, "errorDescription": "internal error"},
            500,
        )


def _authorize(request: web.Request) -> None:
    config = request.app[CONFIG_KEY]
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        token.strip().encode(), config.app_secret.encode()
    ):
        raise errors.ApiError(
            401, errors.UNAUTHORIZED, "missing or wrong 'Authorization: Bearer' secret"
        )
    if request.match_info.get("app_id") != config.app_id:
        raise errors.not_found(f"app {request.match_info.get('app_id')} not found")


async def _body(request: web.Request, required: bool) -> dict[str, Any]:
    limit = request.app[CONFIG_KEY].max_body_bytes
    too_large = errors.ApiError(
        413, errors.PAYLOAD_TOO_LARGE, f"request body is larger than {limit} bytes"
    )
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    raw = await request.content.read(limit + 1)
    if len(raw) > limit:
        raise too_large
    if not raw.strip():
        if required:
            raise errors.invalid_params("a JSON body is required")
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise errors.ApiError(
            400, errors.DECODING_ERROR, f"body is not valid JSON: {exc}"
        ) from exc
    if not isinstance(body, dict):
        raise errors.invalid_params("body must be a JSON object")
    return body


def _session(request: web.Request) -> Session:
    return request.app[REGISTRY_KEY].get(request.match_info["session_id"])


async def new_session(request: web.Request) -> web.Response:
    """``POST sessions/new``: 201 ``{sessionId[, sessionDescription]}``.

    ``?thirdparty=true`` makes a session for a server-side third-party peer.
    """
    _authorize(request)
    third_party = request.query.get("thirdparty", "false").lower()
    if third_party not in ("true", "false"):
        raise errors.invalid_params("thirdparty must be 'true' or 'false'")
    body = await _body(request, required=False)
    offer = calls_wire.parse_new_session(body)
    registry = request.app[REGISTRY_KEY]
    session = registry.create(third_party=third_party == "true")
    result: dict[str, Any] = {"sessionId": session.id}
    if offer is not None:
        try:
            answer = await session.new_with_offer(offer)
        except errors.ApiError:
            await registry.close_session(session, "its offer was refused")
            raise
        result["sessionDescription"] = {"type": "answer", "sdp": answer}
    logger.info(
        "session %s created%s",
        session.id,
        " (third party)" if third_party == "true" else "",
    )
    return _json(result, 201)


async def new_tracks(request: web.Request) -> web.Response:
    """``POST sessions/{id}/tracks/new``.

    Publish (client offer), publish with an offer made by the stand-in (local
    tracks without SDP), or pull and feed (remote tracks).
    """
    _authorize(request)
    body = await _body(request, required=True)
    parsed = calls_wire.parse_new_tracks(body)
    session = _session(request)
    if parsed.offer_sdp is not None:
        return _json(await session.publish(parsed.offer_sdp, parsed.local))
    if parsed.generated:
        return _json(await session.publish_generated(parsed.local))
    return _json(await session.subscribe(parsed.remote))


async def renegotiate(request: web.Request) -> web.Response:
    """``PUT sessions/{id}/renegotiate``: the client's answer to an SFU offer."""
    _authorize(request)
    answer = calls_wire.parse_renegotiate(await _body(request, required=True))
    return _json(await _session(request).renegotiate(answer))


async def close_tracks(request: web.Request) -> web.Response:
    """``PUT sessions/{id}/tracks/close``."""
    _authorize(request)
    close = calls_wire.parse_close(await _body(request, required=True))
    return _json(
        await _session(request).close_tracks(close.mids, close.offer_sdp, close.force)
    )


async def update_tracks(request: web.Request) -> web.Response:
    """``PUT sessions/{id}/tracks/update`` (accepted, no effect on media)."""
    _authorize(request)
    items = calls_wire.parse_update(await _body(request, required=True))
    return _json(_session(request).update_tracks(items))


async def session_info(request: web.Request) -> web.Response:
    """``GET sessions/{id}``: tracks and their status."""
    _authorize(request)
    return _json(_session(request).info())


def create_app(
    config: SfuConfig, registry: SessionRegistry | None = None
) -> web.Application:
    """Builds the aiohttp application serving the Calls API.

    Args:
        config: The stand-in's settings.
        registry: The session registry (a new one by default).

    Returns:
        The application; its registry starts sweeping when the app starts and
        closes every session on cleanup.
    """
    app = web.Application(
        middlewares=[error_middleware], client_max_size=config.max_body_bytes * 4
    )
    app[CONFIG_KEY] = config
    app[REGISTRY_KEY] = registry or SessionRegistry(config)
    base = "/v1/apps/{app_id}/sessions"
    sid = base + "/{session_id}"
    app.router.add_post(base + "/new", new_session)
    app.router.add_post(sid + "/tracks/new", new_tracks)
    app.router.add_put(sid + "/renegotiate", renegotiate)
    app.router.add_put(sid + "/tracks/close", close_tracks)
    app.router.add_put(sid + "/tracks/update", update_tracks)
    app.router.add_get(sid, session_info)

    async def on_startup(app: web.Application) -> None:
        app[REGISTRY_KEY].start()

    async def on_cleanup(app: web.Application) -> None:
        await app[REGISTRY_KEY].close_all()

    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    return app
