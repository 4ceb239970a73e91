"""One tile: live video (or the avatar initial), name, mic, hand, speaking, pin."""

from __future__ import annotations

from collections.abc import Mapping

import reflex as rx

from reflex_meet.components.labels import format_label, merge
from reflex_meet.components.media import MeetVideo, SpeakingRing
from reflex_meet.components.room_view import RoomView

__all__ = ["participant_tile"]


def participant_tile(
    tile: rx.Var, *, labels: Mapping[str, str] | None = None
) -> rx.Component:
    """Render one tile of the stage.

    Args:
        tile: A ``components.room_view.TileView`` var (an item of
            ``RoomView.stage_tiles``).
        labels: Label overrides (see :mod:`components.labels`).

    Returns:
        The tile. Its state is exposed as ``data-*`` attributes
        (``data-participant-id``, ``data-kind``, ``data-mic``, ``data-hand``,
        ``data-video``, ``data-pinned``; the speaking ring has
        ``data-speaking``) for styling and tests.

    Example:
        >>> import reflex as rx
        >>> from reflex_meet.components import participant_tile
        >>> from reflex_meet.components.room_view import RoomView
        >>> grid = rx.foreach(RoomView.stage_tiles, participant_tile)
    """
    text = merge(labels)
    screen = tile.kind.to(str) == "screen"
    person = rx.cond(
        tile.is_self, tile.name.to(str) + " " + text["you"], tile.name.to(str)
    )
    name = rx.cond(screen, format_label(text["screen_of"], name=tile.name), person)
    has_video = tile.video_track.to(str) != ""
    return rx.box(
        rx.box(
            rx.text(tile.initial, aria_hidden="true"),
            class_name="meet-avatar",
            display=rx.cond(has_video, "none", "flex"),
        ),
        MeetVideo.create(
            track_id=tile.video_track,
            mirrored=tile.is_self & ~screen,
            fit=rx.cond(screen, "contain", "cover"),
            label=format_label(text["video_of"], name=tile.name),
        ),
        SpeakingRing.create(
            track_id=tile.audio_track,
            is_self=tile.is_self,
            labels={k: text[k] for k in ("quality_poor", "quality_bad")},
        ),
        rx.el.button(
            rx.icon(rx.cond(tile.pinned, "pin-off", "pin"), size=18),
            type="button",
            aria_label=rx.cond(
                tile.pinned,
                format_label(text["unpin"], name=name),
                format_label(text["pin"], name=name),
            ),
            title=rx.cond(
                tile.pinned,
                format_label(text["unpin"], name=name),
                format_label(text["pin"], name=name),
            ),
            aria_pressed=rx.cond(tile.pinned, "true", "false"),
            on_click=RoomView.toggle_pin(tile.key),
            class_name="meet-pin",
            data_testid="pin-toggle",
        ),
        rx.box(
            rx.cond(
                tile.audio_enabled,
                rx.icon("mic", size=16, aria_label=text["mic_on"], role="img"),
                rx.icon(
                    "mic-off",
                    size=16,
                    aria_label=text["mic_off"],
                    role="img",
                    data_testid="mic-off-icon",
                ),
            ),
            rx.el.span(name, class_name="meet-tile-name"),
            rx.cond(
                tile.raised_hand,
                rx.el.span(
                    rx.icon("hand", size=14),
                    class_name="meet-hand-icon",
                    aria_label=text["hand_raised"],
                    role="img",
                    data_testid="raised-hand-icon",
                ),
            ),
            class_name="meet-nametag",
        ),
        role="group",
        aria_label=name,
        data_testid="participant-tile",
        data_participant_id=tile.id,
        data_kind=tile.kind,
        data_video=rx.cond(has_video, "on", "off"),
        data_pinned=rx.cond(tile.pinned, "true", "false"),
        data_self=rx.cond(tile.is_self, "true", "false"),
        data_mic=rx.cond(tile.audio_enabled, "on", "off"),
        data_hand=rx.cond(tile.raised_hand, "raised", "down"),
        class_name="meet-tile",
    )
