"""Rate limits on every ``/_meet/…`` HTTP route (ASGI middleware).

Each request under ``/_meet/`` (but heartbeats and leave beacons, which count
per tab, see :func:`check_presence`) counts against its route's flood rule
(see :mod:`security.rate_limits`) for its client address; past the limit it is
answered 429 ``{"error": {"code": "rate_limited", "description"}}`` with a
``Retry-After`` header, before its body is read or any route runs. Unknown
``/_meet/`` paths share one rule, so made-up paths cannot mint new counters.
Everything else (the Reflex app: pages, ``/_event``, ``/ping``) passes
through untouched.

The client address is the ASGI scope's (the peer of the TCP connection);
``X-Forwarded-For`` is not trusted, since anyone can send it. Behind a reverse
proxy, let the server rewrite the scope from the proxy's headers (Granian's
and Uvicorn's proxy-headers settings) or every client shares the proxy's
budget.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from reflex_meet.app.http import HttpError, error_response
from reflex_meet.security import rate_limits
from reflex_meet.security.rate_limits import Limiter, RateLimited, Rule

__all__ = [
    "HTTP_ROUTES",
    "HttpRateLimit",
    "check_presence",
    "route_rule",
    "too_many",
]

# (path, rule): an exact path, or a prefix when it ends with "/". None: the
# route counts for itself (presence: see check_presence).
HTTP_ROUTES: tuple[tuple[str, Rule | None], ...] = (
    ("/_meet/heartbeat", None),
    ("/_meet/leave", None),
    ("/_meet/bug-report", rate_limits.HTTP_ROUTE),
    ("/_meet/track-report", rate_limits.HTTP_ROUTE),
    ("/_meet/meetings/", rate_limits.HTTP_ROUTE),
    ("/_meet/bug-reports/", rate_limits.HTTP_ROUTE),
    ("/_meet/health", rate_limits.HTTP_ROUTE),
)
OTHER_ROUTE = "/_meet/*"


def route_rule(path: str) -> tuple[str, Rule] | None:
    """The route label and rule a request path counts against.

    Args:
        path: The request path.

    Returns:
        ``(label, rule)`` for paths under ``/_meet``, None for the rest and
        for the presence routes (they count for themselves).
    """
    if path != "/_meet" and not path.startswith("/_meet/"):
        return None
    for route, rule in HTTP_ROUTES:
        if path == route or (route.endswith("/") and path.startswith(route)):
            return None if rule is None else (route, rule)
    return OTHER_ROUTE, rate_limits.HTTP_ROUTE


async def check_presence(
    address: str,
    tab: tuple[str, str] | None,
    limiter: Callable[[], Limiter] = rate_limits.default_limiter,
) -> None:
    """Count a heartbeat or leave beacon; refuse it past its limit.

    A request that proves a tab (a valid tab key) counts for that tab only,
    so nobody sharing the address can crowd it out; a wrong key counts for
    the client address. (A malformed request is refused with its own error
    before this: reading at most 1 KB costs less than counting it.)

    Args:
        address: The client address.
        tab: ``(room, participant)`` when the key is valid, else None.
        limiter: Returns the limiter (default: the shared one).

    Raises:
        HttpError: 429 ``rate_limited`` with ``Retry-After``.
    """
    if tab is not None:
        limited = await limiter().hit(
            rate_limits.PRESENCE_TAB, *tab, log_as=f"tab {tab[1]} in room {tab[0]}"
        )
    else:
        limited = await limiter().hit(
            rate_limits.PRESENCE_UNPROVEN, address, log_as=f"{address} on presence"
        )
    if limited is not None:
        raise HttpError(
            429,
            limited.rule.code,
            limited.description,
            headers={"Retry-After": limited.retry_after_header},
        )


class HttpRateLimit:
    """ASGI middleware: per-address rate limits on the ``/_meet/`` routes.

    Example:
        ``api.add_middleware(HttpRateLimit)`` on a Starlette app.
    """

    def __init__(
        self, app: ASGIApp, limiter: Callable[[], Limiter] | None = None
    ) -> None:
        """Wrap ``app``.

        Args:
            app: The ASGI app to protect.
            limiter: Returns the limiter to use (default: the shared one).
        """
        self.app = app
        self._limiter = limiter or rate_limits.default_limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse the request with 429 past its limit, else pass it on.

        Args:
            scope: The ASGI scope.
            receive: The ASGI receive channel.
            send: The ASGI send channel.
        """
        found = route_rule(scope["path"]) if scope["type"] == "http" else None
        if found is None:
            await self.app(scope, receive, send)
            return
        label, rule = found
        client = scope.get("client")
        address = str(client[0]) if client else "-"
        limited = await self._limiter().hit(
            rule, label, address, log_as=f"{address} on {label}"
        )
        if limited is None:
            await self.app(scope, receive, send)
            return
        await too_many(limited)(scope, receive, send)


def too_many(limited: RateLimited) -> Response:
    """The 429 answer of a refusal, in the one error shape of the routes.

    Args:
        limited: The refusal.

    Returns:
        429 ``{"error": {"code", "description"}}`` with ``Retry-After``.
    """
    return error_response(
        429,
        limited.rule.code,
        limited.description,
        headers={"Retry-After": limited.retry_after_header},
    )
