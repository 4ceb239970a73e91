"""Checks of what browsers send for the records: chat, feedback, reports.

Every validator returns the accepted (normalised) value or a
:class:`~core.problems.Problem`; none raises on bad input (the conventions of
:mod:`core.validation`, whose track id check is reused here).
"""

from __future__ import annotations

import json
import re
import uuid

from reflex_meet.core import ids
from reflex_meet.core.problems import Problem
from reflex_meet.core.text import find_lone_surrogate, text_problem
from reflex_meet.core.validation import (
    ROOM_ID_ALPHABET,
    validate_display_name,
    validate_track_id,
)

__all__ = [
    "MAX_BUG_TEXT",
    "MAX_CHAT_TEXT",
    "MAX_COMMENT",
    "MAX_DIAGNOSTICS_BYTES",
    "MAX_DIAGNOSTICS_DEPTH",
    "validate_app_version",
    "validate_bug_text",
    "validate_chat_text",
    "validate_comment",
    "validate_diagnostics",
    "validate_display_name",
    "validate_meeting_id",
    "validate_participant_id",
    "validate_reference",
    "validate_track_id",
]

MAX_CHAT_TEXT = 2000
MAX_COMMENT = 2000
MAX_BUG_TEXT = 4000
MAX_DIAGNOSTICS_BYTES = 64 * 1024
MAX_DIAGNOSTICS_DEPTH = 8
MAX_APP_VERSION = 64

_APP_VERSION = re.compile(r"[A-Za-z0-9._+-]{1,64}")
# Bug report references: 8 characters of core.validation.ROOM_ID_ALPHABET.
_REFERENCE = re.compile(f"[{ROOM_ID_ALPHABET}]{{8}}")


def _text(
    raw: object, *, what: str, code: str, limit: int, required: bool
) -> str | Problem | None:
    """Shared rules of free text: trimmed, limited, checked by :mod:`core.text`."""
    if raw is None and not required:
        return None
    if not isinstance(raw, str):
        return Problem("invalid_type", f"The {what} must be text.")
    text = raw.strip()
    if not text:
        if required:
            return Problem(f"{code}_missing", f"Please write a {what}.")
        return None
    if len(text) > limit:
        return Problem(
            f"{code}_too_long", f"The {what} can be at most {limit} characters."
        )
    problem = text_problem(text, what=what, code=code)
    return text if problem is None else problem


def _required_text(raw: object, *, what: str, code: str, limit: int) -> str | Problem:
    text = _text(raw, what=what, code=code, limit=limit, required=True)
    if text is None:  # not reached: required text is never None
        return Problem(f"{code}_missing", f"Please write a {what}.")
    return text


def validate_chat_text(raw: object) -> str | Problem:
    """Check a chat message: trimmed, 1–2000 characters, any script or emoji.

    Newlines and tabs are allowed; NUL and other control characters, text
    direction controls and stray invisible characters are not (the free text
    rule of :mod:`core.text`).

    Args:
        raw: The text as received.

    Returns:
        The trimmed text, or a Problem (``invalid_type``, ``chat_text_missing``,
        ``chat_text_too_long``, ``chat_text_control_chars``, ``invalid_text``).
    """
    return _required_text(raw, what="message", code="chat_text", limit=MAX_CHAT_TEXT)


def validate_comment(raw: object) -> str | Problem | None:
    """Check an optional feedback comment (≤ 2000 characters).

    Args:
        raw: The comment as received (None or blank means no comment).

    Returns:
        The trimmed comment, None when there is none, or a Problem
        (``invalid_type``, ``comment_too_long``, ``comment_control_chars``,
        ``invalid_text``).
    """
    return _text(raw, what="comment", code="comment", limit=MAX_COMMENT, required=False)


def validate_bug_text(raw: object) -> str | Problem:
    """Check the text of a bug report (1–4000 characters).

    Args:
        raw: The text as received.

    Returns:
        The trimmed text, or a Problem (``invalid_type``, ``bug_text_missing``,
        ``bug_text_too_long``, ``bug_text_control_chars``, ``invalid_text``).
    """
    return _required_text(raw, what="description", code="bug_text", limit=MAX_BUG_TEXT)


