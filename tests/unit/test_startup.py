"""The app refuses to start on a misconfigured Calls backend, with a clear error,
and says which backend it uses when the configuration is good."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def start(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CALLS_", "LOCAL_CALLS_", "TURN_"))
    }
    return subprocess.run(
        [sys.executable, "-c", "import app.app"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "mentions"),
    [
        ({"CALLS_APP_ID": "abc123"}, "CALLS_APP_SECRET"),
        ({"CALLS_APP_SECRET": "s3cret-value"}, "CALLS_APP_ID"),
        (
            {
                "CALLS_APP_ID": "abc123",
                "CALLS_APP_SECRET": "s3cret-value",
                "CALLS_API_URL": "ftp://x",
            },
            "CALLS_API_URL",
        ),
        ({"TURN_SERVICE_ID": "abc123"}, "TURN_SERVICE_TOKEN"),
        ({"TURN_SERVICE_TOKEN": "s3cret-value"}, "TURN_SERVICE_ID"),
    ],
)
def test_misconfiguration_stops_the_start(env, mentions):
    result = start(env)
    assert result.returncode != 0
    assert "CallsConfigError" in result.stderr
    assert mentions in result.stderr
    assert "s3cret-value" not in result.stderr + result.stdout


def test_the_log_says_which_backend():
    local = start({})
    assert local.returncode == 0, local.stderr
    assert (
        "Calls backend: local stand-in at http://127.0.0.1:7880/v1"
        in local.stdout + local.stderr
    )
    cloud = start({"CALLS_APP_ID": "abc123", "CALLS_APP_SECRET": "s3cret-value"})
    assert cloud.returncode == 0, cloud.stderr
    out = cloud.stdout + cloud.stderr
    assert "Calls backend: Cloudflare" in out
    assert "ICE servers: Cloudflare public STUN" in out
    assert "s3cret-value" not in out
    turn = start(
        {
            "CALLS_APP_ID": "abc123",
            "CALLS_APP_SECRET": "s3cret-value",
            "TURN_SERVICE_ID": "key123",
            "TURN_SERVICE_TOKEN": "turn-s3cret-value",
        }
    )
    assert turn.returncode == 0, turn.stderr
    out = turn.stdout + turn.stderr
    assert "ICE servers: Cloudflare TURN key key1…" in out
    assert "turn-s3cret-value" not in out
