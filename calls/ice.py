"""ICE servers for the browsers' peer connections: STUN, or short-lived TURN.

Behind a NAT or a firewall a browser needs a STUN server to learn its public
address, and a TURN relay when UDP to the SFU is blocked. Cloudflare runs both.
With ``TURN_SERVICE_ID`` and ``TURN_SERVICE_TOKEN`` set (a Cloudflare TURN key
and its API token) the server exchanges the token for credentials that expire
(``TURN_CREDENTIAL_TTL_S``, default a day) each time a tab opens its Calls
session, and hands only those to the tab: the token never leaves the server.
Without them browsers get Cloudflare's public STUN server. The local stand-in
listens on 127.0.0.1 and needs neither.

When the credential exchange fails the tab still gets STUN (a call that could
connect directly still connects) and the failure is logged without the token.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import httpx

from reflex_meet.calls import settings
from reflex_meet.calls.config import Backend, CallsConfigError

__all__ = [
    "DEFAULT_TURN_API_URL",
    "DEFAULT_TURN_TTL_S",
    "PUBLIC_STUN",
    "IceServerSource",
    "TurnConfig",
    "checked_ice_servers",
    "load_turn_config",
]

logger = logging.getLogger("meet.ice")

DEFAULT_TURN_API_URL: Final = "https://rtc.live.cloudflare.com/v1"
DEFAULT_TURN_TTL_S: Final = 86_400
MAX_TURN_TTL_S: Final = 172_800
TURN_TIMEOUT_S: Final = 5.0

PUBLIC_STUN: Final[tuple[dict[str, object], ...]] = (
    {"urls": ["stun:stun.cloudflare.com:3478"]},
)
"""What browsers get without TURN: Cloudflare's public STUN server."""

_ICE_URL = re.compile(r"(?:stuns?|turns?):[!-~]{1,250}")
# Port 53 is on the browsers' list of blocked ports: such a URL only adds a
# timeout to candidate gathering, so it is dropped.
_BLOCKED_PORT = re.compile(r":53(?:\?|$)")
MAX_ICE_SERVERS: Final = 8
MAX_URLS_PER_SERVER: Final = 8
MAX_CREDENTIAL_CHARS: Final = 512


@dataclass(frozen=True)
class TurnConfig:
    """A Cloudflare TURN key: where to exchange it and for how long.

    Attributes:
        service_id: The TURN key id (``TURN_SERVICE_ID``).
        token: Its API token (``TURN_SERVICE_TOKEN``); never in ``repr``.
        api_url: The API base URL (``TURN_API_URL``), https except to localhost.
        ttl_s: Lifetime of the credentials handed to a browser.

    Raises:
        CallsConfigError: If a field is malformed or unsafe.
    """

    service_id: str
    token: str = field(repr=False)
    api_url: str = DEFAULT_TURN_API_URL
    ttl_s: int = DEFAULT_TURN_TTL_S

    def __post_init__(self) -> None:
        """Check every field; strip a trailing slash from the URL."""
        settings.check_id(
            self.service_id,
            name="TURN_SERVICE_ID",
            code="turn_config_bad_id",
            error=CallsConfigError,
        )
        settings.check_token(
            self.token,
            name="TURN_SERVICE_TOKEN",
            code="turn_config_bad_token",
            error=CallsConfigError,
        )
        url = settings.checked_url(
            self.api_url,
            name="TURN_API_URL",
            code="turn_config_bad_url",
            error=CallsConfigError,
            secret="the TURN token",
        )
        object.__setattr__(self, "api_url", url)
        settings.check_seconds(
            self.ttl_s,
            name="TURN_CREDENTIAL_TTL_S",
            code="turn_config_bad_ttl",
            at_least=60,
            at_most=MAX_TURN_TTL_S,
            error=CallsConfigError,
        )

    @property
    def credentials_url(self) -> str:
        """The endpoint that turns the key into short-lived ICE servers."""
        return (
            f"{self.api_url}/turn/keys/{self.service_id}"
            "/credentials/generate-ice-servers"
        )


def load_turn_config(environ: Mapping[str, str]) -> TurnConfig | None:
    """Read the TURN key from the environment.

    Args:
        environ: The environment, e.g. ``os.environ``.

    Returns:
        The key when both ``TURN_SERVICE_ID`` and ``TURN_SERVICE_TOKEN`` are
        set, None when neither is.

    Raises:
        CallsConfigError: If only one of them is set or a value is malformed.
    """
    key = settings.both_or_neither(
        environ,
        "TURN_SERVICE_ID",
        "TURN_SERVICE_TOKEN",
        code="turn_config_incomplete",
        both="use Cloudflare TURN",
        neither="use public STUN only",
        error=CallsConfigError,
    )
    if key is None:
        return None
    service_id, token = key
    ttl = settings.parse_seconds(
        settings.read(environ, "TURN_CREDENTIAL_TTL_S"),
        name="TURN_CREDENTIAL_TTL_S",
        code="turn_config_bad_ttl",
        default=DEFAULT_TURN_TTL_S,
        error=CallsConfigError,
        whole=True,
    )
    return TurnConfig(
        service_id=service_id,
        token=token,
        api_url=settings.read(environ, "TURN_API_URL", DEFAULT_TURN_API_URL),
        ttl_s=ttl,
    )


