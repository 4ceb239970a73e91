"""Layout pieces of the meeting (``assets/meet/stage.jsx``) and the theme.

* :class:`StageGrid` sizes the tiles to fit the stage's box (width and
  height) for any number of tiles, at the aspect ratio of the CSS variable
  ``--meet-tile-aspect``; the pinned tile (or a shared screen) is shown large.
  The geometry is the pure ``assets/meet/layout_logic.js``.
* :class:`MoreControls` keeps secondary controls in the bar on wide screens
  and behind a "More" button on narrow ones.
* :class:`Sheet` / :class:`SheetButton`: a side sheet (full screen on phones)
  opened by a toggle, local to the tab.
* :class:`CopyLinkButton` copies the room's link.

:data:`THEME_STYLESHEET` is the stylesheet defining every ``--meet-*``
variable; pass it in ``rx.App(stylesheets=[...])``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import reflex as rx

from reflex_meet.browser import shipped, stylesheet, theme_source
from reflex_meet.core.theme import theme_rule

__all__ = [
    "THEME_STYLESHEET",
    "THEME_VARIABLES",
    "CopyLinkButton",
    "MoreControls",
    "Sheet",
    "SheetButton",
    "StageGrid",
    "theme_style",
]

# Relative to assets/: Reflex bundles it into the global stylesheet, loaded in
# <head> before the app starts (so the first paint has the theme's colours).
THEME_STYLESHEET = stylesheet("theme.css")
# Every --meet-* variable the shipped theme defines (what a host may set).
THEME_VARIABLES = frozenset(
    re.findall(r"^\s*(--meet-[a-z0-9-]+)\s*:", theme_source(), re.MULTILINE)
)

_LIBRARY = shipped("stage.jsx")


class StageGrid(rx.Component):
    """A box that places its children (the tiles) in the best grid for its size."""

    library = _LIBRARY
    tag = "StageGrid"
    is_default = False


class MoreControls(rx.Component):
    """Secondary controls: inline when wide, a "More" menu when narrow."""

    library = _LIBRARY
    tag = "MoreControls"
    is_default = False

    label: rx.Var[str]


class SheetButton(rx.Component):
    """The toggle (``aria-pressed``) of a local :class:`Sheet`."""

    library = _LIBRARY
    tag = "SheetButton"
    is_default = False

    sheet: rx.Var[str]
    label: rx.Var[str]
    test_id: rx.Var[str]


class Sheet(rx.Component):
    """A side sheet with a heading and a close button, shown while toggled on."""

    library = _LIBRARY
    tag = "Sheet"
    is_default = False

    sheet: rx.Var[str]
    heading: rx.Var[str]
    close_label: rx.Var[str]
    test_id: rx.Var[str]


class CopyLinkButton(rx.Component):
    """Copies ``url`` (resolved against the page's address) to the clipboard."""

    library = _LIBRARY
    tag = "CopyLinkButton"
    is_default = False

    label: rx.Var[str]
    copied_label: rx.Var[str]
    url: rx.Var[str]


def theme_style(overrides: Mapping[str, str] | None) -> rx.Component | None:
    """A ``<style>`` setting some ``--meet-*`` variables for the whole page.

    Args:
        overrides: ``{name: value}``, names with or without ``--meet-``
            (``{"accent": "#0b7285"}``).

    Returns:
        The element for the page's head, or None without overrides.

    Raises:
        ThemeError: An unknown variable or a value that is not one CSS value.

    Example:
        >>> from reflex_meet.components.layout import theme_style
        >>> head = theme_style({"accent": "#0b7285", "tile-radius": "4px"})
    """
    rule = theme_rule(overrides, THEME_VARIABLES)
    return rx.el.style(rule) if rule else None
