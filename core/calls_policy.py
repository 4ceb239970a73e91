"""Which Calls API requests a browser tab may have the server make for it.

The browser never talks to Calls: its media bridge sends each request to the
server as a Reflex event, and this module decides, from facts the server holds,
whether to forward it. A tab may only

* create its own session (``sessions/new``),
* operate on its own session (publish, renegotiate, close, update, read), and
* subscribe to tracks that other participants of the same room have announced.

Everything else is refused with a :class:`~core.problems.Problem`. Accepted
requests are rebuilt from their validated fields only: unknown keys from the
browser are never forwarded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from reflex_meet.core.problems import Problem
from reflex_meet.core.roster import User
from reflex_meet.core.validation import validate_session_id

__all__ = [
    "MAX_SDP",
    "MAX_TRACKS",
    "OPERATIONS",
    "CallsOperation",
    "authorise",
    "room_track_ids",
]

# Calls accepts at most 64 tracks per call; a tab never needs more than this.
MAX_TRACKS = 32
# A tab's SDP grows with every transceiver: Chrome's offer in a room of 40
# (40 pulled audio, 9 pulled video, its own 2) measured 70 KB, about 1 KB per
# audio and up to 5 KB per video m-line; a room of 100 stays under 200 KB.
# Reflex's websocket takes messages of up to 1 MB.
MAX_SDP = 256 * 1024
_TRACK_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
_MID = re.compile(r"[A-Za-z0-9#._-]{1,32}")

# Operation name (as the bridge sends it) -> (HTTP method, path after the session).
OPERATIONS: dict[str, tuple[str, str]] = {
    "sessions/new": ("POST", "sessions/new"),
    "tracks/new": ("POST", "tracks/new"),
    "renegotiate": ("PUT", "renegotiate"),
    "tracks/close": ("PUT", "tracks/close"),
    "tracks/update": ("PUT", "tracks/update"),
    "session": ("GET", ""),
}


@dataclass(frozen=True)
class CallsOperation:
    """An authorised request, ready for the Calls client.

    Attributes:
        op: The operation name (a key of :data:`OPERATIONS`).
        method: HTTP method.
        path: Path after ``/apps/{appId}/sessions/{sessionId}/`` (or
            ``sessions/new``).
        session_id: The caller's own session, None for ``sessions/new``.
        body: The rebuilt JSON body, None when the call has none.
    """

    op: str
    method: str
    path: str
    session_id: str | None
    body: dict[str, object] | None


class _Refused(Exception):  # noqa: N818 (internal control flow)
    def __init__(self, code: str, description: str) -> None:
        super().__init__(description)
        self.problem = Problem(code, description)


def room_track_ids(
    users: Iterable[User], *, exclude: str | None = None
) -> frozenset[str]:
    """Track ids announced by the joined participants of a room.

    Args:
        users: The room's roster.
        exclude: A participant id whose tracks do not count (the caller).

    Returns:
        Every ``"<sessionId>/<trackName>"`` a member of the room may pull.
    """
    ids: set[str] = set()
    for user in users:
        if not user.joined or user.id == exclude:
            continue
        for track in (user.tracks.audio, user.tracks.video, user.tracks.screenshare):
            if track:
                ids.add(track)
    return frozenset(ids)


def authorise(
    request: object,
    *,
    in_room: bool,
    joined: bool,
    own_session: str | None,
    pullable: frozenset[str],
) -> CallsOperation | Problem:
    """Decide whether to forward one Calls request of a browser tab.

    Args:
        request: ``{"op", "sessionId"?, "body"?}`` as the bridge sent it.
        in_room: Whether the tab is in a room (lobby or meeting); needed to
            create a session and to publish tracks.
        joined: Whether the tab has joined the meeting; needed to pull
            anybody's tracks (a lobby visitor publishes but never listens).
        own_session: The Calls session the server created for this tab.
        pullable: Track ids the tab may subscribe to (see :func:`room_track_ids`).

    Returns:
        The operation to forward, or the Problem to answer with.
    """
    try:
        return _authorise(request, in_room, own_session, pullable if joined else None)
    except _Refused as refusal:
        return refusal.problem


def _authorise(
    request: object,
    in_room: bool,
    own_session: str | None,
    pullable: frozenset[str] | None,
) -> CallsOperation:
    if not isinstance(request, Mapping):
        raise _Refused("invalid_params", "A Calls request must be a JSON object.")
    op = request.get("op")
    if not isinstance(op, str) or op not in OPERATIONS:
        raise _Refused("unknown_operation", "That Calls operation is not available.")
    # Creating a session and adding tracks need a room; closing one's own
    # tracks does not (the bridge closes them right after leaving).
    if not in_room and op in ("sessions/new", "tracks/new"):
        raise _Refused("not_in_room", "Enter a room before starting media.")
    method, path = OPERATIONS[op]
    body = request.get("body")
    if op == "sessions/new":
        if body not in (None, {}):
            raise _Refused("invalid_params", "sessions/new takes no body here.")
        return CallsOperation(op, method, path, None, None)
    session_id = validate_session_id(request.get("sessionId"))
    if isinstance(session_id, Problem):
        raise _Refused("invalid_params", f"sessionId: {session_id.description}")
    if not own_session:
        raise _Refused("no_session", "Create a media session first.")
    if session_id != own_session:
        raise _Refused("not_your_session", "Only your own media session can be used.")
    if op == "session":
        if body not in (None, {}):
            raise _Refused("invalid_params", "Reading a session takes no body.")
        return CallsOperation(op, method, path, session_id, None)
    if not isinstance(body, Mapping):
        raise _Refused("invalid_params", f"{op} needs a JSON object body.")
    builders = {
        "tracks/new": _tracks_new,
        "renegotiate": _renegotiate,
        "tracks/close": _tracks_close,
        "tracks/update": _tracks_update,
    }
    rebuilt = builders[op](body, pullable)
    return CallsOperation(op, method, path, session_id, rebuilt)


def _description(raw: object, expected: str, *, required: bool) -> dict | None:
    if raw is None and not required:
        return None
    if not isinstance(raw, Mapping):
        raise _Refused(
            "invalid_params", f"sessionDescription ({expected}) is required."
        )
    kind, sdp = raw.get("type"), raw.get("sdp")
    if kind != expected:
        raise _Refused("invalid_params", f"sessionDescription must be an {expected}.")
    if not isinstance(sdp, str) or not sdp.startswith("v=0"):
        raise _Refused("invalid_params", "sessionDescription.sdp must be an SDP text.")
    if len(sdp) > MAX_SDP:
        raise _Refused("payload_too_large", "That session description is too large.")
    return {"type": kind, "sdp": sdp}


def _track_list(raw: object) -> list[Mapping]:
    if not isinstance(raw, list) or not raw:
        raise _Refused("invalid_params", "tracks must be a non-empty list.")
    if len(raw) > MAX_TRACKS:
        raise _Refused("invalid_params", f"At most {MAX_TRACKS} tracks per request.")
    if not all(isinstance(item, Mapping) for item in raw):
        raise _Refused("invalid_params", "Every track must be an object.")
    return raw


def _text(item: Mapping, key: str, pattern: re.Pattern[str]) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise _Refused("invalid_params", f"Track field {key} is missing or invalid.")
    return value


def _remote(item: Mapping, pullable: frozenset[str] | None) -> dict[str, object]:
    if pullable is None:
        raise _Refused("not_joined", "Join the meeting to receive others' media.")
    publisher = validate_session_id(item.get("sessionId"))
    if isinstance(publisher, Problem):
        raise _Refused("invalid_params", f"sessionId: {publisher.description}")
    name = _text(item, "trackName", _TRACK_NAME)
    if f"{publisher}/{name}" not in pullable:
        raise _Refused(
            "track_not_in_room",
            "You can only receive tracks of people in your meeting.",
        )
    return {"location": "remote", "sessionId": publisher, "trackName": name}


def _tracks_new(body: Mapping, pullable: frozenset[str] | None) -> dict[str, object]:
    tracks = _track_list(body.get("tracks"))
    rebuilt: list[dict[str, object]] = []
    local = 0
    for item in tracks:
        location = item.get("location")
        if location == "local":
            local += 1
            rebuilt.append(
                {
                    "location": "local",
                    "mid": _text(item, "mid", _MID),
                    "trackName": _text(item, "trackName", _TRACK_NAME),
                }
            )
        elif location == "remote":
            rebuilt.append(_remote(item, pullable))
        else:
            raise _Refused("invalid_params", "Track location must be local or remote.")
    if local and local != len(rebuilt):
        raise _Refused("invalid_params", "Publish and subscribe in separate requests.")
    description = _description(
        body.get("sessionDescription"), "offer", required=bool(local)
    )
    if description is not None and not local:
        raise _Refused("invalid_params", "Subscribing takes no session description.")
    result: dict[str, object] = {"tracks": rebuilt}
    if description is not None:
        result["sessionDescription"] = description
    return result


def _renegotiate(body: Mapping, pullable: frozenset[str] | None) -> dict[str, object]:
    del pullable
    return {
        "sessionDescription": _description(
            body.get("sessionDescription"), "answer", required=True
        )
    }


def _tracks_close(body: Mapping, pullable: frozenset[str] | None) -> dict[str, object]:
    del pullable
    mids = [
        {"mid": _text(item, "mid", _MID)} for item in _track_list(body.get("tracks"))
    ]
    force = body.get("force", False)
    if not isinstance(force, bool):
        raise _Refused("invalid_params", "force must be true or false.")
    result: dict[str, object] = {"tracks": mids, "force": force}
    description = _description(body.get("sessionDescription"), "offer", required=False)
    if description is not None:
        result["sessionDescription"] = description
    return result


def _tracks_update(body: Mapping, pullable: frozenset[str] | None) -> dict[str, object]:
    rebuilt: list[dict[str, object]] = []
    for item in _track_list(body.get("tracks")):
        if item.get("location") != "remote":
            raise _Refused("invalid_params", "Only pulled tracks can be updated.")
        track = _remote(item, pullable)
        track["mid"] = _text(item, "mid", _MID)
        simulcast = item.get("simulcast")
        if simulcast is not None:
            rid = (
                simulcast.get("preferredRid")
                if isinstance(simulcast, Mapping)
                else None
            )
            if not isinstance(rid, str) or not _TRACK_NAME.fullmatch(rid):
                raise _Refused("invalid_params", "simulcast.preferredRid is invalid.")
            track["simulcast"] = {"preferredRid": rid}
        rebuilt.append(track)
    return {"tracks": rebuilt}
