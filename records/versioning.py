"""The kit's own Alembic version table, and adopting a database from before it.

A host app's Alembic keeps its revision in ``alembic_version``; the kit keeps
its own in :data:`VERSION_TABLE`, so neither ever reads or rewrites the
other's, and the kit's tables are all named ``meet_…``.

Databases created before that (revision :data:`LEGACY_REVISION`: the same
tables without the prefix, the revision in ``alembic_version``) are adopted
by :func:`adopt_legacy_version`, once, inside the migration's locked
transaction: the tables and their indexes are renamed (data kept; SQLite 3.26+
and PostgreSQL follow foreign keys to a renamed table), the kit's version
table is stamped at :data:`ADOPTED_REVISION`, and the kit's row leaves
``alembic_version`` (dropped if nothing else was in it).
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

from reflex_meet.records.models import TABLE_PREFIX

__all__ = [
    "ADOPTED_REVISION",
    "LEGACY_REVISION",
    "LEGACY_VERSION_TABLE",
    "VERSION_TABLE",
    "adopt_legacy_version",
]

logger = logging.getLogger("meet.records")

VERSION_TABLE = "meet_alembic_version"
LEGACY_VERSION_TABLE = "alembic_version"
LEGACY_REVISION = "c2b40a64429d"
"""The retired first revision: unprefixed tables, shared version table."""
ADOPTED_REVISION = "7a3d5c1e0b42"
"""The revision whose schema a renamed legacy database has."""

# The legacy tables and their indexes (name suffix, columns, unique); index
# names are "ix_<table>_<suffix>".
_LEGACY_TABLES: tuple[tuple[str, tuple[tuple[str, list[str], bool], ...]], ...] = (
    ("meeting", (("room", ["room"], False),)),
    ("attendance", (("meeting_id", ["meeting_id"], False),)),
    (
        "chat_message",
        (
            ("meeting_id", ["meeting_id"], False),
            ("room_sent", ["room", "sent"], False),
        ),
    ),
    ("call_feedback", (("meeting_id", ["meeting_id"], False),)),
    ("bug_report", (("reference", ["reference"], True),)),
    ("track_report", (("meeting_id", ["meeting_id"], False),)),
)


def adopt_legacy_version(connection: sa.Connection) -> bool:
    """Rename a legacy database's tables into the kit's space and version it.

    Does nothing when the kit's version table exists already or
    ``alembic_version`` does not hold :data:`LEGACY_REVISION` (a fresh
    database, or only a host app's revision).

    Args:
        connection: A connection inside the migration's transaction.

    Returns:
        Whether a legacy database was adopted.
    """
    tables = set(sa.inspect(connection).get_table_names())
    if VERSION_TABLE in tables or LEGACY_VERSION_TABLE not in tables:
        return False
    legacy = sa.table(LEGACY_VERSION_TABLE, sa.column("version_num", sa.String))
    found = connection.execute(sa.select(legacy.c.version_num)).scalars().all()
    if LEGACY_REVISION not in found:
        return False
    operations = Operations(MigrationContext.configure(connection))
    for table, indexes in _LEGACY_TABLES:
        new = TABLE_PREFIX + table
        for suffix, _columns, _unique in indexes:
            operations.drop_index(f"ix_{table}_{suffix}", table_name=table)
        operations.rename_table(table, new)
        for suffix, columns, unique in indexes:
            operations.create_index(f"ix_{new}_{suffix}", new, columns, unique=unique)
    version = sa.Table(
        VERSION_TABLE,
        sa.MetaData(),
        sa.Column("version_num", sa.String(32), primary_key=True),
    )
    version.create(connection)
    connection.execute(version.insert().values(version_num=ADOPTED_REVISION))
    if found == [LEGACY_REVISION]:  # it only ever held the kit's revision
        connection.execute(sa.text(f"DROP TABLE {LEGACY_VERSION_TABLE}"))
    else:
        connection.execute(
            legacy.delete().where(legacy.c.version_num == LEGACY_REVISION)
        )
    logger.warning(
        "records: tables from revision %s renamed to %s…, now at %s in %s",
        LEGACY_REVISION,
        TABLE_PREFIX,
        ADOPTED_REVISION,
        VERSION_TABLE,
    )
    return True
