"""What a session publishes and pulls, with the status ``GET`` reports."""

from __future__ import annotations

from dataclasses import dataclass

from aiortc import RTCRtpTransceiver

from reflex_meet.sfu.forwarding import FeedTrack, RelayedTrack, TrackRelay


@dataclass
class LocalTrack:
    """A track a session publishes (``location: local``).

    Attributes:
        name: The track name.
        mid: The mid on the publisher's PeerConnection.
        kind: ``audio`` or ``video``.
        transceiver: The stand-in's (receiving) transceiver.
        relay: The fan-out of its media.
        primary_ssrc: The publisher's media SSRC (target of PLIs).
        cleaned: Whether it was cleaned up (no media, or session closed).
        feed: For a bidirectional track (``bidirectionalMediaStream``), what
            its transceiver sends back to the publisher; else ``None``.
    """

    name: str
    mid: str
    kind: str
    transceiver: RTCRtpTransceiver
    relay: TrackRelay
    primary_ssrc: int | None = None
    cleaned: bool = False
    feed: FeedTrack | None = None

    @property
    def live(self) -> bool:
        """Whether the track still forwards media to subscribers."""
        return not self.cleaned and self.relay.live

    @property
    def status(self) -> str:
        """``active`` once media flowed, ``waiting`` before, else ``inactive``."""
        if not self.live:
            return "inactive"
        return "active" if self.relay.last_media is not None else "waiting"


@dataclass
class RemoteTrack:
    """A track a session pulls from another one (``location: remote``).

    Attributes:
        session_id: The publisher's session id.
        name: The track name.
        mid: The mid on the subscriber's PeerConnection.
        transceiver: The stand-in's (sending) transceiver.
        source: The publisher's track.
        relayed: The subscriber's copy of the media.
        answered: Whether the client answered the offer that added it.
    """

    session_id: str
    name: str
    mid: str
    transceiver: RTCRtpTransceiver
    source: LocalTrack
    relayed: RelayedTrack
    answered: bool = False

    @property
    def status(self) -> str:
        """``waiting`` until answered, ``active`` while the source forwards."""
        if not self.source.live or self.relayed.readyState != "live":
            return "inactive"
        return "active" if self.answered else "waiting"
