"""The shapes of the ids this project passes around, each defined once.

Calls ids (see the Calls API): a session id goes into a URL path
(``/sessions/{sessionId}/…``), so it is letters, digits, ``_`` and ``-`` only:
no ``.`` (``..`` would climb the path) and no ``/``. Cloudflare's ids are 32 hex
digits, the local stand-in's too. A track name is chosen by the publisher
(this project's browsers use short words and random ids); ``.`` is fine there,
``/`` is not (a track id is ``"<sessionId>/<trackName>"``). A mid is a
transceiver's media id on the caller's own PeerConnection (Chrome numbers them
``0``, ``1``…; Firefox may write ``sdparta_0``), or ``#<trackName>`` naming an
existing transceiver by its track.

Project ids: a participant id, a tab's key, and the request ids a browser
picks for its own requests.
"""

from __future__ import annotations

import re

__all__ = [
    "MAX_TRACK_ID",
    "MID",
    "PARTICIPANT_ID",
    "REQUEST_ID",
    "SESSION_ID",
    "TAB_KEY",
    "TRACK_NAME",
    "is_id",
]

SESSION_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
TRACK_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
MID = re.compile(r"[A-Za-z0-9._-]{1,32}|#[A-Za-z0-9._-]{1,64}")
# "<sessionId>/<trackName>": the longest possible is 128 + 1 + 64.
MAX_TRACK_ID = 193
PARTICIPANT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
TAB_KEY = re.compile(r"[A-Za-z0-9_-]{1,128}")
REQUEST_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")


def is_id(pattern: re.Pattern[str], value: object) -> bool:
    """Whether ``value`` is a string that fully matches ``pattern``.

    Args:
        pattern: One of this module's patterns.
        value: The candidate, of any type.

    Returns:
        True for a string of that shape.
    """
    return isinstance(value, str) and pattern.fullmatch(value) is not None
