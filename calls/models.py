"""Typed Calls API objects with explicit wire (camelCase JSON) conversion.

``from_wire`` is strict about types: a field of the wrong JSON type, a
missing required field, or a non-object where an object belongs raises
(by default :class:`~calls.errors.CallsProtocolError`, since these usually
parse the API's answers; pass ``error_type=CallsInvalidRequestError`` to parse what
a browser sent). Unknown keys are ignored and a JSON ``null`` counts as absent.
``to_wire`` leaves out fields that are None.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NoReturn, Self

from reflex_meet.calls.errors import CallsError, CallsProtocolError

__all__ = [
    "Location",
    "NewSessionResponse",
    "SdpType",
    "SessionDescription",
    "SessionInfo",
    "Simulcast",
    "TrackObject",
    "TracksResponse",
]

SdpType = Literal["offer", "answer"]
Location = Literal["local", "remote"]
ErrorType = type[CallsError]

_SDP_TYPES = ("offer", "answer")
_LOCATIONS = ("local", "remote")


def _json_type(value: object) -> str:
    """The JSON name of a decoded value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


class _Reader:
    """Typed reads from one decoded JSON object, naming the field on failure."""

    def __init__(self, data: object, where: str, error_type: ErrorType) -> None:
        self.where = where
        self.error_type = error_type
        if not isinstance(data, dict):
            self.fail(f"{where} must be a JSON object, got {_json_type(data)}.")
        self.data: dict[str, Any] = data

    def fail(self, message: str) -> NoReturn:
        raise self.error_type.because(message)

    def _get(self, key: str, expected: type, name: str, required: bool) -> Any:
        value = self.data.get(key)
        if value is None:
            if required:
                self.fail(f"{self.where}.{key} is missing.")
            return None
        # bool is an int in Python; JSON booleans are not strings or numbers.
        if not isinstance(value, expected) or (
            expected is not bool and isinstance(value, bool)
        ):
            self.fail(f"{self.where}.{key} must be {name}, got {_json_type(value)}.")
        return value

    def string(self, key: str, *, required: bool = False) -> str | None:
        return self._get(key, str, "a string", required)

    def boolean(self, key: str, *, required: bool = False) -> bool | None:
        return self._get(key, bool, "true or false", required)

    def array(self, key: str, *, required: bool = False) -> list[Any] | None:
        return self._get(key, list, "an array", required)

    def choice(
        self, key: str, allowed: Sequence[str], *, required: bool = False
    ) -> Any:
        value = self.string(key, required=required)
        if value is not None and value not in allowed:
            options = " or ".join(f'"{option}"' for option in allowed)
            self.fail(f"{self.where}.{key} must be {options}, got {value!r}.")
        return value


def _drop_none(wire: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in wire.items() if value is not None}


@dataclass(frozen=True)
class SessionDescription:
    """An SDP offer or answer.

    Attributes:
        type: ``"offer"`` or ``"answer"``.
        sdp: The SDP text (never shown in ``repr``: it is long and holds ICE
            credentials).
    """

    type: SdpType
    sdp: str = field(repr=False)

    def __repr__(self) -> str:
        """Show the type and the SDP's length, not its text."""
        return f"SessionDescription(type={self.type!r}, sdp=<{len(self.sdp)} chars>)"

    @classmethod
    def from_wire(
        cls,
        data: object,
        *,
        error_type: ErrorType = CallsProtocolError,
        where: str = "sessionDescription",
    ) -> Self:
        """Parse ``{type, sdp}``.

        Args:
            data: The decoded JSON value.
            error_type: The error raised on a wrong shape.
            where: The field's name, for messages.

        Returns:
            The session description.

        Raises:
            CallsError: ``error_type``, when the shape is wrong.
        """
        reader = _Reader(data, where, error_type)
        sdp_type = reader.choice("type", _SDP_TYPES, required=True)
        sdp = reader.string("sdp", required=True)
        return cls(type=sdp_type, sdp=sdp)  # type: ignore[arg-type]

    def to_wire(self) -> dict[str, Any]:
        """The JSON object ``{type, sdp}``."""
        return {"type": self.type, "sdp": self.sdp}


