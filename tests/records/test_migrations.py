"""The migrations build the schema on empty SQLite and PostgreSQL databases."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from alembic import command
from records import db
from records.models import METADATA
from tests.records.db_support import BACKENDS, ROOT, empty_database

TABLES = {
    "meeting": {"id", "room", "started", "ended", "peak_participants"},
    "attendance": {
        "id",
        "meeting_id",
        "participant_id",
        "display_name",
        "joined",
        "left",
    },
    "chat_message": {
        "id",
        "room",
        "meeting_id",
        "sender_id",
        "sender_name",
        "recipient_id",
        "text",
        "sent",
    },
    "call_feedback": {
        "id",
        "meeting_id",
        "experienced_issues",
        "comment",
        "app_version",
        "created",
    },
    "bug_report": {"id", "reference", "text", "diagnostics", "created"},
    "track_report": {"id", "meeting_id", "track_id", "reporter_id", "reported_at"},
}


@pytest.fixture(params=BACKENDS)
def empty_url(request, tmp_path):
    with empty_database(request.param, tmp_path, request, "migrations") as url:
        yield url


def schema(url: str) -> sa.Inspector:
    return sa.inspect(db.engine(url))


def test_upgrade_check_downgrade(empty_url):
    assert db.current_revision(empty_url) is None
    head = db.head_revision()
    assert db.migrate(empty_url) == head
    assert db.current_revision(empty_url) == head

    inspector = schema(empty_url)
    assert set(inspector.get_table_names()) == {*TABLES, "alembic_version"}
    for table, columns in TABLES.items():
        assert {c["name"] for c in inspector.get_columns(table)} == columns, table
    nullable = {c["name"]: c["nullable"] for c in inspector.get_columns("meeting")}
    assert nullable["ended"] and not nullable["started"]
    chat_indexes = {i["name"]: i for i in inspector.get_indexes("chat_message")}
    assert chat_indexes["ix_chat_message_room_sent"]["column_names"] == ["room", "sent"]
    attendance_indexes = {i["name"]: i for i in inspector.get_indexes("attendance")}
    assert attendance_indexes["ix_attendance_meeting_id"]["column_names"] == [
        "meeting_id"
    ]
    bug_indexes = {i["name"]: i for i in inspector.get_indexes("bug_report")}
    assert bug_indexes["ix_bug_report_reference"]["unique"]
    (fk,) = inspector.get_foreign_keys("attendance")
    assert fk["referred_table"] == "meeting" and fk["constrained_columns"] == [
        "meeting_id"
    ]

    # The models and the migrations describe the same schema.
    with db.engine(empty_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, METADATA) == []

    assert db.migrate(empty_url) == head  # idempotent

    db.downgrade(empty_url, "base")
    assert db.current_revision(empty_url) is None
    assert set(schema(empty_url).get_table_names()) <= {"alembic_version"}
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
    code = "import sys; from records import db; print(db.migrate(sys.argv[1]))"
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
