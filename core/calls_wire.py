"""The one parser of the Calls API's JSON bodies: requests and answers.

Requests (``sessions/new``, ``tracks/new``, ``renegotiate``, ``tracks/close``,
``tracks/update``) are parsed by the local Calls stand-in (:mod:`sfu`), by the
policy that decides what a browser may ask for (:mod:`core.calls_policy`) and
by the Calls client for the requests the server makes itself
(:mod:`calls.client`). Answers (``sessions/new``, the tracks calls, ``GET
sessions/{id}``) are parsed by the Calls client.

Every function is pure and raises :class:`WireError` (with the field's path in
its message) on a wrong shape. Ids are checked against :mod:`core.ids`.
Unknown keys are ignored; JSON ``null`` counts as absent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reflex_meet.core import ids

__all__ = [
    "MAX_TRACKS_PER_CALL",
    "AnsweredTrack",
    "CloseRequest",
    "LocalTrackItem",
    "NewTracks",
    "RemoteTrackItem",
    "SessionAnswer",
    "TracksAnswer",
    "UpdateItem",
    "WireError",
    "parse_close",
    "parse_new_session",
    "parse_new_session_answer",
    "parse_new_tracks",
    "parse_renegotiate",
    "parse_session_info",
    "parse_tracks_answer",
    "parse_update",
]

# Calls takes at most 64 track objects per call.
MAX_TRACKS_PER_CALL = 64
_KINDS = ("audio", "video")


class WireError(ValueError):
    """A Calls body of the wrong shape.

    Attributes:
        description: What is wrong, naming the field.
    """

    def __init__(self, description: str) -> None:
        """Keep the description (also the exception's text)."""
        super().__init__(description)
        self.description = description


@dataclass(frozen=True)
class LocalTrackItem:
    """A ``location: local`` track object of ``tracks/new`` (publish).

    Attributes:
        mid: The mid in the client's offer; None when the SFU makes the offer
            (a third-party peer's track).
        track_name: The track name.
        kind: ``audio`` or ``video``; given when the SFU makes the offer.
        bidirectional: ``bidirectionalMediaStream``: the SFU's transceiver also
            sends (what a :class:`RemoteTrackItem` with a ``mid`` feeds in).
    """

    mid: str | None
    track_name: str
    kind: str | None = None
    bidirectional: bool = False


@dataclass(frozen=True)
class RemoteTrackItem:
    """A ``location: remote`` track object of ``tracks/new`` (subscribe).

    Attributes:
        session_id: The publisher's session id.
        track_name: The publisher's track name.
        mid: None for a pull on a new transceiver; otherwise the mid (or
            ``#<trackName>``) of one of this session's bidirectional local
            tracks, whose sending side then carries this track (a feed).
    """

    session_id: str
    track_name: str
    mid: str | None = None


@dataclass(frozen=True)
class NewTracks:
    """A parsed ``tracks/new`` body.

    One of: an offer with local tracks (publish); local tracks without an
    offer (the SFU offers: a third-party peer's tracks); remote tracks (pulls,
    and feeds into bidirectional tracks by ``mid``).

    Attributes:
        offer_sdp: The client's offer, if any.
        local: The tracks to publish.
        remote: The tracks to pull (or feed).
    """

    offer_sdp: str | None
    local: tuple[LocalTrackItem, ...]
    remote: tuple[RemoteTrackItem, ...]

    @property
    def generated(self) -> bool:
        """Whether these are local tracks for which the SFU offers."""
        return bool(self.local) and self.offer_sdp is None


@dataclass(frozen=True)
class CloseRequest:
    """A parsed ``tracks/close`` body.

    Attributes:
        mids: The mids to close, in request order.
        offer_sdp: The client's offer after stopping them, if any.
        force: Close without renegotiating.
    """

    mids: tuple[str, ...]
    offer_sdp: str | None
    force: bool


@dataclass(frozen=True)
class UpdateItem:
    """A track object of ``tracks/update``.

    Attributes:
        mid: The pulled track's mid on the caller's session, if given.
        session_id: The publisher's session, if given.
        track_name: The publisher's track name, if given.
        location: ``local`` or ``remote``, if given.
        preferred_rid: ``simulcast.preferredRid``, if given.
        raw: The object as sent (echoed back by the SFU).
    """

    mid: str | None
    session_id: str | None
    track_name: str | None
    location: str | None
    preferred_rid: str | None
    raw: Mapping[str, Any]


@dataclass(frozen=True)
class AnsweredTrack:
    """A track object in an answer.

    Attributes:
        location: ``local`` or ``remote``.
        mid: Its mid on the caller's session.
        session_id: The publishing session (remote tracks).
        track_name: The track's name.
        status: In ``GET sessions/{id}``: ``active``, ``inactive``, ``waiting``.
        error_code: Set when this track failed.
        error_description: The reason, in words.
    """

    location: str | None = None
    mid: str | None = None
    session_id: str | None = None
    track_name: str | None = None
    status: str | None = None
    error_code: str | None = None
    error_description: str | None = None

    @property
    def failed(self) -> bool:
        """Whether the answer marked this track as failed."""
        return self.error_code is not None


@dataclass(frozen=True)
class TracksAnswer:
    """The answer of ``tracks/new``, ``tracks/close`` or ``tracks/update``.

    A 2xx answer may still hold failed tracks: see :attr:`failed_tracks`.

    Attributes:
        requires_immediate_renegotiation: The SFU made an offer that the
            client must answer with ``renegotiate``.
        sdp_type: ``offer`` or ``answer`` when a session description came.
        sdp: Its SDP text.
        tracks: The tracks, in request order, each possibly with an error.
    """

    requires_immediate_renegotiation: bool = False
    sdp_type: str | None = None
    sdp: str | None = None
    tracks: tuple[AnsweredTrack, ...] = ()

    @property
    def failed_tracks(self) -> tuple[AnsweredTrack, ...]:
        """The tracks that carry an ``errorCode``."""
        return tuple(track for track in self.tracks if track.failed)


@dataclass(frozen=True)
class SessionAnswer:
    """The answer of ``sessions/new``.

    Attributes:
        session_id: The new session's id.
        answer_sdp: The SFU's answer, when an offer was sent.
    """

    session_id: str
    answer_sdp: str | None = None


# -- small readers --------------------------------------------------------


def _object(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise WireError(f"{where} must be a JSON object.")
    return value


def _string(
    data: Mapping[str, Any],
    key: str,
    where: str,
    *,
    pattern: re.Pattern[str] | None = None,
    required: bool = False,
) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise WireError(f"{where}.{key} is missing.")
        return None
    if not isinstance(value, str) or not value:
        raise WireError(f"{where}.{key} must be a non-empty string.")
    if pattern is not None and not pattern.fullmatch(value):
        raise WireError(f"{where}.{key} is not a valid {key}.")
    return value


def _required(data: Mapping[str, Any], key: str, where: str, **kw: Any) -> str:
    value = _string(data, key, where, required=True, **kw)
    assert value is not None  # required strings are never None
    return value


def _flag(data: Mapping[str, Any], key: str, where: str) -> bool:
    value = data.get(key, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise WireError(f"{where}.{key} must be true or false.")
    return value


def _description(
    data: Mapping[str, Any], where: str, expected: str | None
) -> tuple[str, str] | None:
    """``(type, sdp)`` of ``data.sessionDescription``, None when absent."""
    raw = data.get("sessionDescription")
    if raw is None:
        return None
    here = f"{where}.sessionDescription"
    description = _object(raw, here)
    kind = description.get("type")
    allowed = (expected,) if expected else ("offer", "answer")
    if kind not in allowed:
        shown = " or ".join(repr(option) for option in allowed)
        raise WireError(f"{here}.type must be {shown}.")
    return kind, _required(description, "sdp", here)


def _offer(data: Mapping[str, Any], where: str, expected: str) -> str | None:
    description = _description(data, where, expected)
    return None if description is None else description[1]


def _track_objects(
    data: Mapping[str, Any], where: str, *, required: bool = True
) -> list[tuple[str, Mapping[str, Any]]]:
    """The ``tracks`` array as ``(path, object)`` pairs.

    A request lists 1-64 tracks; an answer any number (a session's own list
    may be longer than one call).
    """
    raw = data.get("tracks")
    if raw is None and not required:
        return []
    if not isinstance(raw, list):
        raise WireError(f"{where}.tracks must be an array.")
    if required and not raw:
        raise WireError(f"{where}.tracks must not be empty.")
    if required and len(raw) > MAX_TRACKS_PER_CALL:
        raise WireError(f"At most {MAX_TRACKS_PER_CALL} tracks fit into one call.")
    return [
        (f"{where}.tracks[{i}]", _object(item, f"{where}.tracks[{i}]"))
        for i, item in enumerate(raw)
    ]


# -- requests ---------------------------------------------------------------


def parse_new_session(body: object) -> str | None:
    """The offer of a ``sessions/new`` body, if any.

    Args:
        body: The decoded JSON body (``{}`` when there was none).

    Returns:
        The offer's SDP, or None.

    Raises:
        WireError: On a wrong shape.
    """
    return _offer(_object(body, "body"), "body", "offer")


def parse_new_tracks(body: object) -> NewTracks:
    """Parse a ``tracks/new`` body.

    Args:
        body: The decoded JSON body.

    Returns:
        The parsed request.

    Raises:
        WireError: On a wrong shape, for local tracks without an offer that do
            not say their kind, or for remote tracks mixed with local ones or
            with an offer.
    """
    data = _object(body, "body")
    offer = _offer(data, "body", "offer")
    local: list[LocalTrackItem] = []
    remote: list[RemoteTrackItem] = []
    for where, track in _track_objects(data, "body"):
        location = track.get("location")
        if location == "local":
            local.append(_local_item(track, where, offer is not None))
        elif location == "remote":
            remote.append(
                RemoteTrackItem(
                    session_id=_required(
                        track, "sessionId", where, pattern=ids.SESSION_ID
                    ),
                    track_name=_required(
                        track, "trackName", where, pattern=ids.TRACK_NAME
                    ),
                    mid=_string(track, "mid", where, pattern=ids.MID),
                )
            )
        else:
            raise WireError(f"{where}.location must be 'local' or 'remote'.")
    if remote and offer is not None:
        raise WireError("Remote tracks cannot be pulled in the same call as an offer.")
    if local and remote:
        raise WireError("Local and remote tracks cannot be mixed in one call.")
    return NewTracks(offer_sdp=offer, local=tuple(local), remote=tuple(remote))


def _local_item(
    track: Mapping[str, Any], where: str, has_offer: bool
) -> LocalTrackItem:
    """One ``location: local`` track object.

    With an offer the track names its ``mid`` in it. Without one the SFU
    makes the offer, so the track says its ``kind`` and has no mid yet.
    """
    name = _required(track, "trackName", where, pattern=ids.TRACK_NAME)
    bidirectional = _flag(track, "bidirectionalMediaStream", where)
    if has_offer:
        if bidirectional:
            raise WireError(
                f"{where}: bidirectionalMediaStream is only supported when the "
                "SFU makes the offer (no sessionDescription)."
            )
        mid = _required(track, "mid", where, pattern=ids.MID)
        return LocalTrackItem(mid=mid, track_name=name)
    kind = track.get("kind")
    if kind not in _KINDS:
        raise WireError(
            f"{where}: local tracks without a sessionDescription (an offer) need "
            "kind 'audio' or 'video': the SFU makes the offer."
        )
    if track.get("mid") is not None:
        raise WireError(f"{where}.mid cannot be given when the SFU makes the offer.")
    return LocalTrackItem(
        mid=None, track_name=name, kind=kind, bidirectional=bidirectional
    )


def parse_renegotiate(body: object) -> str:
    """The answer SDP of a ``renegotiate`` body.

    Args:
        body: The decoded JSON body.

    Returns:
        The answer's SDP.

    Raises:
        WireError: If there is no answer or its shape is wrong.
    """
    answer = _offer(_object(body, "body"), "body", "answer")
    if answer is None:
        raise WireError("body.sessionDescription (an answer) is required.")
    return answer


def parse_close(body: object) -> CloseRequest:
    """Parse a ``tracks/close`` body.

    Args:
        body: The decoded JSON body.

    Returns:
        The mids, the optional offer and the ``force`` flag.

    Raises:
        WireError: On a wrong shape.
    """
    data = _object(body, "body")
    mids = tuple(
        _required(track, "mid", where, pattern=ids.MID)
        for where, track in _track_objects(data, "body")
    )
    return CloseRequest(
        mids=mids,
        offer_sdp=_offer(data, "body", "offer"),
        force=_flag(data, "force", "body"),
    )


def parse_update(body: object) -> tuple[UpdateItem, ...]:
    """Parse a ``tracks/update`` body.

    Args:
        body: The decoded JSON body.

    Returns:
        The track updates.

    Raises:
        WireError: On a wrong shape.
    """
    items = []
    for where, track in _track_objects(_object(body, "body"), "body"):
        simulcast = track.get("simulcast")
        rid = None
        if simulcast is not None:
            rid = _string(
                _object(simulcast, f"{where}.simulcast"),
                "preferredRid",
                f"{where}.simulcast",
                pattern=ids.TRACK_NAME,
            )
        location = track.get("location")
        if location not in (None, "local", "remote"):
            raise WireError(f"{where}.location must be 'local' or 'remote'.")
        items.append(
            UpdateItem(
                mid=_string(track, "mid", where, pattern=ids.MID),
                session_id=_string(track, "sessionId", where, pattern=ids.SESSION_ID),
                track_name=_string(track, "trackName", where, pattern=ids.TRACK_NAME),
                location=location,
                preferred_rid=rid,
                raw=track,
            )
        )
    return tuple(items)


# -- answers ------------------------------------------------------------------


def _answered_tracks(data: Mapping[str, Any]) -> tuple[AnsweredTrack, ...]:
    tracks = []
    for where, track in _track_objects(data, "answer", required=False):
        location = track.get("location")
        if location not in (None, "local", "remote"):
            raise WireError(f"{where}.location must be 'local' or 'remote'.")
        tracks.append(
            AnsweredTrack(
                location=location,
                mid=_string(track, "mid", where),
                session_id=_string(track, "sessionId", where),
                track_name=_string(track, "trackName", where),
                status=_string(track, "status", where),
                error_code=_string(track, "errorCode", where),
                error_description=_string(track, "errorDescription", where),
            )
        )
    return tuple(tracks)


def parse_new_session_answer(payload: object) -> SessionAnswer:
    """Parse the answer of ``sessions/new``.

    Args:
        payload: The decoded JSON answer.

    Returns:
        The session id and the SFU's answer SDP, if any.

    Raises:
        WireError: On a wrong shape or a session id that is not one.
    """
    data = _object(payload, "answer")
    session_id = _required(data, "sessionId", "answer", pattern=ids.SESSION_ID)
    return SessionAnswer(session_id, _offer(data, "answer", "answer"))


def parse_tracks_answer(payload: object) -> TracksAnswer:
    """Parse the answer of ``tracks/new``, ``tracks/close`` or ``tracks/update``.

    A missing ``requiresImmediateRenegotiation`` counts as false and missing
    ``tracks`` as none.

    Args:
        payload: The decoded JSON answer.

    Returns:
        The parsed answer.

    Raises:
        WireError: On a wrong shape.
    """
    data = _object(payload, "answer")
    description = _description(data, "answer", None)
    return TracksAnswer(
        requires_immediate_renegotiation=_flag(
            data, "requiresImmediateRenegotiation", "answer"
        ),
        sdp_type=description[0] if description else None,
        sdp=description[1] if description else None,
        tracks=_answered_tracks(data),
    )


def parse_session_info(payload: object) -> tuple[AnsweredTrack, ...]:
    """The tracks of a ``GET sessions/{id}`` answer (data channels ignored).

    Args:
        payload: The decoded JSON answer.

    Returns:
        The session's tracks, each with its status.

    Raises:
        WireError: On a wrong shape.
    """
    return _answered_tracks(_object(payload, "answer"))