@dataclass(frozen=True)
class Simulcast:
    """Simulcast preferences of a pulled track.

    Attributes:
        preferred_rid: The RID (layer) to receive, e.g. ``"h"``.
        priority_ordering: How to pick another layer (``"none"``,
            ``"asciibetical"``).
        rid_not_available: What to do when the preferred layer is missing.
    """

    preferred_rid: str | None = None
    priority_ordering: str | None = None
    rid_not_available: str | None = None

    @classmethod
    def from_wire(
        cls,
        data: object,
        *,
        error_type: ErrorType = CallsProtocolError,
        where: str = "simulcast",
    ) -> Self:
        """Parse ``{preferredRid, priorityOrdering, ridNotAvailable}``.

        Args:
            data: The decoded JSON value.
            error_type: The error raised on a wrong shape.
            where: The field's name, for messages.

        Returns:
            The simulcast preferences.

        Raises:
            CallsError: ``error_type``, when the shape is wrong.
        """
        reader = _Reader(data, where, error_type)
        return cls(
            preferred_rid=reader.string("preferredRid"),
            priority_ordering=reader.string("priorityOrdering"),
            rid_not_available=reader.string("ridNotAvailable"),
        )

    def to_wire(self) -> dict[str, Any]:
        """The JSON object, without absent fields."""
        return _drop_none(
            {
                "preferredRid": self.preferred_rid,
                "priorityOrdering": self.priority_ordering,
                "ridNotAvailable": self.rid_not_available,
            }
        )


@dataclass(frozen=True)
class TrackObject:
    """One track in a tracks request or answer.

    Attributes:
        location: ``"local"`` (this session publishes) or ``"remote"`` (this
            session pulls another session's track).
        mid: The transceiver mid on this session's PeerConnection
            (``"#<trackName>"`` names an existing transceiver).
        session_id: The publishing session, for remote tracks.
        track_name: The track's name within its publishing session.
        kind: ``"audio"`` or ``"video"``; needed when the SFU makes the offer.
        bidirectional_media_stream: For third-party peers: one transceiver
            both sends and receives.
        simulcast: Layer preferences for a pulled simulcast track.
        error_code: Set in answers when this track failed.
        error_description: The reason, in words.
        status: In session info: ``active``, ``inactive`` or ``waiting``.
    """

    location: Location | None = None
    mid: str | None = None
    session_id: str | None = None
    track_name: str | None = None
    kind: str | None = None
    bidirectional_media_stream: bool | None = None
    simulcast: Simulcast | None = None
    error_code: str | None = None
    error_description: str | None = None
    status: str | None = None

    @property
    def failed(self) -> bool:
        """Whether the answer marked this track as failed."""
        return self.error_code is not None

    @classmethod
    def from_wire(
        cls,
        data: object,
        *,
        error_type: ErrorType = CallsProtocolError,
        where: str = "track",
    ) -> Self:
        """Parse a track object.

        Args:
            data: The decoded JSON value.
            error_type: The error raised on a wrong shape.
            where: The field's name, for messages (e.g. ``"tracks[2]"``).

        Returns:
            The track object.

        Raises:
            CallsError: ``error_type``, when the shape is wrong.
        """
        reader = _Reader(data, where, error_type)
        simulcast = reader.data.get("simulcast")
        return cls(
            location=reader.choice("location", _LOCATIONS),
            mid=reader.string("mid"),
            session_id=reader.string("sessionId"),
            track_name=reader.string("trackName"),
            kind=reader.string("kind"),
            bidirectional_media_stream=reader.boolean("bidirectionalMediaStream"),
            simulcast=None
            if simulcast is None
            else Simulcast.from_wire(
                simulcast, error_type=error_type, where=f"{where}.simulcast"
            ),
            error_code=reader.string("errorCode"),
            error_description=reader.string("errorDescription"),
            status=reader.string("status"),
        )

    def to_wire(self) -> dict[str, Any]:
        """The JSON object, camelCase, without absent fields."""
        return _drop_none(
            {
                "location": self.location,
                "mid": self.mid,
                "sessionId": self.session_id,
                "trackName": self.track_name,
                "kind": self.kind,
                "bidirectionalMediaStream": self.bidirectional_media_stream,
                "simulcast": self.simulcast.to_wire() if self.simulcast else None,
                "errorCode": self.error_code,
                "errorDescription": self.error_description,
                "status": self.status,
            }
        )


def _tracks(
    reader: _Reader, key: str = "tracks", *, required: bool = False
) -> tuple[TrackObject, ...]:
    items = reader.array(key, required=required) or []
    return tuple(
        TrackObject.from_wire(
            item, error_type=reader.error_type, where=f"{reader.where}.{key}[{index}]"
        )
        for index, item in enumerate(items)
    )


def _description(reader: _Reader) -> SessionDescription | None:
    raw = reader.data.get("sessionDescription")
    if raw is None:
        return None
    return SessionDescription.from_wire(
        raw, error_type=reader.error_type, where=f"{reader.where}.sessionDescription"
    )


