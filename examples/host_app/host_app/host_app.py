"""The host app: its own page at /, a meeting room under /meet."""

import reflex as rx

import reflex_meet
from components import site_header
from host_app.routes import host_api
from state import SiteState

app = rx.App(api_transformer=host_api)


def index() -> rx.Component:
    """The host's own start page."""
    return rx.container(
        site_header(),
        rx.heading("Team space", size="7"),
        rx.text("Visits since the server started: ", SiteState.visits),
        rx.link("Meet your team", href="/meet", data_testid="to-meet"),
        padding_y="2rem",
    )


app.add_page(index, route="/", title="Team space", on_load=SiteState.count_visit)
# Home, lobby, meeting and feedback pages under /meet, with their on_load
# handlers, the kit's HTTP routes (beside host_api) and presence.
reflex_meet.add_pages(app, prefix="/meet", labels={"app_title": "Team meetings"})
