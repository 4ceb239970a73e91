"""Settings from the environment: the rules the Calls, TURN and AI settings share.

Every helper raises the caller's own error type (a
:class:`~core.problems.ProblemError`) with a code of the caller's and a message
that names the variable; none ever echoes a secret.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Mapping
from typing import Literal
from urllib.parse import urlsplit

from reflex_meet.core.problems import Problem, ProblemError

__all__ = [
    "API_ID",
    "both_or_neither",
    "check_id",
    "check_seconds",
    "check_token",
    "checked_url",
    "is_loopback",
    "parse_seconds",
    "read",
]

# An app id or key id: it goes into URL paths.
API_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Printable ASCII without spaces: a secret goes into an HTTP header.
_TOKEN = re.compile(r"[!-~]+")
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")

ErrorType = type[ProblemError]


def read(environ: Mapping[str, str], name: str, default: str = "") -> str:
    """A variable, trimmed; ``default`` when unset or blank."""
    return environ.get(name, "").strip() or default


def both_or_neither(
    environ: Mapping[str, str],
    first: str,
    second: str,
    *,
    code: str,
    both: str,
    neither: str,
    error: ErrorType,
) -> tuple[str, str] | None:
    """Two variables that only make sense together.

    Args:
        environ: The environment.
        first: One variable's name.
        second: The other's.
        code: The problem code when only one is set.
        both: What setting both does, e.g. ``"use Cloudflare TURN"``.
        neither: What setting neither does, e.g. ``"use public STUN only"``.
        error: The error type to raise.

    Returns:
        Both values, or None when neither is set.

    Raises:
        ProblemError: ``error``, when only one is set.
    """
    values = read(environ, first), read(environ, second)
    if not any(values):
        return None
    if not all(values):
        have, missing = (first, second) if values[0] else (second, first)
        raise error(
            Problem(
                code,
                f"{have} is set but {missing} is not: set both to {both}, "
                f"or neither to {neither}.",
            )
        )
    return values


def parse_seconds(
    raw: str,
    *,
    name: str,
    code: str,
    default: float,
    error: ErrorType,
    whole: bool = False,
) -> float:
    """A number of seconds as written in a variable (range checked elsewhere).

    Args:
        raw: The trimmed value; empty means ``default``.
        name: The variable, for the message.
        code: The problem code.
        default: The value when unset.
        error: The error type to raise.
        whole: Only whole seconds (returns an int).

    Returns:
        The number.

    Raises:
        ProblemError: ``error``, when it is not a number.
    """
    if not raw:
        return default
    try:
        return int(raw) if whole else float(raw)
    except ValueError:
        what = "whole seconds" if whole else "a number of seconds"
        raise error(Problem(code, f"{name} must be {what}, got {raw!r}.")) from None


def check_seconds(
    value: object,
    *,
    name: str,
    code: str,
    at_most: float,
    error: ErrorType,
    at_least: int | None = None,
) -> None:
    """Refuse a duration out of range.

    Args:
        value: The number.
        name: The variable, for the message.
        code: The problem code.
        at_most: The largest value allowed.
        error: The error type to raise.
        at_least: Whole seconds from this value; None for any number above 0.

    Raises:
        ProblemError: ``error``, when out of range or not a (finite) number.
    """
    if at_least is not None:
        ok = isinstance(value, int) and not isinstance(value, bool)
        ok = ok and at_least <= value <= at_most  # type: ignore[operator]
        what = f"whole seconds from {at_least} to {at_most:g}"
    else:
        ok = (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and 0 < value <= at_most
        )
        what = f"a number of seconds above 0 and at most {at_most:g}"
    if not ok:
        raise error(Problem(code, f"{name} must be {what}, got {value!r}."))


def check_id(value: object, *, name: str, code: str, error: ErrorType) -> str:
    """An app or key id (:data:`API_ID`); the message echoes the bad value.

    Raises:
        ProblemError: ``error``, when malformed.
    """
    if not isinstance(value, str) or not API_ID.fullmatch(value):
        raise error(
            Problem(
                code,
                f"{name} must be 1–64 letters, digits, '_' or '-', got {value!r}.",
            )
        )
    return value


def check_token(value: object, *, name: str, code: str, error: ErrorType) -> str:
    """A secret for an HTTP header: printable ASCII without spaces, never echoed.

    Raises:
        ProblemError: ``error``, when malformed.
    """
    if not isinstance(value, str) or not _TOKEN.fullmatch(value):
        raise error(
            Problem(code, f"{name} may only hold printable ASCII without spaces.")
        )
    return value


def is_loopback(host: str) -> bool:
    """Whether a URL's host is this machine (plain http is allowed only there)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def checked_url(
    url: object,
    *,
    name: str,
    code: str,
    error: ErrorType,
    plain_http: Literal["any", "loopback"] = "loopback",
    insecure_code: str | None = None,
    secret: str = "the secret",
) -> str:
    """An http(s) API URL without user, query or fragment, trailing ``/`` removed.

    Args:
        url: The URL.
        name: The variable, for messages.
        code: The problem code of a malformed URL.
        error: The error type to raise.
        plain_http: Where ``http://`` is allowed: anywhere, or only to this
            machine (the URL carries a secret).
        insecure_code: The problem code of ``http://`` elsewhere (``code`` if
            None).
        secret: What would travel unencrypted, for the message.

    Returns:
        The URL without a trailing slash.

    Raises:
        ProblemError: ``error``, when malformed or unsafe. A URL with a user
            name or password is never echoed.
    """

    def refuse(description: str, problem_code: str = code) -> ProblemError:
        return error(Problem(problem_code, f"{name} {description}"))

    if not isinstance(url, str) or _CONTROL_OR_SPACE.search(url):
        raise refuse("must be a URL without spaces or control characters.")
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed "[" of an IPv6 address
        parts = None
    try:
        port_ok = parts is not None and (parts.port is None or parts.port > 0)
    except ValueError:  # not a number, or above 65535
        port_ok = False
    if parts is None or parts.scheme.lower() not in ("http", "https"):
        raise refuse(f"must start with https:// (or http://), got {url!r}.")
    if "@" in parts.netloc:
        raise refuse("must not contain a user name or password.")
    if not parts.hostname or not port_ok:
        raise refuse(f"must name a host (and a valid port, if any), got {url!r}.")
    if "?" in url or "#" in url:
        raise refuse(f"must not have a query or fragment, got {url!r}.")
    if (
        plain_http == "loopback"
        and parts.scheme.lower() == "http"
        and not is_loopback(parts.hostname)
    ):
        raise refuse(
            f"uses plain http:// to {parts.hostname}, which would send {secret} "
            "unencrypted; use https:// (plain http is only allowed to localhost).",
            insecure_code or code,
        )
    return url.rstrip("/")
