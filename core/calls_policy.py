"""Which Calls API requests a browser tab may have the server make for it.

The browser never talks to Calls: its media bridge sends each request to the
server as a Reflex event, and this module decides, from facts the server holds,
whether to forward it. A tab may only

* create its own session (``sessions/new``),
* operate on its own session (publish, renegotiate, close, update, read), and
* subscribe to tracks that other participants of the same room have announced.

Everything else is refused with a :class:`~core.problems.Problem`. Bodies are
parsed by :mod:`core.calls_wire` (the Calls format, ids of :mod:`core.ids`);
this module adds the app's own limits and who may do what. Accepted requests
are rebuilt from their validated fields only: unknown keys from the
browser are never forwarded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from reflex_meet.core import calls_wire
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

_Parsed = TypeVar("_Parsed")

# Calls accepts at most 64 tracks per call; a tab never needs more than this.
MAX_TRACKS = 32
# A tab's SDP grows with every transceiver: Chrome's offer in a room of 40
# (40 pulled audio, 9 pulled video, its own 2) measured 70 KB, about 1 KB per
# audio and up to 5 KB per video m-line; a room of 100 stays under 200 KB.
# Reflex's websocket takes messages of up to 1 MB.
MAX_SDP = 256 * 1024

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


def _wire(parse: Callable[[object], _Parsed], body: object) -> _Parsed:
    """The body parsed by :mod:`core.calls_wire`, or refused with its reason."""
    try:
        return parse(body)
    except calls_wire.WireError as error:
        raise _Refused("invalid_params", error.description) from None


def _description(sdp: str | None, expected: str, *, required: bool) -> dict | None:
    if sdp is None:
        if required:
            raise _Refused(
                "invalid_params", f"sessionDescription ({expected}) is required."
            )
        return None
    if not sdp.startswith("v=0"):
        raise _Refused("invalid_params", "sessionDescription.sdp must be an SDP text.")
    if len(sdp) > MAX_SDP:
        raise _Refused("payload_too_large", "That session description is too large.")
    return {"type": expected, "sdp": sdp}


def _at_most(count: int) -> None:
    if count > MAX_TRACKS:
        raise _Refused("invalid_params", f"At most {MAX_TRACKS} tracks per request.")


def _remote(
    publisher: str | None, name: str | None, pullable: frozenset[str] | None
) -> dict[str, object]:
    if pullable is None:
        raise _Refused("not_joined", "Join the meeting to receive others' media.")
    if publisher is None or name is None:
        raise _Refused(
            "invalid_params", "A pulled track needs sessionId and trackName."
        )
    if f"{publisher}/{name}" not in pullable:
        raise _Refused(
            "track_not_in_room",
            "You can only receive tracks of people in your meeting.",
        )
    return {"location": "remote", "sessionId": publisher, "trackName": name}


def _tracks_new(body: Mapping, pullable: frozenset[str] | None) -> dict[str, object]:
    parsed = _wire(calls_wire.parse_new_tracks, body)
    _at_most(len(parsed.local) + len(parsed.remote))
    if parsed.generated:
        raise _Refused("invalid_params", "Publishing needs a sessionDescription offer.")
    if any(track.mid is not None for track in parsed.remote):
        raise _Refused("invalid_params", "A pulled track gets its mid from Calls.")
    rebuilt: list[dict[str, object]] = [
        {"location": "local", "mid": track.mid, "trackName": track.track_name}
        for track in parsed.local
    ]
    rebuilt += [
        _remote(track.session_id, track.track_name, pullable) for track in parsed.remote
    ]
    result: dict[str, object] = {"tracks": rebuilt}
    description = _description(parsed.offer_sdp, "offer", required=bool(parsed.local))
    if description is not None:
        result["sessionDescription"] = description
    return result


def _renegotiate(body: Mapping, pullable: frozenset[str] | None) -> dict[str, object]:
    del pullable
    answer = _wire(calls_wire.parse_renegotiate, body)
    return {"sessionDescription": _description(answer, "answer", required=True)}


def _tracks_close(body: Mapping, pullable: frozenset[str] | None) -> dict[str, object]:
    del pullable
    close = _wire(calls_wire.parse_close, body)
    _at_most(len(close.mids))
    result: dict[str, object] = {
        "tracks": [{"mid": mid} for mid in close.mids],
        "force": close.force,
    }
    description = _description(close.offer_sdp, "offer", required=False)
    if description is not None:
        result["sessionDescription"] = description
    return result


def _tracks_update(body: Mapping, pullable: frozenset[str] | None) -> dict[str, object]:
    items = _wire(calls_wire.parse_update, body)
    _at_most(len(items))
    rebuilt: list[dict[str, object]] = []
    for item in items:
        if item.location != "remote":
            raise _Refused("invalid_params", "Only pulled tracks can be updated.")
        track = _remote(item.session_id, item.track_name, pullable)
        if item.mid is None:
            raise _Refused("invalid_params", "An updated track needs its mid.")
        track["mid"] = item.mid
        if item.raw.get("simulcast") is not None:
            if item.preferred_rid is None:
                raise _Refused("invalid_params", "simulcast.preferredRid is invalid.")
            track["simulcast"] = {"preferredRid": item.preferred_rid}
        rebuilt.append(track)
    return {"tracks": rebuilt}
