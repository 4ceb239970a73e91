"""The kit's browser code, shipped inside the package (``reflex_meet.browser``).

The JSX/JS modules and ``theme.css`` in this folder travel in the wheel as
package data. :func:`shipped` hands them to Reflex's shared assets
(``rx.asset(shared=True)``): every file here is linked into the compiling
app's ``assets/external/reflex_meet/browser/``, so a host app copies nothing.
All files are linked at once because the modules import each other
(``./media_engine.js``).
"""

from __future__ import annotations

import functools
from pathlib import Path

import reflex as rx
from reflex.assets import AssetPathStr

__all__ = ["BROWSER_FILES", "shipped", "stylesheet", "theme_source"]

_HERE = Path(__file__).resolve().parent
# What a browser loads: the modules and the theme (never this file).
BROWSER_FILES = tuple(
    sorted(p.name for p in _HERE.iterdir() if p.suffix in {".js", ".jsx", ".css"})
)


@functools.cache
def _linked() -> dict[str, AssetPathStr]:
    # rx.asset takes the folder of its caller: this file's, beside the modules.
    return {name: rx.asset(name, shared=True) for name in BROWSER_FILES}


def shipped(name: str) -> str:
    """Return the build-time import path of one shipped module.

    Args:
        name: A file of this folder, such as ``"media.jsx"``.

    Returns:
        ``$/public/external/reflex_meet/browser/<name>``, for a component's
        ``library``.

    Raises:
        KeyError: If the kit ships no such file.
    """
    return _linked()[name].importable_path


def stylesheet(name: str = "theme.css") -> str:
    """Return a shipped stylesheet's path for ``rx.App(stylesheets=[...])``.

    Args:
        name: A ``.css`` file of this folder.

    Returns:
        The path under the app's assets (``external/reflex_meet/browser/...``).
    """
    return _linked()[name].importable_path.removeprefix("$/public/")


def theme_source() -> str:
    """The shipped ``theme.css`` (its ``--meet-*`` variables).

    Returns:
        The stylesheet's text.
    """
    return (_HERE / "theme.css").read_text(encoding="utf-8")
