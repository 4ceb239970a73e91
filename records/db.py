"""Engines, sessions and migrations over Reflex's database layer.

The URL comes from Reflex's config (``rxconfig.py``: ``DATABASE_URL`` or
``REFLEX_DB_URL``, default ``sqlite:///data/meet.db``); engines are Reflex's
(``reflex.model.get_engine``), so ``rx.session()`` and :func:`session` share
one pool.

Migrations live in ``alembic/`` and are applied by :func:`migrate` (Alembic's
command API). :func:`session` and :func:`run` apply pending migrations once
per process before the first use, so the app needs no manual step; calling
:func:`migrate` at start-up only makes failures show earlier. Several workers
may start at once: on PostgreSQL the migration runs inside one transaction
holding an advisory lock, on SQLite under an exclusive lock file next to the
database; whoever comes second finds the schema at head and does nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from reflex import model as rx_model
from sqlmodel import Session

import reflex_meet.records.models  # noqa: F401  (registers the tables)
from alembic import command
from reflex_meet.records.settings import (
    database_url,
    ensure_sqlite_folder,
    is_postgres,
    normalise_database_url,
    sqlite_path,
)
from reflex_meet.records.versioning import VERSION_TABLE, adopt_legacy_version

__all__ = [
    "ROOT",
    "alembic_config",
    "current_revision",
    "current_url",
    "dispose",
    "downgrade",
    "engine",
    "ensure_migrated",
    "head_revision",
    "is_reachable",
    "migrate",
    "run",
    "session",
    "use_database",
]

logger = logging.getLogger("meet.records")

# The folder holding ``records/`` and ``alembic/``: the repository, or the
# installed ``reflex_meet`` package (the wheel keeps the same layout).
ROOT = Path(__file__).resolve().parent.parent
# pg_advisory_xact_lock key shared by every process migrating this schema.
_MIGRATION_LOCK_KEY = 0x6D656574  # "meet"

_override: str | None = None
_migrated: set[str] = set()
_migrate_lock = threading.RLock()

T = TypeVar("T")


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Enforce foreign keys and wait for locks on SQLite connections."""
    module = type(dbapi_connection).__module__
    if module.startswith(("sqlite3", "pysqlite")):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def use_database(url: str | None) -> None:
    """Point this process at another database (tests, scripts).

    Args:
        url: A database URL, or None to go back to the configured one.
    """
    global _override
    _override = normalise_database_url(url) if url else None


def _resolve(url: str | None) -> str:
    return normalise_database_url(url) if url else current_url()


def current_url() -> str:
    """Return the database URL in use.

    Returns:
        The :func:`use_database` URL, else Reflex's ``db_url``, else the
        environment's (:func:`records.settings.database_url`).
    """
    if _override:
        return _override
    try:
        from reflex_base.config import get_config

        configured = get_config().db_url
    except Exception:  # no rxconfig.py reachable (scripts outside the project)
        configured = None
    return normalise_database_url(configured) if configured else database_url()


def engine(url: str | None = None) -> sa.Engine:
    """Return Reflex's (cached) engine for a database.

    Args:
        url: The database URL (default: :func:`current_url`).

    Returns:
        The engine.
    """
    url = _resolve(url)
    ensure_sqlite_folder(url)
    return rx_model.get_engine(url)


def dispose(url: str | None = None) -> None:
    """Close an engine's connections and forget it (before dropping a database).

    Args:
        url: The database URL (default: :func:`current_url`).
    """
    url = _resolve(url)
    cached = rx_model._ENGINE.pop(url, None)
    if cached is not None:
        cached.dispose()
    with _migrate_lock:
        _migrated.discard(url)


def alembic_config(url: str | None = None) -> Config:
    """Return the project's Alembic configuration aimed at a database.

    Args:
        url: The database URL (default: :func:`current_url`).

    Returns:
        The configuration (scripts in ``alembic/``).
    """
    url = _resolve(url)
    # No alembic.ini: it is the command line's; the installed kit has none.
    config = Config()
    config.set_main_option("path_separator", "os")
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["skip_logging_config"] = True
    return config


