"""Room components for Reflex pages: the public, documented API.

The quickest way in is :func:`reflex_meet.add_pages` (all pages at once).
To build pages of your own, make the app ready with
:func:`reflex_meet.install` and give each page the handlers it needs:

Example:
    A lobby and a meeting page of a developer's own design::

        import reflex as rx
        import reflex_meet
        from reflex_meet.components import lobby, room

        app = rx.App()
        # Routes, presence, guards; the kit's links go under /rooms.
        reflex_meet.install(app, prefix="/rooms")
        app.add_page(lobby(), route="/rooms/[room]",
                     on_load=reflex_meet.LOBBY_ON_LOAD)
        app.add_page(room(), route="/rooms/[room]/room",
                     on_load=reflex_meet.MEETING_ON_LOAD)

    Pages of your own keep the ``[room]`` parameter name and the paths of
    :func:`reflex_meet.install` (home, where a visitor without a name is
    sent, at the prefix itself).
"""

from reflex_meet.components.ai import ai_controls, invite_ai_dialog
from reflex_meet.components.bug_report import bug_report_button
from reflex_meet.components.chat import chat_button, chat_feed, chat_panel
from reflex_meet.components.cues import (
    audio_only_toggle,
    auto_mute_notice,
    debug_overlay,
    debug_toggle,
    meeting_id,
    meeting_options,
    muted_hint,
    room_sounds,
    sounds_toggle,
)
from reflex_meet.components.feedback import feedback_page
from reflex_meet.components.labels import (
    DEFAULT_LABELS,
    LANGUAGES,
    TRANSLATIONS,
    Labels,
    format_label,
    merge,
)
from reflex_meet.components.layout import THEME_STYLESHEET, theme_style
from reflex_meet.components.lobby import lobby, people_in_room
from reflex_meet.components.media import (
    device_settings,
    media_bridge,
    media_toasts,
    room_audio,
)
from reflex_meet.components.media_controls import (
    media_controls,
    settings_button,
    settings_sheet,
    toggle_button,
)
from reflex_meet.components.notices import room_notices
from reflex_meet.components.participant_tile import participant_tile
from reflex_meet.components.participants_panel import participants_panel
from reflex_meet.components.presence_bar import room_presence
from reflex_meet.components.room import room, stage, waiting_for_others
from reflex_meet.components.room_view import RoomView, TileView, roster_sync
from reflex_meet.components.states import not_found_page, offline_screen

__all__ = [
    "DEFAULT_LABELS",
    "LANGUAGES",
    "THEME_STYLESHEET",
    "TRANSLATIONS",
    "Labels",
    "RoomView",
    "TileView",
    "ai_controls",
    "audio_only_toggle",
    "auto_mute_notice",
    "bug_report_button",
    "chat_button",
    "chat_feed",
    "chat_panel",
    "debug_overlay",
    "debug_toggle",
    "device_settings",
    "feedback_page",
    "format_label",
    "invite_ai_dialog",
    "lobby",
    "media_bridge",
    "media_controls",
    "media_toasts",
    "meeting_id",
    "meeting_options",
    "merge",
    "muted_hint",
    "not_found_page",
    "offline_screen",
    "participant_tile",
    "participants_panel",
    "people_in_room",
    "room",
    "room_audio",
    "room_notices",
    "room_presence",
    "room_sounds",
    "roster_sync",
    "settings_button",
    "settings_sheet",
    "sounds_toggle",
    "stage",
    "theme_style",
    "toggle_button",
    "waiting_for_others",
]
