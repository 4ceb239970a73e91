"""Who this browser is: the display name, remembered in localStorage."""

from __future__ import annotations

import os

import reflex as rx

from reflex_meet.core.paths import current as kit_paths
from reflex_meet.core.problems import Problem
from reflex_meet.core.validation import (
    normalise_room_name,
    room_id_from_bytes,
    safe_return_path,
    validate_display_name,
)

__all__ = ["ProfileState"]


class ProfileState(rx.State):
    """The display name and the home page's form feedback (private per tab)."""

    display_name: str = rx.LocalStorage("", name="meet.display-name", sync=True)
    # Problem codes, turned into words by the components' labels.
    name_error: str = ""
    room_error: str = ""
    room_error_detail: str = ""
    # Where to go back to once a name is set (validated same-site path).
    return_path: str = ""
    # The name as typed on the home page, saved when the visitor goes on.
    name_draft: str = ""
    # Feedback was just given: the next home page says thank you (once).
    thank_next: bool = False
    thanked: bool = False
    # Whether the lobby's "change name" form is open.
    editing_name: bool = False

    @rx.var
    def has_name(self) -> bool:
        """Whether a valid display name is remembered in this browser."""
        return isinstance(validate_display_name(self.display_name), str)

    @rx.event
    def load_home(self) -> None:
        """Read the ``next`` query parameter of the home page, if it is same-site."""
        raw = self.router.url.query_parameters.get("next", "")
        self.return_path = safe_return_path(raw) or ""
        self.thanked, self.thank_next = self.thank_next, False
        # What the visitor typed before the page finished loading wins: this
        # event runs after any change already queued from the input.
        if not self.name_draft:
            name = self.display_name
            self.name_draft = name if isinstance(name, str) else ""

    @rx.event
    def set_name_draft(self, value: object) -> None:
        """Keep the name as typed (validated only when the visitor goes on).

        Args:
            value: The input's current text.
        """
        if isinstance(value, str):
            self.name_draft = value[:200]

    def _accept_name(self, raw: object) -> bool:
        checked = validate_display_name(raw)
        if isinstance(checked, Problem):
            self.name_error = checked.code
            return False
        self.name_error = ""
        self.display_name = checked
        return True

    @rx.event
    def save_name(self) -> rx.event.EventSpec | None:
        """Remember the typed display name, then go back where the visitor was.

        Returns:
            A redirect back to the room the visitor came from, if any.
        """
        if not self._accept_name(self.name_draft):
            return None
        if self.return_path:
            target, self.return_path = self.return_path, ""
            return rx.redirect(target)
        return None

    @rx.event
    def new_room(self) -> rx.event.EventSpec | None:
        """Open the lobby of a new room with a random 8-character id.

        Returns:
            A redirect to the new room's lobby.
        """
        if not self._accept_name(self.name_draft):
            return None
        return rx.redirect(kit_paths().lobby(room_id_from_bytes(os.urandom(8))))

    @rx.event
    def join_room(self, form: object) -> rx.event.EventSpec | None:
        """Open the lobby of the room named in the form.

        Args:
            form: The room form's data (``room``).

        Returns:
            A redirect to the room's lobby, or nothing with an error shown.
        """
        room = normalise_room_name(form.get("room") if isinstance(form, dict) else None)
        named = self._accept_name(self.name_draft)
        if isinstance(room, Problem):
            self.room_error = room.code
            self.room_error_detail = room.description
            return None
        self.room_error = ""
        self.room_error_detail = ""
        if not named:
            return None
        return rx.redirect(kit_paths().lobby(room))

    @rx.event
    def set_editing_name(self, open_: object) -> None:
        """Open or close the lobby's "change name" form.

        Args:
            open_: True to open.
        """
        if isinstance(open_, bool):
            self.editing_name = open_
            self.name_error = ""

    @rx.event
    async def rename(self, form: object) -> None:
        """Change the display name from the lobby (validated like the home page).

        The new name is remembered in this browser and, when this tab is in
        a room, replaces its name there (only its own entry). A refused name
        changes nothing and says why (``name_error``).

        Args:
            form: The form's data (``display_name``).
        """
        raw = form.get("display_name") if isinstance(form, dict) else None
        if not self._accept_name(raw if isinstance(raw, str) else None):
            return
        self.name_draft = self.display_name
        self.editing_name = False
        from reflex_meet.state.room import RoomState  # imports this module

        room = await self.get_state(RoomState)
        await room._rename_self(self.display_name)

    @rx.event
    def require_name(self) -> rx.event.EventSpec | None:
        """Send a visitor without a display name home, to come back after.

        Returns:
            A redirect to home carrying this page as the return path.
        """
        if self.has_name:
            return None
        paths = kit_paths()
        here = safe_return_path(self.router.url.path) or paths.home
        return rx.redirect(paths.home_returning_to(here))