def head_revision() -> str | None:
    """Return the newest migration of the repository.

    Returns:
        Its revision id.
    """
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(url: str | None = None) -> str | None:
    """Return the migration a database is at.

    Args:
        url: The database URL (default: :func:`current_url`).

    Returns:
        The revision id, or None for an empty database.
    """
    with engine(url).connect() as connection:
        return _context(connection).get_current_revision()


def _context(connection: sa.Connection) -> MigrationContext:
    """A migration context reading the kit's own version table."""
    return MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})


@contextlib.contextmanager
def _exclusive(url: str) -> Iterator[sa.Connection]:
    """Yield a connection inside a transaction no other migrator can enter."""
    lock_file = None
    path = sqlite_path(url)
    if path is not None:
        lock_path = path.with_name(path.name + ".migrate-lock")
        lock_file = lock_path.open("a")  # held until the migration is done
        fcntl.flock(lock_file, fcntl.LOCK_EX)
    try:
        with engine(url).connect() as connection, connection.begin():
            if is_postgres(url):
                connection.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:key)"),
                    {"key": _MIGRATION_LOCK_KEY},
                )
            yield connection
    finally:
        if lock_file is not None:
            fcntl.flock(lock_file, fcntl.LOCK_UN)
            lock_file.close()


def migrate(url: str | None = None) -> str | None:
    """Apply pending migrations (``alembic upgrade head``), safely in parallel.

    Args:
        url: The database URL (default: :func:`current_url`).

    Returns:
        The revision the database is at afterwards.
    """
    url = _resolve(url)
    config = alembic_config(url)
    with _exclusive(url) as connection:
        adopt_legacy_version(connection)
        before = _context(connection).get_current_revision()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        after = _context(connection).get_current_revision()
    if before != after:
        logger.warning("database migrated from %s to %s", before or "empty", after)
    with _migrate_lock:
        _migrated.add(url)
    return after


def downgrade(url: str | None = None, revision: str = "base") -> None:
    """Undo migrations down to ``revision`` (operations and tests).

    Args:
        url: The database URL (default: :func:`current_url`).
        revision: Where to stop (``"base"``: nothing left).
    """
    url = _resolve(url)
    config = alembic_config(url)
    with _exclusive(url) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
    with _migrate_lock:
        _migrated.discard(url)


def ensure_migrated(url: str | None = None) -> None:
    """Apply pending migrations unless this process already did for ``url``.

    Args:
        url: The database URL (default: :func:`current_url`).
    """
    url = _resolve(url)
    if url in _migrated:
        return
    with _migrate_lock:
        if url not in _migrated:
            migrate(url)


def session(url: str | None = None) -> Session:
    """Open a session (after applying any pending migrations once).

    Use as ``with session() as s: store.add_feedback(s, ...)``; the store
    functions commit their own writes.

    Args:
        url: The database URL (default: :func:`current_url`).

    Returns:
        A SQLModel session on Reflex's engine (what ``rx.session()`` gives).
    """
    url = _resolve(url)
    ensure_migrated(url)
    return Session(engine(url))


async def run(
    func: Callable[..., T], *args: Any, url: str | None = None, **kwargs: Any
) -> T:
    """Call a store function with a fresh session, off the event loop.

    Example: ``await db.run(store.add_chat_message, room, ...)`` from a Reflex
    event handler: the blocking database work happens in a worker thread.

    Args:
        func: A function taking a session first (e.g. from :mod:`records.store`).
        *args: Its other positional arguments.
        url: The database URL (default: :func:`current_url`).
        **kwargs: Its keyword arguments.

    Returns:
        What ``func`` returns.
    """

    def call() -> T:
        with session(url) as db_session:
            return func(db_session, *args, **kwargs)

    return await asyncio.to_thread(call)


def is_reachable(url: str | None = None) -> bool:
    """Whether the database answers ``SELECT 1``.

    Args:
        url: The database URL (default: :func:`current_url`).

    Returns:
        True when it does.
    """
    try:
        with engine(url).connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except Exception as error:  # any driver error means "not reachable"
        logger.warning("database unreachable: %s", type(error).__name__)
        return False
    return True
