"""The running Reflex app, for code that changes states out of band."""

from __future__ import annotations

import contextlib

import reflex as rx

__all__ = ["register", "registered_app"]

_app: rx.App | None = None


def register(app: rx.App) -> None:
    """Remember the app the kit is part of (``add_pages`` / ``install`` do).

    Args:
        app: The host's (or this repository's) Reflex app.
    """
    global _app
    _app = app


def registered_app() -> rx.App:
    """Return the app whose state manager serves every token.

    The app given to :func:`register`; without it, the app of Reflex's
    registration context, else the one Reflex loads from ``rxconfig.py``
    (never a module named here).

    Returns:
        The app whose state manager and ``modify_state`` serve every token.
    """
    if _app is not None:
        return _app
    from reflex.utils import prerequisites
    from reflex_base.registry import RegistrationContext
    from reflex_base.utils.exceptions import ReflexRuntimeError

    with contextlib.suppress(LookupError, ReflexRuntimeError):
        return RegistrationContext.get().app

    return prerequisites.get_and_validate_app().app
