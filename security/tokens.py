"""Tokens and keys derived from a server secret (HMAC-SHA256).

A room's shared state and its presence state live under Reflex tokens that
only the server can compute: ``room-<hmac(room)>``. A browser picks its own
client token when it connects, so a guessable token such as ``room-<name>``
would let anyone open a socket *as the room* and read or change it (see
:mod:`security.reflex_guard`, which also refuses such tokens outright).

A tab proves who it is to the HTTP routes (heartbeat, leave beacon, track
reports) with ``tab_key(room, participant)``: checked without loading any
state, so made-up rooms and participants cost the server nothing.

The secret comes from ``MEET_SECRET_KEY`` (at least 32 characters) or, when
that is unset, from a file created once with a random value
(``MEET_SECRET_FILE``, default ``data/secret-key``), so several workers on
one machine and a restarted server agree on it.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

__all__ = [
    "PRESENCE_TOKEN_PREFIX",
    "ROOM_TOKEN_PREFIX",
    "SecretConfigError",
    "check_tab_key",
    "is_client_token",
    "presence_token",
    "room_token",
    "server_secret",
    "tab_key",
]

ROOM_TOKEN_PREFIX = "room-"
PRESENCE_TOKEN_PREFIX = "presence-"
SECRET_VARIABLE = "MEET_SECRET_KEY"
SECRET_FILE_VARIABLE = "MEET_SECRET_FILE"
DEFAULT_SECRET_FILE = Path(__file__).resolve().parent.parent / "data" / "secret-key"
MIN_SECRET_LENGTH = 32
# Hex digits kept of each HMAC: 128 bits. Hex, because Reflex refuses "_" in
# linked-state tokens (urlsafe base64 would produce it).
_DIGEST_CHARS = 32
# The client tokens Reflex's frontend makes (state.js generateUUID, and
# uuid4() for a duplicate tab's new token): a version-4 UUID in lower case.
# generateUUID writes the variant digit as ``(r & 0x7) | 0x8``, so it is any
# of 8-f (not only RFC 4122's 8-b): half of all browsers would be refused.
_CLIENT_TOKEN = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89a-f][0-9a-f]{3}-[0-9a-f]{12}"
)


class SecretConfigError(RuntimeError):
    """The server secret is misconfigured (names the variable to fix)."""


def _secret_from_file(path: Path) -> bytes:
    """Read the secret file, creating it atomically (0600) when missing."""
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = secrets.token_hex(32).encode()
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(fresh)
    try:
        # link() fails if another worker created the file first: theirs wins.
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink(missing_ok=True)
    return path.read_bytes().strip()


@functools.cache
def server_secret() -> bytes:
    """The server secret (read once per process).

    Returns:
        The secret bytes.

    Raises:
        SecretConfigError: If ``MEET_SECRET_KEY`` is set but too short, or the
            secret file is empty.
    """
    configured = os.environ.get(SECRET_VARIABLE, "")
    if configured:
        if len(configured) < MIN_SECRET_LENGTH:
            msg = (
                f"{SECRET_VARIABLE} must be at least {MIN_SECRET_LENGTH} characters "
                "(for example: openssl rand -hex 32)."
            )
            raise SecretConfigError(msg)
        return configured.encode()
    path = Path(os.environ.get(SECRET_FILE_VARIABLE) or DEFAULT_SECRET_FILE)
    secret = _secret_from_file(path)
    if len(secret) < MIN_SECRET_LENGTH:
        msg = f"The secret file {path} is too short; delete it to make a new one."
        raise SecretConfigError(msg)
    return secret


def _derive(purpose: str, *parts: str) -> str:
    message = "\x00".join((purpose, *parts)).encode("utf-8", "surrogatepass")
    digest = hmac.new(server_secret(), message, hashlib.sha256).hexdigest()
    return digest[:_DIGEST_CHARS]


def room_token(room: str) -> str:
    """The token of a room's shared state (``RoomState``).

    Args:
        room: A normalised room name.

    Returns:
        ``room-<hmac>``: no browser can compute it, and it is never a client
        token (see :func:`is_client_token`).
    """
    return ROOM_TOKEN_PREFIX + _derive("room", room)


def presence_token(room: str) -> str:
    """The token of a room's heartbeat times (``RoomPresence``).

    Args:
        room: A normalised room name.

    Returns:
        ``presence-<hmac>``.
    """
    return PRESENCE_TOKEN_PREFIX + _derive("presence", room)


def tab_key(room: str, participant: str) -> str:
    """The secret a tab proves itself with (heartbeats, leave beacon, reports).

    Args:
        room: The room the tab entered.
        participant: The participant id the server gave the tab.

    Returns:
        The key (32 hex digits).
    """
    return _derive("tab", room, participant)


def check_tab_key(room: str, participant: str, key: object) -> bool:
    """Whether ``key`` is the tab key of ``participant`` in ``room``.

    Args:
        room: A normalised room name.
        participant: The claimed participant id.
        key: The key the request carries (any type).

    Returns:
        True only for the exact key; checked in constant time, no state read.
    """
    if not isinstance(key, str) or not key.isascii():
        return False
    return hmac.compare_digest(tab_key(room, participant), key)


def is_client_token(token: object) -> bool:
    """Whether ``token`` has the shape of a client token Reflex issues.

    Args:
        token: The token a websocket connection asks for.

    Returns:
        True for a lower-case version-4 UUID; False for anything else,
        including every room and presence token.
    """
    return isinstance(token, str) and bool(_CLIENT_TOKEN.fullmatch(token))
