"""A host's theme overrides: checked, then written as one CSS rule.

``add_pages(app, theme={"accent": "#0b7285", "tile-radius": "4px"})`` sets
any of the kit's ``--meet-*`` CSS variables (README, "Theming") for every
page of the app, on top of the shipped ``theme.css``. A name the theme does
not define, or a value that could break out of its declaration, is refused
with a message naming it, rather than silently ignored.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

__all__ = ["ThemeError", "theme_rule"]

_NAME = re.compile(r"(--meet-)?([a-z0-9]+(?:-[a-z0-9]+)*)")
# Colours, lengths, font stacks, ratios, color-mix(...): no character that
# ends a declaration or a rule, no markup, no escapes, no comments.
_VALUE = re.compile(r"[^;{}<>\\\x00-\x1f\x7f]{1,200}")
_MAX_OVERRIDES = 200


class ThemeError(ValueError):
    """A theme override cannot be used; the message says which and why."""


def _variable(name: object, known: Collection[str]) -> str:
    match = _NAME.fullmatch(name) if isinstance(name, str) else None
    variable = f"--meet-{match.group(2)}" if match else None
    if variable is None or variable not in known:
        msg = (
            f"unknown theme variable {name!r}: use one of the --meet-* names "
            "of the README's Theming table (with or without '--meet-')"
        )
        raise ThemeError(msg)
    return variable


def _value(name: str, value: object) -> str:
    text = value.strip() if isinstance(value, str) else None
    if not text or not _VALUE.fullmatch(text) or "/*" in text:
        msg = (
            f"theme value for {name} must be one CSS value (at most 200 "
            f"characters, no ';', braces, '<', '>' or backslashes), not {value!r}"
        )
        raise ThemeError(msg)
    return text


def theme_rule(overrides: Mapping[str, str] | None, known: Collection[str]) -> str:
    """Check theme overrides and write them as one ``:root`` rule.

    Args:
        overrides: ``{name: value}`` with names such as ``"accent"`` or
            ``"--meet-accent"``.
        known: The variables the shipped theme defines.

    Returns:
        ``""`` without overrides, else a rule such as
        ``":root:root:root{--meet-accent:#0b7285}"``.

    Raises:
        ThemeError: An unknown name, a bad value, or too many overrides.
    """
    if not overrides:
        return ""
    if not isinstance(overrides, Mapping) or len(overrides) > _MAX_OVERRIDES:
        msg = "theme must be a mapping of at most 200 --meet-* variables"
        raise ThemeError(msg)
    declarations = []
    for name, value in overrides.items():
        variable = _variable(name, known)
        declarations.append(f"{variable}:{_value(variable, value)}")
    # Three :root outrank every rule of theme.css (light and dark alike).
    return ":root:root:root{" + ";".join(declarations) + "}"
