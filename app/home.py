"""The home page: your name, a new room, or a room by name."""

from __future__ import annotations

from collections.abc import Mapping

import reflex as rx

from reflex_meet.components.labels import merge
from reflex_meet.state.profile import ProfileState

__all__ = ["home"]

_NAME_ERRORS = ("name_missing", "name_too_long", "name_control_chars", "invalid_text")
_ROOM_ERRORS = ("room_missing", "room_too_long", "room_invalid_chars")


def _problem_text(
    code: rx.Var[str], keys: tuple[str, ...], text: Mapping[str, str]
) -> rx.Var:
    return rx.match(code, *[(key, text[key]) for key in keys], "").to(str)


def _error_line(element_id: str, content: rx.Var, test_id: str) -> rx.Component:
    return rx.text(
        content,
        id=element_id,
        role="alert",
        color=rx.color("red", 11),
        size="2",
        data_testid=test_id,
    )


def home(labels: Mapping[str, str] | None = None) -> rx.Component:
    """The home page.

    Args:
        labels: Label overrides (see :mod:`components.labels`).

    Returns:
        The page body.
    """
    text = merge(labels)
    has_return = ProfileState.return_path != ""
    return rx.box(
        rx.hstack(
            _brand(text),
            rx.spacer(),
            rx.color_mode.button(
                variant="ghost",
                size="2",
                aria_label=text["toggle_color_mode"],
                title=text["toggle_color_mode"],
            ),
            padding="1rem 1.5rem",
            align="center",
            width="100%",
        ),
        rx.flex(
            rx.vstack(
                rx.heading(text["home_heading"], size="8", as_="h1"),
                rx.text(text["home_tagline"], size="4", color="var(--meet-muted-fg)"),
                rx.vstack(
                    _feature("lock", text["home_feature_private"]),
                    _feature("video", text["home_feature_devices"]),
                    _feature("monitor-up", text["home_feature_together"]),
                    spacing="3",
                    margin_top="0.5rem",
                ),
                spacing="4",
                flex="1",
                min_width="0",
                max_width="34rem",
            ),
            rx.vstack(
                rx.cond(
                    ProfileState.thanked,
                    rx.callout(
                        text["feedback_thanks"],
                        icon="heart",
                        role="status",
                        width="100%",
                        data_testid="feedback-thanks",
                    ),
                ),
                rx.cond(
                    has_return,
                    rx.callout(text["name_required_notice"], icon="info", width="100%"),
                ),
                rx.form(
                    rx.vstack(
                        rx.el.label(text["display_name"], html_for="display_name"),
                        rx.input(
                            id="display_name",
                            name="display_name",
                            value=ProfileState.name_draft,
                            on_change=ProfileState.set_name_draft,
                            placeholder=text["display_name_placeholder"],
                            auto_complete="nickname",
                            aria_invalid=rx.cond(
                                ProfileState.name_error != "", "true", "false"
                            ),
                            aria_describedby="name-error",
                            width="100%",
                            size="3",
                        ),
                        _error_line(
                            "name-error",
                            _problem_text(ProfileState.name_error, _NAME_ERRORS, text),
                            "name-error",
                        ),
                        rx.cond(
                            has_return,
                            rx.button(
                                text["save_name"],
                                type="submit",
                                size="3",
                                data_testid="save-name",
                            ),
                            rx.button(
                                text["new_room"],
                                type="button",
                                size="3",
                                on_click=ProfileState.new_room,
                                data_testid="new-room",
                            ),
                        ),
                        width="100%",
                        align="start",
                    ),
                    on_submit=ProfileState.save_name,
                    width="100%",
                ),
                rx.hstack(
                    rx.divider(flex="1"),
                    rx.text(text["home_or"], size="2", color="var(--meet-muted-fg)"),
                    rx.divider(flex="1"),
                    align="center",
                    width="100%",
                    spacing="3",
                ),
                rx.form(
                    rx.vstack(
                        rx.el.label(text["room_name"], html_for="room"),
                        rx.hstack(
                            rx.input(
                                id="room",
                                name="room",
                                placeholder=text["room_name_placeholder"],
                                aria_invalid=rx.cond(
                                    ProfileState.room_error != "", "true", "false"
                                ),
                                aria_describedby="room-error",
                                size="3",
                                flex="1",
                            ),
                            rx.button(
                                text["join_room"],
                                type="submit",
                                size="3",
                                variant="outline",
                                data_testid="join-room",
                            ),
                            width="100%",
                        ),
                        _error_line(
                            "room-error",
                            _problem_text(ProfileState.room_error, _ROOM_ERRORS, text)
                            + rx.cond(
                                ProfileState.room_error_detail != "",
                                " " + ProfileState.room_error_detail,
                                "",
                            ),
                            "room-error",
                        ),
                        width="100%",
                        align="start",
                    ),
                    on_submit=ProfileState.join_room,
                    reset_on_submit=False,
                    width="100%",
                ),
                spacing="5",
                width="100%",
                max_width="28rem",
                class_name="meet-card",
            ),
            direction=rx.breakpoints(initial="column", md="row"),
            align=rx.breakpoints(initial="stretch", md="center"),
            justify="center",
            gap="3rem",
            padding=rx.breakpoints(initial="1rem 1rem 3rem", md="3rem 2rem"),
            max_width="72rem",
            margin="0 auto",
            width="100%",
        ),
        class_name="meet-page meet-hero",
    )


def _brand(text: Mapping[str, str]) -> rx.Component:
    """The app's mark and name."""
    return rx.hstack(
        rx.center(
            rx.icon("video", size=20, color="var(--meet-accent-contrast)"),
            width="2.25rem",
            height="2.25rem",
            border_radius="var(--meet-radius)",
            background="var(--meet-accent)",
            aria_hidden="true",
        ),
        rx.text(text["app_title"], size="5", weight="bold"),
        align="center",
        spacing="2",
    )


def _feature(icon: str, line: str) -> rx.Component:
    """One line of what the app does, with its icon."""
    return rx.box(
        rx.box(rx.icon(icon, size=20), class_name="meet-feature-icon"),
        rx.text(line, size="3", padding_top="0.45rem"),
        class_name="meet-feature",
    )
