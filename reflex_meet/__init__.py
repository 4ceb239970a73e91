"""Live video rooms for Reflex apps (Cloudflare Calls, or a local stand-in).

In a host app::

    import reflex as rx
    import reflex_meet

    app = rx.App()
    reflex_meet.add_pages(app, prefix="/meet")

The building blocks are in :mod:`reflex_meet.components` (room, lobby,
participant tile, media controls, chat, presence ...) and their states in
:mod:`reflex_meet.state`; pages built from them get their ``on_load``
handlers from :data:`LOBBY_ON_LOAD` / :data:`MEETING_ON_LOAD` and the app
its routes from :func:`install`. Names here are loaded on first use, so
importing a pure part (``reflex_meet.core``) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

from reflex_meet.core.version import APP_VERSION

__version__ = APP_VERSION

__all__ = [
    "DEFAULT_LABELS",
    "FEEDBACK_ON_LOAD",
    "HOME_ON_LOAD",
    "LANGUAGES",
    "LOBBY_ON_LOAD",
    "MEETING_ON_LOAD",
    "THEME_STYLESHEET",
    "TRANSLATIONS",
    "__version__",
    "add_pages",
    "install",
]

_LAZY = {
    "DEFAULT_LABELS": "reflex_meet.components.labels",
    "LANGUAGES": "reflex_meet.components.labels",
    "TRANSLATIONS": "reflex_meet.components.labels",
    "THEME_STYLESHEET": "reflex_meet.components.layout",
    "FEEDBACK_ON_LOAD": "reflex_meet.app.mount",
    "HOME_ON_LOAD": "reflex_meet.app.mount",
    "LOBBY_ON_LOAD": "reflex_meet.app.mount",
    "MEETING_ON_LOAD": "reflex_meet.app.mount",
    "add_pages": "reflex_meet.app.mount",
    "install": "reflex_meet.app.mount",
}


def __getattr__(name: str) -> Any:
    """Load a public name on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        msg = f"module 'reflex_meet' has no attribute {name!r}"
        raise AttributeError(msg)
    return getattr(importlib.import_module(module), name)
