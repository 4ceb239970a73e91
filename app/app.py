"""The Reflex app: home, lobby and meeting pages, and the HTTP routes."""

import reflex as rx

from app.api import api
from app.home import home
from components import lobby, room
from components.labels import merge
from state.calls_backend import log_backend
from state.profile import ProfileState
from state.room import RoomState

# Fails at start-up, with a clear message, when CALLS_* is misconfigured.
log_backend()

LABELS = merge()

app = rx.App(
    api_transformer=api,
    theme=rx.theme(accent_color="orange", radius="large"),
)
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
    on_load=[ProfileState.require_name, RoomState.enter, RoomState.join_directly],
)
