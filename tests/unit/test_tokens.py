"""Tokens and tab keys derived with the server secret (security.tokens)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from launch.servers import ROOT
from reflex_meet.security import tokens


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(tokens.SECRET_VARIABLE, "k" * 40)
    tokens.server_secret.cache_clear()
    yield
    tokens.server_secret.cache_clear()


def test_room_tokens_are_not_the_room_name_and_differ_by_secret(
    secret, monkeypatch: pytest.MonkeyPatch
):
    first = tokens.room_token("standup")
    assert first.startswith("room-")
    assert "standup" not in first
    assert first != tokens.room_token("standup2")
    assert tokens.presence_token("standup") != first.replace("room-", "presence-")
    monkeypatch.setenv(tokens.SECRET_VARIABLE, "z" * 40)
    tokens.server_secret.cache_clear()
    assert tokens.room_token("standup") != first


def test_room_tokens_are_valid_link_tokens(secret):
    # Reflex refuses "_" in a linked state's token.
    for room in ("a", "team-standup", "x" * 64):
        assert "_" not in tokens.room_token(room)
        assert "_" not in tokens.presence_token(room)


def test_tab_keys_are_checked_exactly(secret):
    key = tokens.tab_key("standup", "p1")
    assert tokens.check_tab_key("standup", "p1", key)
    assert not tokens.check_tab_key("standup", "p2", key)
    assert not tokens.check_tab_key("standup2", "p1", key)
    assert not tokens.check_tab_key("standup", "p1", key[:-1] + "0")
    for bad in (None, 5, ["x"], {"k": key}, "é" * 32, "\ud800"):
        assert not tokens.check_tab_key("standup", "p1", bad)
    # Separators cannot be shifted between parts.
    assert tokens.tab_key("ab", "c") != tokens.tab_key("a", "bc")


def test_only_version_4_uuids_are_client_tokens(secret):
    assert tokens.is_client_token(str(uuid.uuid4()))
    assert tokens.is_client_token("0f8fad5b-d9cb-469f-a165-70867728950e")
    for bad in (
        tokens.room_token("standup"),
        tokens.presence_token("standup"),
        "room-standup",
        str(uuid.uuid4()).upper(),
        str(uuid.uuid1()),
        "",
        None,
        42,
        str(uuid.uuid4()) + "\n",
    ):
        assert not tokens.is_client_token(bad), bad


def test_a_short_configured_secret_is_refused(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(tokens.SECRET_VARIABLE, "short")
    tokens.server_secret.cache_clear()
    with pytest.raises(tokens.SecretConfigError, match="MEET_SECRET_KEY"):
        tokens.server_secret()
    tokens.server_secret.cache_clear()


def test_the_secret_file_is_made_once_and_shared(tmp_path: Path):
    """Two processes (as two workers) starting at once agree on one secret."""
    path = tmp_path / "data" / "secret-key"
    env = {
        **os.environ,
        "MEET_SECRET_KEY": "",
        "MEET_SECRET_FILE": str(path),
        "PYTHONPATH": str(ROOT),
    }
    code = "from security.tokens import room_token; print(room_token('r'))"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    outputs = {proc.communicate(timeout=60)[0].strip() for proc in procs}
    assert len(outputs) == 1
    assert path.stat().st_mode & 0o777 == 0o600
    assert len(path.read_bytes().strip()) >= tokens.MIN_SECRET_LENGTH
    again = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert again.stdout.strip() in outputs
    assert list(path.parent.iterdir()) == [path]  # no temporary files left
