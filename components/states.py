"""Whole-page states: the offline screen and the "page not found" page."""

from __future__ import annotations

from collections.abc import Mapping

import reflex as rx
from reflex_components_core.core.banner import has_too_many_connection_errors

from reflex_meet.components.labels import merge
from reflex_meet.core.paths import current as kit_paths

__all__ = ["not_found_page", "offline_screen"]


def offline_screen(labels: Mapping[str, str] | None = None) -> rx.Component:
    """A full-page notice while the connection to the server is lost.

    It follows Reflex's own connection state (the websocket's failed
    attempts, as Reflex's default offline icon does) and goes away by itself
    when the socket connects again; Reflex keeps retrying meanwhile. Use it as
    the app's overlay::

        app.app_wraps[(5, "Overlay")] = (
            lambda stateful: offline_screen() if stateful else None
        )

    Args:
        labels: Label overrides (``offline_heading``, ``offline_body``,
            ``offline_retrying``).

    Returns:
        The notice (rendered only while offline).
    """
    text = merge(labels)
    return rx.cond(
        has_too_many_connection_errors,
        rx.box(
            rx.icon("wifi-off", size=48, aria_hidden="true"),
            rx.el.h2(text["offline_heading"]),
            rx.el.p(text["offline_body"]),
            rx.hstack(
                rx.el.span(class_name="meet-spinner", aria_hidden="true"),
                rx.el.span(text["offline_retrying"]),
                align="center",
                spacing="3",
            ),
            class_name="meet-offline",
            role="alert",
            data_testid="offline-screen",
        ),
    )


def not_found_page(labels: Mapping[str, str] | None = None) -> rx.Component:
    """The 404 page, with a link to the home page.

    Args:
        labels: Label overrides (``not_found_heading``, ``not_found_body``,
            ``go_home``).

    Returns:
        The page body; add it with ``app.add_page(not_found_page(), route="404")``.
    """
    text = merge(labels)
    return rx.center(
        rx.vstack(
            rx.text("404", size="9", weight="bold", color="var(--meet-accent)"),
            rx.heading(text["not_found_heading"], size="7", as_="h1"),
            rx.text(text["not_found_body"], color="var(--meet-muted-fg)"),
            rx.el.a(
                rx.icon("house", size=18, aria_hidden="true"),
                text["go_home"],
                href=kit_paths().home,
                class_name="meet-button",
                text_decoration="none",
                data_testid="go-home",
            ),
            align="center",
            spacing="4",
            class_name="meet-card",
            text_align="center",
        ),
        class_name="meet-page meet-hero",
        padding="2rem 1rem",
        data_testid="not-found",
    )
