"""The migrations build the schema on empty SQLite and PostgreSQL databases,
in the kit's own space beside a host app's tables."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

from alembic import command
from reflex_meet.records import db, versioning
from reflex_meet.records.models import METADATA
from tests.records.db_support import BACKENDS, ROOT, empty_database

TABLES = {
    "meet_meeting": {"id", "room", "started", "ended", "peak_participants"},
    "meet_attendance": {
        "id",
        "meeting_id",
        "participant_id",
        "display_name",
        "joined",
        "left",
    },
    "meet_chat_message": {
        "id",
        "room",
        "meeting_id",
        "sender_id",
        "sender_name",
        "recipient_id",
        "text",
        "sent",
    },
    "meet_call_feedback": {
        "id",
        "meeting_id",
        "experienced_issues",
        "comment",
        "app_version",
        "created",
    },
    "meet_bug_report": {"id", "reference", "text", "diagnostics", "created"},
    "meet_track_report": {"id", "meeting_id", "track_id", "reporter_id", "reported_at"},
}


@pytest.fixture(params=BACKENDS)
def empty_url(request, tmp_path):
    with empty_database(request.param, tmp_path, request, "migrations") as url:
        yield url


def own_tables(name, type_, _parent):
    return type_ != "table" or name.startswith("meet_")


def schema(url: str) -> sa.Inspector:
    return sa.inspect(db.engine(url))


def test_upgrade_check_downgrade(empty_url):
    assert db.current_revision(empty_url) is None
    head = db.head_revision()
    assert db.migrate(empty_url) == head
    assert db.current_revision(empty_url) == head

    inspector = schema(empty_url)
    assert set(inspector.get_table_names()) == {*TABLES, "meet_alembic_version"}
    for table, columns in TABLES.items():
        assert {c["name"] for c in inspector.get_columns(table)} == columns, table
    nullable = {c["name"]: c["nullable"] for c in inspector.get_columns("meet_meeting")}
    assert nullable["ended"] and not nullable["started"]
    chat_indexes = {i["name"]: i for i in inspector.get_indexes("meet_chat_message")}
    assert chat_indexes["ix_meet_chat_message_room_sent"]["column_names"] == [
        "room",
        "sent",
    ]
    attendance_indexes = {
        i["name"]: i for i in inspector.get_indexes("meet_attendance")
    }
    assert attendance_indexes["ix_meet_attendance_meeting_id"]["column_names"] == [
        "meeting_id"
    ]
    bug_indexes = {i["name"]: i for i in inspector.get_indexes("meet_bug_report")}
    assert bug_indexes["ix_meet_bug_report_reference"]["unique"]
    (fk,) = inspector.get_foreign_keys("meet_attendance")
    assert fk["referred_table"] == "meet_meeting" and fk["constrained_columns"] == [
        "meeting_id"
    ]

    # The models and the migrations describe the same schema.
    with db.engine(empty_url).connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_name": own_tables,
                "version_table": "meet_alembic_version",
            },
        )
        assert compare_metadata(context, METADATA) == []

    assert db.migrate(empty_url) == head  # idempotent

    db.downgrade(empty_url, "base")
    assert db.current_revision(empty_url) is None
    assert set(schema(empty_url).get_table_names()) <= {"meet_alembic_version"}
    assert db.migrate(empty_url) == head  # and up again


def test_alembic_command_line_environment(tmp_path):
    """env.py connects by itself when not handed a connection (``alembic`` CLI)."""
    url = f"sqlite:///{tmp_path / 'sub' / 'cli.db'}"
    config = db.alembic_config(url)
    command.upgrade(config, "head")
    assert db.current_revision(url) == db.head_revision()
    command.downgrade(db.alembic_config(url), "base")
    assert db.current_revision(url) is None
    db.dispose(url)


def test_several_workers_migrate_at_once(empty_url):
    """Four processes starting together: one migrates, the others wait."""
    code = (
        "import sys; from reflex_meet.records import db; print(db.migrate(sys.argv[1]))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, empty_url],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert out.strip() == db.head_revision()
    migrated = [err for _, err in outputs if "database migrated" in err]
    assert len(migrated) == 1, outputs
    assert db.current_revision(empty_url) == db.head_revision()


def test_default_sqlite_file_lives_in_data(tmp_path):
    """The default URL names data/meet.db; its folder is created on demand."""
    code = (
        "from records.settings import database_url, ensure_sqlite_folder, sqlite_path;"
        "url = database_url({}); ensure_sqlite_folder(url); print(url);"
        "print(sqlite_path(url).parent.resolve())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    url, folder = done.stdout.split()
    assert url == "sqlite:///data/meet.db"
    assert Path(folder) == (tmp_path / "data").resolve()
    assert (tmp_path / "data").is_dir()


# ---- the kit's own space beside a host app's --------------------------------


def _host_app(url: str) -> None:
    """A host app's own table and Alembic revision, as its migrations left them."""
    with db.engine(url).begin() as connection:
        connection.execute(
            sa.text("CREATE TABLE meeting (id INTEGER PRIMARY KEY, topic TEXT)")
        )
        connection.execute(
            sa.text("INSERT INTO meeting (id, topic) VALUES (1, 'host')")
        )
        connection.execute(
            sa.text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        )
        connection.execute(sa.text("INSERT INTO alembic_version VALUES ('host0001')"))


