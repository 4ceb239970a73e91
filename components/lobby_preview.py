"""The lobby camera preview and mic meter (``assets/meet/media.jsx``)."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import EventHandler, passthrough_event_spec

from reflex_meet.browser import shipped

__all__ = ["LobbyPreview", "lobby_preview"]


class LobbyPreview(rx.Component):
    """Mirrored camera preview, microphone level meter, device errors."""

    library = shipped("media.jsx")
    tag = "LobbyPreview"
    is_default = False

    audio_enabled: rx.Var[bool]
    video_enabled: rx.Var[bool]
    labels: rx.Var[dict[str, str]]

    on_device_error: EventHandler[passthrough_event_spec(dict)]
    on_ready: EventHandler[passthrough_event_spec(dict)]


def lobby_preview(**props: Any) -> rx.Component:
    """Create the lobby preview.

    Args:
        **props: ``audio_enabled``, ``video_enabled``, ``labels`` (the
            ``error_*``, ``mic_level``, ``camera_off`` and ``camera_preview``
            strings), ``on_device_error`` (receives ``{code, description}``),
            ``on_ready`` (receives ``{audio, video}``).

    Returns:
        The component. Its state is exposed as ``data-state``
        (starting/ready/error), ``data-error-code`` and ``data-mic-level``.
    """
    return LobbyPreview.create(**props)
