"""The running Reflex app, for code that changes states out of band."""

from __future__ import annotations

import reflex as rx

__all__ = ["registered_app"]


def registered_app() -> rx.App:
    """Return the app registered in ``app.app`` (imported late: import cycle).

    Returns:
        The app whose state manager and ``modify_state`` serve every token.
    """
    from app.app import app

    return app
