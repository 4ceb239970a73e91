"""The smallest shared state: a counter linked per room, nothing else.

The load driver (``python -m bench.load``) serves this app in production mode
beside the meeting app and times a change of this ``rx.SharedState`` between
two clients, so the meeting's own room changes can be compared with what
Reflex itself costs on the same machine in the same run.
"""

import reflex as rx


class Counter(rx.SharedState):
    """One number shared by every tab of a room."""

    count: int = 0

    @rx.event
    async def link(self) -> None:
        """Link this tab to the room named in the URL (the page's on_load)."""
        room = self.router.url.path.strip("/")
        if room:
            await self._link_to(f"bare-{room}")

    @rx.event
    def bump(self) -> None:
        """Change the shared number (every linked tab receives it)."""
        self.count += 1


def index() -> rx.Component:
    """The room page: the shared number and a button."""
    return rx.vstack(
        rx.text(Counter.count, data_testid="count"),
        rx.button("+1", on_click=Counter.bump),
    )


app = rx.App()
app.add_page(index, route="/[room]", on_load=Counter.link)