@dataclass(frozen=True)
class NewSessionResponse:
    """Answer of ``POST sessions/new``.

    Attributes:
        session_id: The new session's id.
        session_description: The SFU's answer, when an offer was sent.
    """

    session_id: str
    session_description: SessionDescription | None = None

    @classmethod
    def from_wire(
        cls,
        data: object,
        *,
        error_type: ErrorType = CallsProtocolError,
        where: str = "response",
    ) -> Self:
        """Parse ``{sessionId, sessionDescription?}``.

        Args:
            data: The decoded JSON value.
            error_type: The error raised on a wrong shape.
            where: The object's name, for messages.

        Returns:
            The parsed answer.

        Raises:
            CallsError: ``error_type``, when the shape is wrong.
        """
        reader = _Reader(data, where, error_type)
        session_id = reader.string("sessionId", required=True)
        if not session_id:
            reader.fail(f"{where}.sessionId is empty.")
        return cls(session_id=session_id, session_description=_description(reader))

    def to_wire(self) -> dict[str, Any]:
        """The JSON object, without absent fields."""
        return _drop_none(
            {
                "sessionId": self.session_id,
                "sessionDescription": self.session_description.to_wire()
                if self.session_description
                else None,
            }
        )


@dataclass(frozen=True)
class TracksResponse:
    """Answer of ``tracks/new``, ``tracks/close`` and ``tracks/update``.

    A 2xx answer may still hold failed tracks: check :attr:`failed_tracks`.

    Attributes:
        requires_immediate_renegotiation: The SFU made an offer that the
            client must answer with ``renegotiate``.
        session_description: The SFU's answer or offer, if any.
        tracks: The tracks, in request order, each possibly with an error.
    """

    requires_immediate_renegotiation: bool = False
    session_description: SessionDescription | None = None
    tracks: tuple[TrackObject, ...] = ()

    @property
    def failed_tracks(self) -> tuple[TrackObject, ...]:
        """The tracks that carry an ``errorCode``."""
        return tuple(track for track in self.tracks if track.failed)

    @property
    def ok_tracks(self) -> tuple[TrackObject, ...]:
        """The tracks without an ``errorCode``."""
        return tuple(track for track in self.tracks if not track.failed)

    @classmethod
    def from_wire(
        cls,
        data: object,
        *,
        error_type: ErrorType = CallsProtocolError,
        where: str = "response",
    ) -> Self:
        """Parse ``{requiresImmediateRenegotiation, sessionDescription?, tracks}``.

        A missing ``requiresImmediateRenegotiation`` counts as false and missing
        ``tracks`` as none.

        Args:
            data: The decoded JSON value.
            error_type: The error raised on a wrong shape.
            where: The object's name, for messages.

        Returns:
            The parsed answer.

        Raises:
            CallsError: ``error_type``, when the shape is wrong.
        """
        reader = _Reader(data, where, error_type)
        return cls(
            requires_immediate_renegotiation=bool(
                reader.boolean("requiresImmediateRenegotiation")
            ),
            session_description=_description(reader),
            tracks=_tracks(reader),
        )

    def to_wire(self) -> dict[str, Any]:
        """The JSON object, without absent fields."""
        return _drop_none(
            {
                "requiresImmediateRenegotiation": self.requires_immediate_renegotiation,
                "sessionDescription": self.session_description.to_wire()
                if self.session_description
                else None,
                "tracks": [track.to_wire() for track in self.tracks],
            }
        )


@dataclass(frozen=True)
class SessionInfo:
    """Answer of ``GET sessions/{id}``.

    Attributes:
        tracks: The session's tracks, each with a ``status``.
        data_channels: The session's data channels, as JSON objects (not
            modelled yet).
    """

    tracks: tuple[TrackObject, ...] = ()
    data_channels: tuple[Mapping[str, Any], ...] = ()

    @classmethod
    def from_wire(
        cls,
        data: object,
        *,
        error_type: ErrorType = CallsProtocolError,
        where: str = "response",
    ) -> Self:
        """Parse ``{tracks, dataChannels}``; both may be missing (none).

        Args:
            data: The decoded JSON value.
            error_type: The error raised on a wrong shape.
            where: The object's name, for messages.

        Returns:
            The parsed answer.

        Raises:
            CallsError: ``error_type``, when the shape is wrong.
        """
        reader = _Reader(data, where, error_type)
        channels = []
        for index, item in enumerate(reader.array("dataChannels") or []):
            channel = _Reader(item, f"{where}.dataChannels[{index}]", error_type)
            channels.append(dict(channel.data))
        return cls(tracks=_tracks(reader), data_channels=tuple(channels))

    def to_wire(self) -> dict[str, Any]:
        """The JSON object."""
        return {
            "tracks": [track.to_wire() for track in self.tracks],
            "dataChannels": [dict(channel) for channel in self.data_channels],
        }
