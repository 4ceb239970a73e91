"""Put the kit into a Reflex app: one call for pages, routes and presence.

:func:`add_pages` is what a host app calls (``reflex_meet.add_pages``);
this repository's own app (``app/app.py``) calls it too, at the site's root.
:func:`install` is the part without pages, for hosts that build their own
pages from the components and attach :data:`LOBBY_ON_LOAD` /
:data:`MEETING_ON_LOAD` themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import reflex as rx

from reflex_meet.app import socket_takeover
from reflex_meet.app.api import api
from reflex_meet.app.home import home
from reflex_meet.components import lobby, room
from reflex_meet.components.feedback import feedback_page
from reflex_meet.components.labels import Labels, language_script, merge
from reflex_meet.components.layout import THEME_STYLESHEET, theme_style
from reflex_meet.components.states import offline_screen
from reflex_meet.core import paths
from reflex_meet.records.db import migrate
from reflex_meet.security import reflex_guard
from reflex_meet.security.tokens import server_secret
from reflex_meet.sfu.embedded import embedded_standin, standin_mode
from reflex_meet.state import fanout, registered_app, sweeper
from reflex_meet.state.ai_backend import ai_config, log_ai_backend
from reflex_meet.state.calls_backend import calls_config, ice_servers, log_backend
from reflex_meet.state.chat import ChatState
from reflex_meet.state.feedback import FeedbackState
from reflex_meet.state.profile import ProfileState
from reflex_meet.state.room import RoomState

__all__ = [
    "FEEDBACK_ON_LOAD",
    "HOME_ON_LOAD",
    "LOBBY_ON_LOAD",
    "MEETING_ON_LOAD",
    "add_pages",
    "install",
    "start_up",
]

logger = logging.getLogger("meet.mount")

# The handlers each page needs; attach them to pages built from the blocks.
HOME_ON_LOAD = [ProfileState.load_home]
LOBBY_ON_LOAD = [ProfileState.require_name, RoomState.enter]
MEETING_ON_LOAD = [
    ProfileState.require_name,
    RoomState.enter,
    RoomState.join_directly,
    ChatState.open_room,
]
FEEDBACK_ON_LOAD = [FeedbackState.load]


@contextlib.asynccontextmanager
async def start_up() -> AsyncIterator[None]:
    """Get the app ready to serve: backends, stand-in, database.

    Logs the Calls and AI backends, starts the embedded Calls stand-in when
    it is needed (:mod:`reflex_meet.sfu.embedded`) and brings the database
    to the newest migration. A failure here stops the server with its
    message (a lifespan context that raises before serving), instead of
    failing the first request.
    """
    log_backend()
    log_ai_backend()
    # Without Cloudflare settings and no stand-in running: the embedded one.
    async with embedded_standin(calls_config()):
        # Safe with several workers starting at once (records.db: locks).
        await asyncio.to_thread(migrate)
        yield


def _check_settings() -> None:
    """Refuse bad settings now, with a clear message, before anything runs.

    Raises:
        CallsConfigError: CALLS_* or TURN_* is half-set or malformed.
        AiConfigError: OPENAI_* is malformed.
        StandinError: MEET_STANDIN is neither ``auto`` nor ``off``.
        ValueError: The server secret is unusable.
    """
    calls_config()
    standin_mode(os.environ)
    ice_servers()
    ai_config()
    server_secret()


def _compose_api(app: rx.App) -> None:
    """Add the kit's routes after (around) the host's own ``api_transformer``."""
    current = app.api_transformer
    if current is None:
        app.api_transformer = api
        return
    if any(t is api for t in (current if isinstance(current, Sequence) else [current])):
        return
    # Reflex applies them in order, each wrapping the previous result: the
    # host's routes stay reachable, the kit's only answer under /_meet.
    app.api_transformer = [
        *(current if isinstance(current, Sequence) else [current]),
        api,
    ]


_installed: set[int] = set()
# The language script in each app's <head> (replaced when a language is forced).
_language_heads: dict[int, rx.Component] = {}


def _use_language(app: rx.App, language: str | None) -> None:
    """Put the script that picks the page's language in the app's ``<head>``."""
    script = language_script(language)
    previous = _language_heads.get(id(app))
    app.head_components = [
        component for component in app.head_components if component is not previous
    ]
    app.head_components.append(script)
    _language_heads[id(app)] = script


def install(
    app: rx.App, *, prefix: str = "/meet", theme: Mapping[str, str] | None = None
) -> None:
    """Make an app ready for the kit's components, without adding pages.

    Adds the kit's HTTP routes (heartbeats, leave beacons, reports, under
    ``/_meet``) beside the host's own ``api_transformer``, the start-up
    task (backend log, database migrations), the sweeper of abandoned rooms,
    the offline screen, the ``<head>`` script choosing the labels' language
    from the browser's, and the server-side guards the rooms rely on. Safe
    to call more than once. Pages built from the components need the
    matching ``*_ON_LOAD`` handlers of this module.

    The kit's own links and redirects (the lobby's Join, Leave, a visitor
    without a name sent home) go to the pages under ``prefix``: home at
    ``prefix``, lobbies at ``prefix/[room]``, meetings at
    ``prefix/[room]/room``, feedback at ``prefix/feedback``; a host building
    its own pages puts them there (the route parameter is named ``room``).

    Args:
        app: The Reflex app.
        prefix: Where the kit's pages are (``""`` for the site root).
        theme: ``--meet-*`` variables to set (``{"accent": "#0b7285"}``;
            README, "Theming").

    Raises:
        ValueError: ``prefix`` is not a plain path.
        ThemeError: ``theme`` names an unknown variable or a bad value.
    """
    style = theme_style(theme)  # checked before anything changes
    paths.mount_at(prefix)
    if id(app) in _installed:
        return
    _check_settings()
    # Refuse websocket connections that claim a token Reflex would not issue
    # (a room's or presence's).
    reflex_guard.install(app.sio)
    # Send a room's changes to its members only when it changed.
    fanout.install()
    # A tab whose worker died keeps its token when it reconnects to another.
    socket_takeover.install()
    registered_app.register(app)
    _compose_api(app)
    app.register_lifespan_task(start_up)
    # Sweeps rooms nobody visits any more (crashed last tab, restart).
    app.register_lifespan_task(sweeper.run)
    if THEME_STYLESHEET not in app.stylesheets:
        app.stylesheets.append(THEME_STYLESHEET)
    if style is not None:
        app.head_components.append(style)
    _use_language(app, None)
    _installed.add(id(app))


def add_pages(
    app: rx.App,
    prefix: str = "/meet",
    *,
    labels: Mapping[str, Any] | None = None,
    theme: Mapping[str, str] | None = None,
    title: str | None = None,
    language: str | None = None,
) -> Labels:
    """Add the kit's pages to an app, with everything they need.

    Home (name and "new meeting") at ``prefix``, each room's lobby at
    ``prefix/<room>``, its meeting at ``prefix/<room>/room`` and the
    after-the-call feedback page at ``prefix/feedback``, each with its
    ``on_load`` handlers; plus everything of :func:`install`.

    Args:
        app: The host's Reflex app.
        prefix: Where the pages go (``"/meet"``; ``""`` for the site root).
        labels: Words to use instead of the defaults, as
            :func:`reflex_meet.components.labels.merge` takes them
            (``{"join": "Enter"}`` for every language,
            ``{"de": {"join": "Rein"}}`` for one); unknown keys are refused.
        theme: ``--meet-*`` variables to set (see :func:`install`).
        title: The pages' title (default: the ``app_title`` label).
        language: Show every page in this language (``"en"``, ``"de"``,
            ``"es"``) instead of the browser's.

    Returns:
        The labels in use (every language, ``labels`` applied).

    Raises:
        ValueError: If ``prefix`` is not a plain path, or the language is
            not shipped.
        KeyError: If ``labels`` holds a key no component uses.
        ThemeError: If ``theme`` names an unknown variable or a bad value.
    """
    text = merge(labels, language=language)
    install(app, prefix=prefix, theme=theme)
    where = paths.current()
    if text.language is not None:
        _use_language(app, text.language)
    # Reflex's offline icon and connection toasts give way to a full-page
    # notice that goes away by itself when the connection is back.
    app.app_wraps[(5, "Overlay")] = _overlay(text)
    page_title = title or text["app_title"]
    pages: list[tuple[rx.Component, str, list[Any]]] = [
        (home(text), "", HOME_ON_LOAD),
        (lobby(text), "[room]", LOBBY_ON_LOAD),
        (room(text), "[room]/room", MEETING_ON_LOAD),
        (feedback_page(text), "feedback", FEEDBACK_ON_LOAD),
    ]
    for component, page, on_load in pages:
        app.add_page(
            component, route=where.route(page), title=page_title, on_load=on_load
        )
    logger.info("meeting pages under %s", where.home)
    return text


def _overlay(text: Labels) -> Any:
    return lambda stateful: offline_screen(text) if stateful else None
