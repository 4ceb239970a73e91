"""Which database: DATABASE_URL, REFLEX_DB_URL, default SQLite in data/."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from reflex_meet.records.settings import (
    DEFAULT_DATABASE_URL,
    database_url,
    is_postgres,
    is_sqlite,
    normalise_database_url,
    sqlite_path,
)
from tests.records.db_support import ROOT


def test_precedence():
    assert database_url({}) == DEFAULT_DATABASE_URL == "sqlite:///data/meet.db"
    assert database_url({"DATABASE_URL": "sqlite:////x.db"}) == "sqlite:////x.db"
    both = {"DATABASE_URL": "sqlite:////a.db", "REFLEX_DB_URL": "sqlite:////b.db"}
    assert database_url(both) == "sqlite:////b.db"
    assert database_url({"DATABASE_URL": "  ", "REFLEX_DB_URL": ""}) == (
        DEFAULT_DATABASE_URL
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgres://u@h:5432/db", "postgresql+psycopg://u@h:5432/db"),
        ("postgresql+psycopg2://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///data/meet.db", "sqlite:///data/meet.db"),
    ],
)
def test_postgres_urls_use_psycopg3(url, expected):
    assert normalise_database_url(url) == expected


def test_url_kinds():
    assert is_sqlite("sqlite:///x.db") and not is_postgres("sqlite:///x.db")
    assert is_postgres("postgresql+psycopg://h/db")
    assert sqlite_path("sqlite:///data/meet.db") == Path("data/meet.db")
    assert sqlite_path("sqlite:////abs/meet.db") == Path("/abs/meet.db")
    assert sqlite_path("sqlite://") is None
    assert sqlite_path("sqlite:///:memory:") is None
    assert sqlite_path("postgresql://h/db") is None


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "sqlite:///data/meet.db"),
        (
            {"DATABASE_URL": "postgres://postgres@127.0.0.1/x"},
            "postgresql+psycopg://postgres@127.0.0.1/x",
        ),
        (
            {
                "DATABASE_URL": "sqlite:////tmp/ignored.db",
                "REFLEX_DB_URL": "postgresql://postgres@127.0.0.1/y",
            },
            "postgresql+psycopg://postgres@127.0.0.1/y",
        ),
    ],
)
def test_rxconfig_db_url(env, expected):
    """Reflex's config (what rx.session() uses) gets the same URL."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REFLEX_DB_URL"}
    }
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from reflex_base.config import get_config; print(get_config().db_url)",
        ],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip().splitlines()[-1] == expected
