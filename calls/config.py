"""Where the Calls API is and how to authenticate, read from the environment.

With ``CALLS_APP_ID`` and ``CALLS_APP_SECRET`` set the app talks to Cloudflare
Calls (``CALLS_API_URL``, default ``https://rtc.live.cloudflare.com/v1``).
With neither set it talks to the local stand-in (``LOCAL_CALLS_URL``,
``LOCAL_CALLS_APP_ID``, ``LOCAL_CALLS_SECRET``). ``CALLS_TIMEOUT_S`` (default
10) bounds each phase of every request. Anything half-set or unsafe is refused
at start-up with a :class:`~calls.errors.CallsConfigError`.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from reflex_meet.calls.errors import CallsConfigError
from reflex_meet.core.problems import Problem

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_LOCAL_APP_ID",
    "DEFAULT_LOCAL_SECRET",
    "DEFAULT_LOCAL_URL",
    "DEFAULT_TIMEOUT_S",
    "Backend",
    "CallsConfig",
    "CallsConfigError",
    "describe",
    "is_loopback",
    "load_config",
]

Backend = Literal["cloudflare", "local"]

DEFAULT_API_URL = "https://rtc.live.cloudflare.com/v1"
DEFAULT_LOCAL_URL = "http://127.0.0.1:7880/v1"
DEFAULT_LOCAL_APP_ID = "local"
DEFAULT_LOCAL_SECRET = "local-dev-secret"
DEFAULT_TIMEOUT_S = 10.0
MAX_TIMEOUT_S = 300.0

_APP_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Printable ASCII without spaces: the secret goes into an HTTP header.
_SECRET = re.compile(r"[!-~]+")
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")


def _refuse(code: str, description: str) -> CallsConfigError:
    return CallsConfigError(Problem(code, description))


def is_loopback(host: str) -> bool:
    """Whether a URL's host is this machine (plain http is allowed only there)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class CallsConfig:
    """How to reach the Calls API. Validated on construction.

    Attributes:
        backend: ``"cloudflare"`` or ``"local"`` (the local stand-in).
        app_id: The Calls app id (``[A-Za-z0-9_-]``, 1–64 characters).
        app_secret: The app secret, sent as a bearer token; never shown in
            ``repr`` and never sent to a browser.
        api_url: The API base URL, without a trailing slash.
        timeout_s: Seconds each phase of a request (connect, write, read) may
            take.

    Raises:
        CallsConfigError: If any field is missing, malformed or unsafe.
    """

    backend: Backend
    app_id: str
    app_secret: str = field(repr=False)
    api_url: str = DEFAULT_API_URL
    timeout_s: float = DEFAULT_TIMEOUT_S

    def __post_init__(self) -> None:
        """Check every field; strip a trailing slash from the URL."""
        local = self.backend == "local"
        if self.backend not in ("cloudflare", "local"):
            raise _refuse(
                "calls_config_bad_backend",
                f"The Calls backend must be 'cloudflare' or 'local', "
                f"not {self.backend!r}.",
            )
        id_var = "LOCAL_CALLS_APP_ID" if local else "CALLS_APP_ID"
        if not isinstance(self.app_id, str) or not _APP_ID.fullmatch(self.app_id):
            raise _refuse(
                "calls_config_bad_app_id",
                f"{id_var} must be 1–64 letters, digits, '_' or '-', "
                f"got {self.app_id!r}.",
            )
        secret_var = "LOCAL_CALLS_SECRET" if local else "CALLS_APP_SECRET"
        if not isinstance(self.app_secret, str) or not self.app_secret:
            raise _refuse("calls_config_no_secret", f"{secret_var} is empty.")
        if not _SECRET.fullmatch(self.app_secret):
            raise _refuse(
                "calls_config_bad_secret",
                f"{secret_var} may only hold printable ASCII without spaces.",
            )
        object.__setattr__(self, "api_url", self._checked_url(local))
        timeout = self.timeout_s
        if (
            isinstance(timeout, bool)
            or not isinstance(timeout, int | float)
            or not math.isfinite(timeout)
            or not 0 < timeout <= MAX_TIMEOUT_S
        ):
            raise _refuse(
                "calls_config_bad_timeout",
                f"CALLS_TIMEOUT_S must be a number of seconds above 0 and at "
                f"most {MAX_TIMEOUT_S:g}, got {timeout!r}.",
            )

    def _checked_url(self, local: bool) -> str:
        """The validated API URL without a trailing slash."""
        var = "LOCAL_CALLS_URL" if local else "CALLS_API_URL"
        url = self.api_url
        if not isinstance(url, str) or _CONTROL_OR_SPACE.search(url):
            raise _refuse(
                "calls_config_bad_url",
                f"{var} must be a URL without spaces or control characters.",
            )
        try:
            parts = urlsplit(url)
            port_ok = parts.port is None or parts.port > 0
        except ValueError:
            port_ok = False
            parts = None
        if parts is None or parts.scheme.lower() not in ("http", "https"):
            raise _refuse(
                "calls_config_bad_url",
                f"{var} must start with https:// (or http://), got {url!r}.",
            )
        if "@" in parts.netloc:
            # Do not echo the URL: it may hold a password.
            raise _refuse(
                "calls_config_bad_url",
                f"{var} must not contain a user name or password.",
            )
        if not parts.hostname or not port_ok:
            raise _refuse(
                "calls_config_bad_url",
                f"{var} must name a host (and a valid port, if any), got {url!r}.",
            )
        if "?" in url or "#" in url:
            raise _refuse(
                "calls_config_bad_url",
                f"{var} must not have a query or fragment, got {url!r}.",
            )
        if (
            not local
            and parts.scheme.lower() == "http"
            and not is_loopback(parts.hostname)
        ):
            raise _refuse(
                "calls_config_insecure_url",
                f"{var} uses plain http:// to {parts.hostname}, which would send "
                "the app secret unencrypted; use https:// (plain http is only "
                "allowed to localhost).",
            )
        return url.rstrip("/")


