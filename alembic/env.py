"""Alembic environment of the meeting app's records (see :mod:`records.db`).

Used by :func:`records.db.migrate` (which hands over a connection already
inside a locked transaction) and by the ``alembic`` command line, which
connects to ``sqlalchemy.url`` if set in ``alembic.ini``, else to
``DATABASE_URL`` / ``REFLEX_DB_URL`` (default ``sqlite:///data/meet.db``).
The kit keeps to its own space in a database shared with a host app: its
version table is ``meet_alembic_version`` and autogenerate compares only the
kit's own tables (``meet_…``), never proposing to touch the host's.
``reflex db makemigrations`` / ``reflex db migrate`` (the host's) neither run
this file nor see these tables.
"""

from __future__ import annotations

from logging.config import fileConfig

import sqlalchemy as sa

from alembic import context
from reflex_meet.records.models import METADATA, TABLE_PREFIX
from reflex_meet.records.settings import database_url, ensure_sqlite_folder
from reflex_meet.records.versioning import VERSION_TABLE

config = context.config

if config.config_file_name is not None and not config.attributes.get(
    "skip_logging_config"
):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = METADATA


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or database_url()


def _own_tables_only(name: str | None, type_: str, _parent: object) -> bool:
    """Autogenerate looks at the kit's tables only, never at a host's."""
    return type_ != "table" or bool(name and name.startswith(TABLE_PREFIX))


def _configure(**kwargs: object) -> None:
    context.configure(
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        include_name=_own_tables_only,
        render_as_batch=True,  # ALTERs on SQLite go through table copies
        compare_type=True,
        **kwargs,
    )


def run_migrations_offline() -> None:
    """Emit the migrations as SQL text (``alembic upgrade head --sql``)."""
    _configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on the given connection, or on a new one."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = _url()
    ensure_sqlite_folder(url)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as new_connection:
        _configure(connection=new_connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
