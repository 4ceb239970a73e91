"""Which database the app uses: ``DATABASE_URL`` or Reflex's ``REFLEX_DB_URL``.

Kept free of SQLAlchemy imports: ``rxconfig.py`` reads it on every start.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

__all__ = [
    "DEFAULT_DATABASE_URL",
    "database_url",
    "ensure_sqlite_folder",
    "is_postgres",
    "is_sqlite",
    "normalise_database_url",
    "sqlite_path",
]

DEFAULT_DATABASE_URL = "sqlite:///data/meet.db"

# PostgreSQL is reached through psycopg 3 (psycopg2 is not installed).
_POSTGRES_SCHEMES = ("postgres://", "postgresql://", "postgresql+psycopg2://")
_POSTGRES_DRIVER = "postgresql+psycopg://"


def normalise_database_url(url: str) -> str:
    """Make a PostgreSQL URL name the psycopg 3 driver; leave others alone.

    Args:
        url: A SQLAlchemy database URL, e.g. ``postgresql://u@host/db``.

    Returns:
        The URL, with ``postgres://`` / ``postgresql://`` turned into
        ``postgresql+psycopg://``.
    """
    url = url.strip()
    for scheme in _POSTGRES_SCHEMES:
        if url.startswith(scheme):
            return _POSTGRES_DRIVER + url[len(scheme) :]
    return url


def database_url(environ: Mapping[str, str] | None = None) -> str:
    """Return the configured database URL.

    ``REFLEX_DB_URL`` wins (Reflex itself gives it precedence over
    ``rxconfig.py``), then ``DATABASE_URL``, then a SQLite file in ``data/``.

    Args:
        environ: The environment to read (default: ``os.environ``).

    Returns:
        The normalised URL.
    """
    env = os.environ if environ is None else environ
    for name in ("REFLEX_DB_URL", "DATABASE_URL"):
        value = env.get(name, "").strip()
        if value:
            return normalise_database_url(value)
    return DEFAULT_DATABASE_URL


def is_sqlite(url: str) -> bool:
    """Whether ``url`` names a SQLite database.

    Args:
        url: A database URL.

    Returns:
        True for ``sqlite:`` URLs (with or without a driver).
    """
    return url.startswith("sqlite")


def is_postgres(url: str) -> bool:
    """Whether ``url`` names a PostgreSQL database.

    Args:
        url: A database URL.

    Returns:
        True for ``postgresql`` URLs (any driver).
    """
    return url.startswith(("postgresql", "postgres:"))


def sqlite_path(url: str) -> Path | None:
    """Return the file of a SQLite URL (None for in-memory or other databases).

    Args:
        url: A database URL such as ``sqlite:///data/meet.db`` (relative to the
            working directory) or ``sqlite:////abs/path.db``.

    Returns:
        The path, or None.
    """
    if not is_sqlite(url):
        return None
    _, sep, rest = url.partition(":///")
    path = rest.split("?", 1)[0]
    if not sep or not path or path == ":memory:":
        return None
    return Path(path)


def ensure_sqlite_folder(url: str) -> None:
    """Create the folder of a SQLite database file if it is missing.

    Args:
        url: A database URL (non-SQLite URLs are ignored).
    """
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