def _depth(value: object) -> int:
    """Nesting depth of JSON-like data (a flat object is 1), iteratively."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = list(item.values())
        elif isinstance(item, list | tuple):
            children = list(item)
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DIAGNOSTICS_DEPTH:
            return deepest  # deep enough to refuse; stop walking
        stack.extend((child, level + 1) for child in children)
    return deepest


def validate_diagnostics(raw: object) -> dict | Problem:
    """Check bug report diagnostics: a JSON object, ≤ 64 KB, depth ≤ 8.

    Every key and string is checked for lone surrogates (they are not valid
    UTF-8, so they could be stored as escapes but not read back as text).

    Args:
        raw: The parsed JSON value.

    Returns:
        The object, or a Problem (``diagnostics_not_object``,
        ``diagnostics_too_deep``, ``diagnostics_invalid``,
        ``diagnostics_too_large``, ``invalid_text`` naming where).
    """
    if not isinstance(raw, dict):
        return Problem("diagnostics_not_object", "Diagnostics must be a JSON object.")
    if _depth(raw) > MAX_DIAGNOSTICS_DEPTH:
        return Problem(
            "diagnostics_too_deep",
            f"Diagnostics can be nested at most {MAX_DIAGNOSTICS_DEPTH} levels deep.",
        )
    bad = find_lone_surrogate(raw, "diagnostics")
    if bad is not None:
        return Problem(
            "invalid_text",
            f"Diagnostics must be valid Unicode text; {bad} holds a lone surrogate.",
        )
    try:
        encoded = json.dumps(raw, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError):
        return Problem("diagnostics_invalid", "Diagnostics must be plain JSON data.")
    if "\\u0000" in encoded:
        return Problem("diagnostics_invalid", "Diagnostics cannot contain NUL.")
    if len(encoded.encode()) > MAX_DIAGNOSTICS_BYTES:
        return Problem(
            "diagnostics_too_large",
            f"Diagnostics can be at most {MAX_DIAGNOSTICS_BYTES // 1024} KB.",
        )
    return raw


def validate_meeting_id(raw: object) -> str | Problem:
    """Check a meeting id: the canonical text of a UUID (as the app makes them).

    Args:
        raw: The value as received.

    Returns:
        The id in lower case, or a Problem (``invalid_type``,
        ``meeting_id_invalid``).
    """
    if not isinstance(raw, str):
        return Problem("invalid_type", "Expected a meeting id string.")
    try:
        parsed = uuid.UUID(raw)
    except ValueError:
        return Problem("meeting_id_invalid", "That is not a valid meeting id.")
    if str(parsed) != raw.lower():
        return Problem("meeting_id_invalid", "That is not a valid meeting id.")
    return str(parsed)


def validate_participant_id(raw: object) -> str | Problem:
    """Check a participant id (:data:`core.ids.PARTICIPANT_ID`).

    Args:
        raw: The value as received.

    Returns:
        The id, or a Problem (``invalid_type``, ``participant_invalid``).
    """
    if not isinstance(raw, str):
        return Problem("invalid_type", "Expected a participant id string.")
    if not ids.PARTICIPANT_ID.fullmatch(raw):
        return Problem("participant_invalid", "That is not a valid participant id.")
    return raw


def validate_app_version(raw: object) -> str | Problem:
    """Check an app version label (``[A-Za-z0-9._+-]``, 1–64 characters).

    Args:
        raw: The value as received.

    Returns:
        The version, or a Problem (``invalid_type``, ``app_version_invalid``).
    """
    if not isinstance(raw, str):
        return Problem("invalid_type", "Expected an app version string.")
    if not _APP_VERSION.fullmatch(raw):
        return Problem("app_version_invalid", "That is not a valid app version.")
    return raw


def validate_reference(raw: object) -> str | Problem:
    """Check a bug report reference (8 characters of the room id alphabet).

    Args:
        raw: The value as received (case-insensitive).

    Returns:
        The reference in lower case, or a Problem (``invalid_type``,
        ``reference_invalid``).
    """
    if not isinstance(raw, str):
        return Problem("invalid_type", "Expected a reference string.")
    reference = raw.strip().lower()
    if not _REFERENCE.fullmatch(reference):
        return Problem("reference_invalid", "That is not a valid bug reference.")
    return reference
