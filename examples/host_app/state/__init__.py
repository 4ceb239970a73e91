"""The host app's own state (a generic package name the kit leaves free)."""

import reflex as rx


class SiteState(rx.State):
    """Counts visits of the host's start page."""

    visits: int = 0

    @rx.event
    def count_visit(self) -> None:
        """Count one visit."""
        self.visits += 1
