"""The Reflex app: home, lobby and meeting pages, and the HTTP routes."""

import os

import reflex as rx

from app import socket_takeover
from app.api import api
from app.home import home
from components import lobby, room
from components.feedback import feedback_page
from components.labels_file import labels_from_environment
from components.layout import THEME_STYLESHEET
from components.states import not_found_page, offline_screen
from records.db import migrate
from security import reflex_guard
from security.tokens import server_secret
from state import fanout, sweeper
from state.ai_backend import log_ai_backend
from state.calls_backend import log_backend
from state.chat import ChatState
from state.feedback import FeedbackState
from state.profile import ProfileState
from state.room import RoomState

# Fails at start-up, with a clear message, when CALLS_* or TURN_* is misconfigured.
log_backend()
# Likewise for OPENAI_* (the AI participant; off when unset).
log_ai_backend()
# Refuse websocket connections that claim a token Reflex would not issue
# (a room's or presence's), and fail now on a misconfigured server secret.
reflex_guard.install()
server_secret()
# Send a room's changes to its members only when it changed (state/fanout.py).
fanout.install()
# A tab whose worker died keeps its token when it reconnects to another one.
socket_takeover.install()
# Apply pending database migrations (safe with several workers starting).
migrate()

# Every visible string; a deployer may override them (MEET_LABELS_FILE).
LABELS = labels_from_environment(os.environ)

app = rx.App(
    api_transformer=api,
    theme=rx.theme(accent_color="orange", gray_color="sand", radius="large"),
    # Every --meet-* colour, radius and font (README, "Theming"); loaded in
    # <head>, so the first paint already has the page's background.
    stylesheets=[THEME_STYLESHEET],
    # The toasts' region is named from the labels too (sonner's default is
    # English "Notifications").
    toaster=rx.toast.provider(
        custom_attrs={"containerAriaLabel": LABELS["notifications"]}
    ),
)
# Reflex's offline icon and connection toasts give way to a full-page notice
# that goes away by itself when the connection is back.
app.app_wraps[(5, "Overlay")] = lambda stateful: (
    offline_screen(LABELS) if stateful else None
)
# Sweeps rooms nobody visits any more (crashed last tab, restart).
app.register_lifespan_task(sweeper.run)
app.add_page(
    home(LABELS),
    route="/",
    title=LABELS["app_title"],
    on_load=ProfileState.load_home,
)
app.add_page(
    lobby(LABELS),
    route="/[room]",
    title=LABELS["app_title"],
    on_load=[ProfileState.require_name, RoomState.enter],
)
app.add_page(
    room(LABELS),
    route="/[room]/room",
    title=LABELS["app_title"],
    on_load=[
        ProfileState.require_name,
        RoomState.enter,
        RoomState.join_directly,
        ChatState.open_room,
    ],
)
app.add_page(
    not_found_page(LABELS),
    route="404",
    title=LABELS["not_found_heading"],
)
app.add_page(
    feedback_page(LABELS),
    route="/feedback",
    title=LABELS["app_title"],
    on_load=FeedbackState.load,
)
