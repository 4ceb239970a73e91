"""Parsing and shape-checking of request bodies (400 ``invalid_params``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reflex_meet.sfu.errors import invalid_params

MAX_TRACKS_PER_CALL = 64


@dataclass(frozen=True)
class LocalTrackItem:
    """A ``location: local`` track object (publish).

    Attributes:
        mid: The mid in the client's offer; ``None`` when the stand-in makes
            the offer (a third-party peer's track).
        track_name: The track name.
        kind: ``audio`` or ``video``; given when the stand-in makes the offer.
        bidirectional: ``bidirectionalMediaStream``: the stand-in's transceiver
            also sends (what :class:`RemoteTrackItem` with a ``mid`` feeds in).
    """

    mid: str | None
    track_name: str
    kind: str | None = None
    bidirectional: bool = False


@dataclass(frozen=True)
class RemoteTrackItem:
    """A ``location: remote`` track object (subscribe).

    Attributes:
        session_id: The publisher's session id.
        track_name: The publisher's track name.
        mid: ``None`` for a pull on a new transceiver; otherwise the mid (or
            ``#<trackName>``) of one of this session's bidirectional local
            tracks, whose sending side then carries this track (a feed).
    """

    session_id: str
    track_name: str
    mid: str | None = None


@dataclass(frozen=True)
class CloseItem:
    """A track object of ``tracks/close``."""

    mid: str


@dataclass(frozen=True)
class UpdateItem:
    """A track object of ``tracks/update`` (echoed back as given)."""

    mid: str | None
    raw: dict[str, Any]


@dataclass(frozen=True)
class NewTracks:
    """A parsed ``tracks/new`` body.

    One of: an offer with local tracks (publish); local tracks without an
    offer (the stand-in offers: a third-party peer's tracks); remote tracks
    (pulls, and feeds into bidirectional tracks by ``mid``).
    """

    offer_sdp: str | None
    local: list[LocalTrackItem]
    remote: list[RemoteTrackItem]

    @property
    def generated(self) -> bool:
        """Whether these are local tracks for which the stand-in offers."""
        return bool(self.local) and self.offer_sdp is None


def _string(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise invalid_params(f"{what} must be a non-empty string")
    return value


def session_description(body: dict[str, Any], expected_type: str) -> str | None:
    """Returns the SDP of ``body.sessionDescription`` if present.

    Args:
        body: The request body.
        expected_type: ``offer`` or ``answer``.

    Returns:
        The SDP text, or ``None`` when the body has no session description.

    Raises:
        ApiError: 400 ``invalid_params`` for a wrong shape or type.
    """
    description = body.get("sessionDescription")
    if description is None:
        return None
    if not isinstance(description, dict):
        raise invalid_params("sessionDescription must be an object")
    if description.get("type") != expected_type:
        raise invalid_params(f"sessionDescription.type must be {expected_type!r}")
    return _string(description.get("sdp"), "sessionDescription.sdp")


def _track_list(body: dict[str, Any], required: bool = True) -> list[dict[str, Any]]:
    tracks = body.get("tracks")
    if tracks is None and not required:
        return []
    if not isinstance(tracks, list):
        raise invalid_params("tracks must be an array")
    if len(tracks) > MAX_TRACKS_PER_CALL:
        raise invalid_params(f"at most {MAX_TRACKS_PER_CALL} tracks per call")
    for i, track in enumerate(tracks):
        if not isinstance(track, dict):
            raise invalid_params(f"tracks[{i}] must be an object")
    return tracks


def parse_new_tracks(body: dict[str, Any]) -> NewTracks:
    """Parses a ``tracks/new`` body.

    Args:
        body: The request body (a JSON object).

    Returns:
        The parsed request.

    Raises:
        ApiError: 400 ``invalid_params`` for a wrong shape, for local tracks
            without an offer that do not say their kind, or for remote tracks
            mixed with local ones or with an offer.
    """
    offer = session_description(body, "offer")
    tracks = _track_list(body)
    if not tracks:
        raise invalid_params("tracks must not be empty")
    local: list[LocalTrackItem] = []
    remote: list[RemoteTrackItem] = []
    for i, track in enumerate(tracks):
        location = track.get("location")
        if location == "local":
            local.append(_local_item(track, i, offer is not None))
        elif location == "remote":
            mid = track.get("mid")
            remote.append(
                RemoteTrackItem(
                    session_id=_string(
                        track.get("sessionId"), f"tracks[{i}].sessionId"
                    ),
                    track_name=_string(
                        track.get("trackName"), f"tracks[{i}].trackName"
                    ),
                    mid=None if mid is None else _string(mid, f"tracks[{i}].mid"),
                )
            )
        else:
            raise invalid_params(f"tracks[{i}].location must be 'local' or 'remote'")
    if local and remote:
        raise invalid_params(
            "local and remote tracks cannot be mixed in one call"
            if offer is None
            else "remote tracks cannot be pulled in the same call as an offer"
        )
    if remote and offer is not None:
        raise invalid_params(
            "remote tracks cannot be pulled in the same call as an offer"
        )
    return NewTracks(offer_sdp=offer, local=local, remote=remote)


def _local_item(track: dict[str, Any], i: int, has_offer: bool) -> LocalTrackItem:
    """Parses one ``location: local`` track object.

    With an offer the track names its ``mid`` in it. Without one the stand-in
    makes the offer, so the track says its ``kind`` and has no mid yet.
    """
    name = _string(track.get("trackName"), f"tracks[{i}].trackName")
    bidirectional = track.get("bidirectionalMediaStream", False)
    if not isinstance(bidirectional, bool):
        raise invalid_params(f"tracks[{i}].bidirectionalMediaStream must be a boolean")
    if has_offer:
        if bidirectional:
            raise invalid_params(
                f"tracks[{i}]: bidirectionalMediaStream is only supported by the "
                "local stand-in when it makes the offer (no sessionDescription)"
            )
        return LocalTrackItem(
            mid=_string(track.get("mid"), f"tracks[{i}].mid"), track_name=name
        )
    kind = track.get("kind")
    if kind not in ("audio", "video"):
        raise invalid_params(
            f"tracks[{i}]: local tracks without sessionDescription (an offer) "
            "need kind 'audio' or 'video': the SFU makes the offer"
        )
    if track.get("mid") is not None:
        raise invalid_params(
            f"tracks[{i}].mid cannot be given when the SFU makes the offer"
        )
    return LocalTrackItem(
        mid=None, track_name=name, kind=kind, bidirectional=bidirectional
    )


def parse_close(body: dict[str, Any]) -> tuple[list[CloseItem], str | None, bool]:
    """Parses a ``tracks/close`` body.

    Args:
        body: The request body.

    Returns:
        The mids to close, the optional offer and the ``force`` flag.

    Raises:
        ApiError: 400 ``invalid_params`` for a wrong shape.
    """
    tracks = _track_list(body)
    if not tracks:
        raise invalid_params("tracks must not be empty")
    items = [
        CloseItem(_string(t.get("mid"), f"tracks[{i}].mid"))
        for i, t in enumerate(tracks)
    ]
    force = body.get("force", False)
    if not isinstance(force, bool):
        raise invalid_params("force must be a boolean")
    return items, session_description(body, "offer"), force


def parse_update(body: dict[str, Any]) -> list[UpdateItem]:
    """Parses a ``tracks/update`` body.

    Args:
        body: The request body.

    Returns:
        The track updates.

    Raises:
        ApiError: 400 ``invalid_params`` for a wrong shape.
    """
    items = []
    for i, track in enumerate(_track_list(body)):
        mid = track.get("mid")
        if mid is not None:
            mid = _string(mid, f"tracks[{i}].mid")
        items.append(UpdateItem(mid=mid, raw=track))
    return items


def parse_renegotiate(body: dict[str, Any]) -> str:
    """Returns the answer SDP of a ``renegotiate`` body.

    Raises:
        ApiError: 400 ``invalid_params`` if there is no answer.
    """
    answer = session_description(body, "answer")
    if answer is None:
        raise invalid_params("sessionDescription (an answer) is required")
    return answer