def test_the_kit_lives_beside_a_host_app_without_touching_it(empty_url):
    _host_app(empty_url)
    assert db.migrate(empty_url) == db.head_revision()
    with db.engine(empty_url).connect() as connection:
        assert connection.execute(
            sa.text("SELECT version_num FROM alembic_version")
        ).scalars().all() == ["host0001"]
        assert connection.execute(
            sa.text("SELECT topic FROM meeting")
        ).scalars().all() == ["host"]
    tables = set(schema(empty_url).get_table_names())
    assert tables == {*TABLES, "meet_alembic_version", "meeting", "alembic_version"}
    # The host's metadata (Reflex's registry) knows nothing of the kit's tables.
    from sqlmodel import SQLModel

    assert not set(SQLModel.metadata.tables) & set(TABLES)
    assert set(METADATA.tables) == set(TABLES)
    db.downgrade(empty_url, "base")
    assert "meeting" in schema(empty_url).get_table_names()  # the host's stays


def _make_legacy(url: str) -> None:
    """The layout before the kit's own space: unprefixed tables and indexes,
    the kit's revision in the shared ``alembic_version``."""
    assert db.migrate(url) == db.head_revision()
    with db.engine(url).begin() as connection:
        operations = Operations(MigrationContext.configure(connection))
        for table, indexes in versioning._LEGACY_TABLES:
            new = "meet_" + table
            for suffix, _columns, _unique in indexes:
                operations.drop_index(f"ix_{new}_{suffix}", table_name=new)
            operations.rename_table(new, table)
            for suffix, columns, unique in indexes:
                operations.create_index(
                    f"ix_{table}_{suffix}", table, columns, unique=unique
                )
        connection.execute(sa.text("DROP TABLE meet_alembic_version"))
        connection.execute(
            sa.text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        )
        connection.execute(
            sa.text("INSERT INTO alembic_version VALUES (:r)"),
            {"r": versioning.LEGACY_REVISION},
        )
        connection.execute(
            sa.text(
                "INSERT INTO meeting (id, room, started, peak_participants) "
                "VALUES ('m1', 'r1', '2026-11-01 10:00:00+00', 3)"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO attendance (meeting_id, participant_id, display_name,"
                " joined) VALUES ('m1', 'p1', 'Ada', '2026-11-01 10:00:00+00')"
            )
        )
    db.dispose(url)


@pytest.mark.parametrize("host_revision", [None, "host0001"])
def test_a_database_from_before_the_own_space_is_adopted_with_its_data(
    empty_url, host_revision
):
    _make_legacy(empty_url)
    if host_revision:  # a host app shared alembic_version with the kit
        with db.engine(empty_url).begin() as connection:
            connection.execute(
                sa.text("INSERT INTO alembic_version VALUES (:r)"),
                {"r": host_revision},
            )
    assert db.migrate(empty_url) == db.head_revision()
    tables = set(schema(empty_url).get_table_names())
    expected = {*TABLES, "meet_alembic_version"}
    assert tables == (expected | {"alembic_version"} if host_revision else expected)
    with db.engine(empty_url).connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT m.room, a.display_name FROM meet_meeting m "
                "JOIN meet_attendance a ON a.meeting_id = m.id"
            )
        ).all()
        if host_revision:
            left = connection.execute(
                sa.text("SELECT version_num FROM alembic_version")
            ).scalars()
            assert list(left) == [host_revision]
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_name": own_tables,
                "version_table": "meet_alembic_version",
            },
        )
        assert compare_metadata(context, METADATA) == []
    assert [tuple(r) for r in rows] == [("r1", "Ada")]
    # Cascades still follow the renamed tables.
    with db.engine(empty_url).begin() as connection:
        connection.execute(sa.text("DELETE FROM meet_meeting WHERE id = 'm1'"))
        assert (
            connection.execute(sa.text("SELECT count(*) FROM meet_attendance")).scalar()
            == 0
        )
