"""Validation of what people and browsers send: names, rooms, paths, fields.

Every validator returns the accepted (normalised) value or a
:class:`~core.problems.Problem`; none raises on bad input.
"""

from __future__ import annotations

import re
import unicodedata

from reflex_meet.core import ids
from reflex_meet.core.problems import Problem
from reflex_meet.core.text import TextRule, text_problem

__all__ = [
    "MAX_NAME_LENGTH",
    "MAX_ROOM_LENGTH",
    "ROOM_ID_ALPHABET",
    "normalise_room_name",
    "room_id_from_bytes",
    "safe_return_path",
    "validate_bool",
    "validate_display_name",
    "validate_session_id",
    "validate_tab_key",
    "validate_track_id",
]

MAX_NAME_LENGTH = 50
MAX_ROOM_LENGTH = 64
MAX_RETURN_PATH = 200
# No 0/o/1/l: ids are read aloud and typed.
ROOM_ID_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
ROOM_ID_LENGTH = 8

_ROOM_ALLOWED = re.compile(r"[a-z0-9-]")
_WHITESPACE_RUN = re.compile(r"\s+")
MAX_TRACK_ID = ids.MAX_TRACK_ID


def _has_control_chars(text: str) -> bool:
    """Whether ``text`` holds control, format, or other invisible characters."""
    return any(unicodedata.category(char).startswith("C") for char in text)


def validate_display_name(raw: object) -> str | Problem:
    """Check a display name: trimmed, 1–50 characters, any script or emoji.

    The characters are checked by :mod:`core.text` with its strict name rule:
    emoji sequences, ZWJ/ZWNJ between letters and right-to-left scripts are
    fine; control, invisible and text direction characters are not.

    Args:
        raw: The name as received.

    Returns:
        The trimmed name, or a Problem (``name_missing``, ``name_too_long``,
        ``name_control_chars``, ``invalid_text`` for a lone surrogate).
    """
    if not isinstance(raw, str) or not raw.strip():
        return Problem("name_missing", "Please enter your name.")
    name = raw.strip()
    if len(name) > MAX_NAME_LENGTH:
        return Problem(
            "name_too_long", f"Names can be at most {MAX_NAME_LENGTH} characters."
        )
    problem = text_problem(name, what="name", code="name", rule=TextRule.NAME)
    return name if problem is None else problem


def normalise_room_name(raw: object) -> str | Problem:
    """Turn a typed room name into its canonical form.

    Lower-cases, trims, and turns runs of whitespace into ``-``; then only
    ``a-z``, ``0-9`` and ``-`` are allowed. Nothing is silently dropped.

    Args:
        raw: The room name as typed or taken from a URL.

    Returns:
        The room name, or a Problem (``room_missing``, ``room_too_long``,
        ``room_invalid_chars``).
    """
    if not isinstance(raw, str) or not raw.strip():
        return Problem("room_missing", "Please enter a room name.")
    room = _WHITESPACE_RUN.sub("-", raw.strip().lower())
    if len(room) > MAX_ROOM_LENGTH:
        return Problem(
            "room_too_long",
            f"Room names can be at most {MAX_ROOM_LENGTH} characters.",
        )
    for char in room:
        if not _ROOM_ALLOWED.fullmatch(char):
            shown = char if char.isprintable() else f"U+{ord(char):04X}"
            return Problem(
                "room_invalid_chars",
                f"“{shown}” is not allowed in a room name.",
            )
    return room


def room_id_from_bytes(data: bytes) -> str:
    """Make an 8-character room id from random bytes.

    Args:
        data: At least 8 random bytes (e.g. ``os.urandom(8)``).

    Returns:
        An id over :data:`ROOM_ID_ALPHABET`.

    Raises:
        ValueError: If fewer than 8 bytes are given.
    """
    if len(data) < ROOM_ID_LENGTH:
        msg = f"need at least {ROOM_ID_LENGTH} random bytes"
        raise ValueError(msg)
    size = len(ROOM_ID_ALPHABET)
    return "".join(ROOM_ID_ALPHABET[b % size] for b in data[:ROOM_ID_LENGTH])


def safe_return_path(raw: object) -> str | None:
    """Accept only same-site paths to return to after setting a name.

    Args:
        raw: The candidate path (from a query parameter).

    Returns:
        The path, or None if it could lead off-site or is malformed.
    """
    if not isinstance(raw, str) or not raw.startswith("/"):
        return None
    if len(raw) > MAX_RETURN_PATH or raw.startswith("//"):
        return None
    if "\\" in raw or ":" in raw.split("?", 1)[0] or _has_control_chars(raw):
        return None
    return raw


def validate_bool(raw: object) -> bool | Problem:
    """Accept only a real boolean (not 0/1, not ``"true"``).

    Args:
        raw: The value as received.

    Returns:
        The boolean, or a Problem ``invalid_type``.
    """
    if isinstance(raw, bool):
        return raw
    return Problem("invalid_type", "Expected true or false.")


def validate_session_id(raw: object) -> str | Problem:
    """Check a Calls session id (:data:`core.ids.SESSION_ID`).

    Args:
        raw: The value as received.

    Returns:
        The id, or a Problem (``invalid_type``, ``too_long``, ``invalid_format``).
    """
    if not isinstance(raw, str):
        return Problem("invalid_type", "Expected a session id string.")
    if len(raw) > 128:
        return Problem("too_long", "Session ids are at most 128 characters.")
    if not ids.SESSION_ID.fullmatch(raw):
        return Problem("invalid_format", "That is not a valid session id.")
    return raw


def validate_track_id(raw: object) -> str | Problem:
    """Check a track id of the form ``"<sessionId>/<trackName>"`` (see :mod:`core.ids`).

    Args:
        raw: The value as received.

    Returns:
        The id, or a Problem (``invalid_type``, ``too_long``, ``invalid_format``).
    """
    if not isinstance(raw, str):
        return Problem("invalid_type", "Expected a track id string.")
    if len(raw) > MAX_TRACK_ID:
        return Problem("too_long", f"Track ids are at most {MAX_TRACK_ID} characters.")
    session, sep, track = raw.partition("/")
    if (
        not sep
        or not ids.SESSION_ID.fullmatch(session)
        or not ids.TRACK_NAME.fullmatch(track)
    ):
        return Problem(
            "invalid_format", "Track ids look like '<sessionId>/<trackName>'."
        )
    return raw


def validate_tab_key(raw: object) -> str | Problem:
    """Check the shape of a tab's key (:data:`core.ids.TAB_KEY`).

    Whether it is the right key is :func:`security.tokens.check_tab_key`'s
    question; this only refuses what no key looks like.

    Args:
        raw: The value as received.

    Returns:
        The key, or a Problem (``invalid_type``, ``key_invalid``).
    """
    if not isinstance(raw, str):
        return Problem("invalid_type", "Expected a key string.")
    if not ids.TAB_KEY.fullmatch(raw):
        return Problem("key_invalid", "That is not a valid key.")
    return raw
