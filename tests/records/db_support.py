"""Helpers of the records tests: PostgreSQL at 127.0.0.1:5432, empty databases."""

from __future__ import annotations

import contextlib
import secrets
import socket
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from reflex_meet.records import db

ROOT = Path(__file__).resolve().parents[2]
PG_HOST = "127.0.0.1"
PG_PORT = 5432
PG_ADMIN = f"host={PG_HOST} port={PG_PORT} user=postgres dbname=postgres"
BACKENDS = ["sqlite", "postgresql"]


def port_open() -> bool:
    """Whether something accepts connections on PostgreSQL's port."""
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((PG_HOST, PG_PORT)) == 0


@contextlib.contextmanager
def fresh_postgres_database(label: str) -> Iterator[str]:
    """Create an empty database; drop it (and its engine) afterwards."""
    name = f"meet_test_{label}_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{name}"
    try:
        yield url
    finally:
        db.dispose(url)
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def empty_database(
    backend: str, tmp_dir: Path, request: pytest.FixtureRequest, label: str
) -> Iterator[str]:
    """An empty database of the given backend (no tables)."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_dir / f'{label}.db'}"
        try:
            yield url
        finally:
            db.dispose(url)
        return
    request.getfixturevalue("postgres_server")
    with fresh_postgres_database(label) as url:
        yield url


def count_rows(url: str, model: type) -> int:
    """How many rows a table has (through a separate connection)."""
    engine = sa.create_engine(url)
    try:
        with Session(engine) as db_session:
            return db_session.exec(select(func.count()).select_from(model)).one()
    finally:
        engine.dispose()
