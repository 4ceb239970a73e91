"""Settings of one stand-in process."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7880


@dataclass(frozen=True)
class SfuConfig:
    """Settings of the local Calls stand-in.

    Attributes:
        app_id: The only Calls app id served (``/v1/apps/{app_id}/...``).
        app_secret: The bearer secret every request must carry.
        connect_wait: Seconds an operation waits for the PeerConnection to be
            ``connected`` before answering 425 (Calls waits up to 5 s).
        track_timeout: Seconds without media after which a published track is
            cleaned up (Calls: 30 s).
        session_timeout: Seconds a session may stay without a connected
            PeerConnection before it is closed (afterwards: 410).
        max_body_bytes: Largest accepted request body; larger ones get 413
            (room for the SDP of a session with a hundred transceivers).
        ice_host: The address ICE host candidates are gathered on.
        remb_bitrate: The fixed REMB, in bit/s, sent to publishers.
    """

    app_id: str
    app_secret: str
    connect_wait: float = 5.0
    track_timeout: float = 30.0
    session_timeout: float = 30.0
    max_body_bytes: int = 512 * 1024
    ice_host: str = "127.0.0.1"
    remb_bitrate: int = 2_000_000
