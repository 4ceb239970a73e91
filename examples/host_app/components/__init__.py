"""The host app's own components (a generic package name the kit leaves free)."""

import reflex as rx


def site_header() -> rx.Component:
    """The host's header."""
    return rx.text("Example Corp", weight="bold", data_testid="host-header")