def load_config(environ: Mapping[str, str]) -> CallsConfig:
    """Read the Calls configuration from environment variables.

    Args:
        environ: The environment, e.g. ``os.environ``.

    Returns:
        The Cloudflare configuration when ``CALLS_APP_ID`` and
        ``CALLS_APP_SECRET`` are both set; the local stand-in's when neither is.

    Raises:
        CallsConfigError: If only one of id and secret is set, or a value is
            malformed or unsafe.
    """

    def read(name: str, default: str = "") -> str:
        return environ.get(name, "").strip() or default

    app_id = read("CALLS_APP_ID")
    secret = read("CALLS_APP_SECRET")
    timeout = _read_timeout(read("CALLS_TIMEOUT_S"))
    if not app_id and not secret:
        return CallsConfig(
            backend="local",
            app_id=read("LOCAL_CALLS_APP_ID", DEFAULT_LOCAL_APP_ID),
            app_secret=read("LOCAL_CALLS_SECRET", DEFAULT_LOCAL_SECRET),
            api_url=read("LOCAL_CALLS_URL", DEFAULT_LOCAL_URL),
            timeout_s=timeout,
        )
    if not secret:
        raise _refuse(
            "calls_config_incomplete",
            "CALLS_APP_ID is set but CALLS_APP_SECRET is not: set both to use "
            "Cloudflare Calls, or neither to use the local stand-in.",
        )
    if not app_id:
        raise _refuse(
            "calls_config_incomplete",
            "CALLS_APP_SECRET is set but CALLS_APP_ID is not: set both to use "
            "Cloudflare Calls, or neither to use the local stand-in.",
        )
    return CallsConfig(
        backend="cloudflare",
        app_id=app_id,
        app_secret=secret,
        api_url=read("CALLS_API_URL", DEFAULT_API_URL),
        timeout_s=timeout,
    )


def _read_timeout(raw: str) -> float:
    if not raw:
        return DEFAULT_TIMEOUT_S
    try:
        return float(raw)
    except ValueError:
        raise _refuse(
            "calls_config_bad_timeout",
            f"CALLS_TIMEOUT_S must be a number of seconds, got {raw!r}.",
        ) from None


def describe(config: CallsConfig) -> str:
    """One line for the start-up log saying which backend is used.

    Args:
        config: The configuration.

    Returns:
        E.g. ``"Calls backend: Cloudflare (app 1a2b…,
        https://rtc.live.cloudflare.com/v1)"``; never the secret.
    """
    if config.backend == "local":
        return f"Calls backend: local stand-in at {config.api_url}"
    app = config.app_id if len(config.app_id) <= 4 else f"{config.app_id[:4]}…"
    return f"Calls backend: Cloudflare (app {app}, {config.api_url})"
