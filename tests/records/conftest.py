"""Databases for the records tests: a SQLite file and a fresh PostgreSQL database.

PostgreSQL is expected at 127.0.0.1:5432 (user ``postgres``, no password). When
the port is closed, ``scripts/ensure_postgres.sh`` is run once to start (or
install) it; if it still cannot be reached the tests fail, never skip.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from sqlmodel import Session

from reflex_meet.records import db
from tests.records.db_support import BACKENDS, PG_ADMIN, ROOT, empty_database, port_open


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """Make sure PostgreSQL answers; return the admin connection string."""
    output = ""
    if not port_open():
        done = subprocess.run(
            [str(ROOT / "scripts" / "ensure_postgres.sh")],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        output = done.stdout + done.stderr
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=10) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as error:
        pytest.fail(
            "The records tests need PostgreSQL on 127.0.0.1:5432 (user postgres, "
            "trust auth); scripts/ensure_postgres.sh could not provide it.\n"
            f"Connection error: {error}\nScript output:\n{output}",
            pytrace=False,
        )
    return PG_ADMIN


@pytest.fixture(scope="module", params=BACKENDS)
def migrated_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database per test module and backend, migrated to head."""
    label = Path(str(request.node.name)).stem.replace("test_", "")[:20]
    with empty_database(
        request.param, tmp_path_factory.mktemp("db"), request, label
    ) as url:
        db.migrate(url)
        yield url


@pytest.fixture(scope="module")
def plain_engine(migrated_url: str) -> Iterator[sa.Engine]:
    """A plain SQLAlchemy engine (not Reflex's) on the module's database."""
    engine = sa.create_engine(migrated_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(plain_engine: sa.Engine) -> Iterator[Session]:
    """A plain ``sqlmodel.Session(engine)``."""
    with Session(plain_engine) as db_session:
        yield db_session