def checked_ice_servers(payload: object) -> list[dict[str, object]] | None:
    """The browser-ready ICE servers of a credentials answer, or None if bad.

    Keeps only ``stun:``/``turn:`` URLs (port 53 dropped, see above) and the
    string ``username``/``credential``; anything else makes the whole answer
    unusable rather than half-used.

    Args:
        payload: The decoded JSON answer (``{"iceServers": [...]}``).

    Returns:
        A list of ``{"urls": [...], "username"?, "credential"?}``, or None.
    """
    servers = payload.get("iceServers") if isinstance(payload, dict) else None
    if not isinstance(servers, list) or not 0 < len(servers) <= MAX_ICE_SERVERS:
        return None
    checked: list[dict[str, object]] = []
    for server in servers:
        if not isinstance(server, dict):
            return None
        urls = server.get("urls")
        urls = [urls] if isinstance(urls, str) else urls
        if not isinstance(urls, list) or not 0 < len(urls) <= MAX_URLS_PER_SERVER:
            return None
        if not all(isinstance(u, str) and _ICE_URL.fullmatch(u) for u in urls):
            return None
        usable = [u for u in urls if not _BLOCKED_PORT.search(u)]
        if not usable:
            continue
        entry: dict[str, object] = {"urls": usable}
        for key in ("username", "credential"):
            value = server.get(key)
            if value is None:
                continue
            if not isinstance(value, str) or not 0 < len(value) <= MAX_CREDENTIAL_CHARS:
                return None
            entry[key] = value
        if any(u.startswith("turn") for u in usable) and len(entry) != 3:
            return None  # a relay without credentials cannot be used
        checked.append(entry)
    return checked or None


class IceServerSource:
    """Hands out the ICE servers a tab's peer connection should use.

    Args:
        backend: The Calls backend; the local stand-in needs no ICE servers.
        turn: The TURN key, if any.
        transport: An httpx transport (tests pass a fake's).
    """

    def __init__(
        self,
        backend: Backend,
        turn: TurnConfig | None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """Remember the configuration; no request is made yet."""
        self._backend = backend
        self._turn = turn
        self._transport = transport

    def describe(self) -> str:
        """One line for the start-up log (never the token).

        Returns:
            Which ICE servers browsers get.
        """
        if self._backend == "local":
            ignored = " (TURN_SERVICE_ID ignored)" if self._turn else ""
            return f"ICE servers: none, the local stand-in is on this host{ignored}"
        if self._turn is None:
            return "ICE servers: Cloudflare public STUN (no TURN key set)"
        return (
            f"ICE servers: Cloudflare TURN key {self._turn.service_id[:4]}…, "
            f"credentials for {self._turn.ttl_s} s"
        )

    async def for_new_session(self) -> list[dict[str, object]]:
        """The ICE servers for one new Calls session (a fresh credential each).

        Returns:
            The servers to pass to ``RTCPeerConnection``; public STUN when the
            TURN exchange fails (logged), none for the local stand-in.
        """
        if self._backend == "local":
            return []
        stun = [dict(server) for server in PUBLIC_STUN]
        if self._turn is None:
            return stun
        servers = await self._exchange(self._turn)
        return servers if servers is not None else stun

    async def _exchange(self, turn: TurnConfig) -> list[dict[str, object]] | None:
        try:
            async with httpx.AsyncClient(
                transport=self._transport, timeout=TURN_TIMEOUT_S
            ) as client:
                response = await client.post(
                    turn.credentials_url,
                    headers={"Authorization": f"Bearer {turn.token}"},
                    json={"ttl": turn.ttl_s},
                )
        except httpx.HTTPError as failure:
            logger.warning(
                "TURN credentials: request failed (%s); browsers get STUN only",
                type(failure).__name__,
            )
            return None
        if response.status_code not in (200, 201):
            logger.warning(
                "TURN credentials: HTTP %s; browsers get STUN only",
                response.status_code,
            )
            return None
        try:
            payload = response.json()
        except ValueError:
            payload = None
        servers = checked_ice_servers(payload)
        if servers is None:
            logger.warning(
                "TURN credentials: the answer is not a usable ICE server list; "
                "browsers get STUN only"
            )
        return servers
