"""One participant's tile: avatar initial, name, mic state, hand, speaking."""

from __future__ import annotations

from collections.abc import Mapping

import reflex as rx

from components.labels import merge

__all__ = ["participant_tile"]


def participant_tile(
    tile: rx.Var, labels: Mapping[str, str] | None = None
) -> rx.Component:
    """Render one tile of the stage.

    Args:
        tile: A ``state.view.TileView`` var (an item of
            ``ViewState.stage_tiles``).
        labels: Label overrides (see :mod:`components.labels`).

    Returns:
        The tile. Its state is exposed as ``data-*`` attributes
        (``data-participant-id``, ``data-mic``, ``data-hand``,
        ``data-speaking``) for styling and tests.

    Example:
        >>> import reflex as rx
        >>> from components import participant_tile
        >>> from state import ViewState
        >>> grid = rx.foreach(ViewState.stage_tiles, participant_tile)
    """
    text = merge(labels)
    name = rx.cond(
        tile.is_self, tile.name.to(str) + " " + text["you"], tile.name.to(str)
    )
    return rx.box(
        rx.center(
            rx.text(tile.initial, size="8", weight="bold", aria_hidden="true"),
            class_name="meet-avatar",
            width="5rem",
            height="5rem",
            border_radius="50%",
            background=rx.color("accent", 9),
            color="white",
        ),
        rx.hstack(
            rx.cond(
                tile.audio_enabled,
                rx.icon("mic", size=16, aria_label=text["mic_on"], role="img"),
                rx.icon(
                    "mic-off",
                    size=16,
                    color=rx.color("red", 10),
                    aria_label=text["mic_off"],
                    role="img",
                    data_testid="mic-off-icon",
                ),
            ),
            rx.text(name, size="2", weight="medium", class_name="meet-tile-name"),
            rx.cond(
                tile.raised_hand,
                rx.icon(
                    "hand",
                    size=16,
                    color=rx.color("amber", 10),
                    aria_label=text["hand_raised"],
                    role="img",
                    data_testid="raised-hand-icon",
                ),
            ),
            position="absolute",
            bottom="0.5rem",
            left="0.5rem",
            padding="0.15rem 0.5rem",
            border_radius="0.5rem",
            background="rgba(0,0,0,0.55)",
            color="white",
            align="center",
            spacing="2",
        ),
        role="group",
        aria_label=tile.name,
        data_testid="participant-tile",
        data_participant_id=tile.id,
        data_self=rx.cond(tile.is_self, "true", "false"),
        data_mic=rx.cond(tile.audio_enabled, "on", "off"),
        data_hand=rx.cond(tile.raised_hand, "raised", "down"),
        data_speaking=rx.cond(tile.speaking, "true", "false"),
        position="relative",
        display="flex",
        align_items="center",
        justify_content="center",
        min_height="12rem",
        border_radius="0.75rem",
        background=rx.color("gray", 4),
        border=rx.cond(
            tile.speaking,
            f"3px solid {rx.color('green', 9)}",
            "3px solid transparent",
        ),
        overflow="hidden",
    )
