"""Where the kit's pages live in the app: every page path from one prefix.

This repository's app mounts the kit at the site's root (``""``); a host app
mounts it under a prefix of its choosing with
:func:`reflex_meet.add_pages` (``prefix="/meet"`` gives ``/meet`` for home,
``/meet/<room>`` for a lobby, ``/meet/<room>/room`` for the meeting and
``/meet/feedback``). Components and state handlers build every link and
redirect from :func:`current`, so nothing else knows the prefix.

The kit's plain HTTP routes do not move with the pages: they are always
under :data:`API_PREFIX` (``/_meet/…``, a name no host route is likely to
use, like Reflex's own ``/_event``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "API_PREFIX",
    "KitPaths",
    "current",
    "mount_at",
    "normalise_prefix",
]

API_PREFIX = "/_meet"

# Lower-case path segments of letters, digits, "-" and "_", each starting
# with a letter or digit: "/meet", "/team/rooms".
_PREFIX = re.compile(r"(/[a-z0-9][a-z0-9_-]{0,63}){1,4}")


def normalise_prefix(prefix: str) -> str:
    """Check a mount prefix and give its canonical form.

    Args:
        prefix: ``""`` or ``"/"`` for the site's root, else a path such as
            ``"/meet"`` (a trailing slash is dropped).

    Returns:
        ``""`` for the root, else the prefix without a trailing slash.

    Raises:
        ValueError: If the prefix is not a plain lower-case path, or its
            first segment is one Reflex or the kit already serves.
    """
    if not isinstance(prefix, str):
        msg = f"prefix must be a string such as '/meet', not {type(prefix).__name__}"
        raise ValueError(msg)
    cleaned = prefix.rstrip("/")
    if cleaned == "":
        return ""
    if not _PREFIX.fullmatch(cleaned):
        msg = (
            f"prefix {prefix!r} is not a plain path: use '/' followed by "
            "lower-case letters, digits, '-' or '_' (for example '/meet')"
        )
        raise ValueError(msg)
    if cleaned.split("/")[1] in {"_meet", "_event", "_upload", "_health", "ping"}:
        msg = f"prefix {prefix!r} is taken by Reflex or the kit's own routes"
        raise ValueError(msg)
    return cleaned


@dataclass(frozen=True)
class KitPaths:
    """The kit's page paths under one prefix.

    Attributes:
        prefix: ``""`` (site root) or a path such as ``"/meet"``.
    """

    prefix: str = ""

    @property
    def home(self) -> str:
        """The home page (name and "new meeting")."""
        return self.prefix or "/"

    @property
    def feedback(self) -> str:
        """The after-the-call feedback page."""
        return f"{self.prefix}/feedback"

    def lobby(self, room: str) -> str:
        """The lobby of a room.

        Args:
            room: A normalised room name.

        Returns:
            Its path.
        """
        return f"{self.prefix}/{room}"

    def meeting(self, room: str) -> str:
        """The meeting page of a room.

        Args:
            room: A normalised room name.

        Returns:
            Its path.
        """
        return f"{self.prefix}/{room}/room"

    def home_returning_to(self, path: str) -> str:
        """Home, asked to send the visitor back to ``path`` once named.

        Args:
            path: A same-site path (already checked).

        Returns:
            The home path with ``?next=``.
        """
        from urllib.parse import quote

        return f"{self.home}?next={quote(path, safe='/')}"

    def route(self, page: str) -> str:
        """A Reflex route pattern under the prefix.

        Args:
            page: ``""`` for home, else ``"[room]"``, ``"[room]/room"``,
                ``"feedback"``.

        Returns:
            The route to give ``app.add_page``.
        """
        return f"{self.prefix}/{page}" if page else self.home

    def room_suffix(self, path: str, raw_room: str) -> str:
        """What follows the room segment in a page path (``""`` or ``/room``).

        Args:
            path: The page's path, such as ``/meet/Ab-c/room``.
            raw_room: The room segment as it appears in ``path``.

        Returns:
            The rest of the path after the room segment.
        """
        head = f"{self.prefix}/{raw_room}"
        return path[len(head) :] if path.startswith(head) else ""


_current = KitPaths()


def mount_at(prefix: str) -> KitPaths:
    """Set where the kit's pages live (done by ``add_pages``).

    Args:
        prefix: See :func:`normalise_prefix`.

    Returns:
        The paths in use from now on.
    """
    global _current
    _current = KitPaths(normalise_prefix(prefix))
    return _current


def current() -> KitPaths:
    """The kit's page paths in this app.

    Returns:
        The paths set by :func:`mount_at` (the site's root by default).
    """
    return _current
