"""Where the Calls API is and how to authenticate, read from the environment.

With ``CALLS_APP_ID`` and ``CALLS_APP_SECRET`` set the app talks to Cloudflare
Calls (``CALLS_API_URL``, default ``https://rtc.live.cloudflare.com/v1``).
With neither set it talks to the local stand-in (``LOCAL_CALLS_URL``,
``LOCAL_CALLS_APP_ID``, ``LOCAL_CALLS_SECRET``). ``CALLS_TIMEOUT_S`` (default
10) bounds each phase of every request. Anything half-set or unsafe is refused
at start-up with a :class:`~calls.errors.CallsConfigError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from reflex_meet.calls import settings
from reflex_meet.calls.errors import CallsConfigError
from reflex_meet.calls.settings import is_loopback
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
            raise CallsConfigError(
                Problem(
                    "calls_config_bad_backend",
                    f"The Calls backend must be 'cloudflare' or 'local', "
                    f"not {self.backend!r}.",
                )
            )
        settings.check_id(
            self.app_id,
            name="LOCAL_CALLS_APP_ID" if local else "CALLS_APP_ID",
            code="calls_config_bad_app_id",
            error=CallsConfigError,
        )
        secret_var = "LOCAL_CALLS_SECRET" if local else "CALLS_APP_SECRET"
        if not isinstance(self.app_secret, str) or not self.app_secret:
            raise CallsConfigError(
                Problem("calls_config_no_secret", f"{secret_var} is empty.")
            )
        settings.check_token(
            self.app_secret,
            name=secret_var,
            code="calls_config_bad_secret",
            error=CallsConfigError,
        )
        url = settings.checked_url(
            self.api_url,
            name="LOCAL_CALLS_URL" if local else "CALLS_API_URL",
            code="calls_config_bad_url",
            error=CallsConfigError,
            plain_http="any" if local else "loopback",
            insecure_code="calls_config_insecure_url",
            secret="the app secret",
        )
        object.__setattr__(self, "api_url", url)
        settings.check_seconds(
            self.timeout_s,
            name="CALLS_TIMEOUT_S",
            code="calls_config_bad_timeout",
            at_most=MAX_TIMEOUT_S,
            error=CallsConfigError,
        )


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
        return settings.read(environ, name, default)

    cloudflare = settings.both_or_neither(
        environ,
        "CALLS_APP_ID",
        "CALLS_APP_SECRET",
        code="calls_config_incomplete",
        both="use Cloudflare Calls",
        neither="use the local stand-in",
        error=CallsConfigError,
    )
    timeout = settings.parse_seconds(
        read("CALLS_TIMEOUT_S"),
        name="CALLS_TIMEOUT_S",
        code="calls_config_bad_timeout",
        default=DEFAULT_TIMEOUT_S,
        error=CallsConfigError,
    )
    if cloudflare is None:
        return CallsConfig(
            backend="local",
            app_id=read("LOCAL_CALLS_APP_ID", DEFAULT_LOCAL_APP_ID),
            app_secret=read("LOCAL_CALLS_SECRET", DEFAULT_LOCAL_SECRET),
            api_url=read("LOCAL_CALLS_URL", DEFAULT_LOCAL_URL),
            timeout_s=timeout,
        )
    app_id, secret = cloudflare
    return CallsConfig(
        backend="cloudflare",
        app_id=app_id,
        app_secret=secret,
        api_url=read("CALLS_API_URL", DEFAULT_API_URL),
        timeout_s=timeout,
    )


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
