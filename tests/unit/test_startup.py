"""The app refuses to start on a misconfigured Calls backend, with a clear error,
and says which backend it uses when the configuration is good."""

import pytest

from launch.servers import import_app


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
    result = import_app(env)
    assert result.returncode != 0
    assert "CallsConfigError" in result.stderr
    assert mentions in result.stderr
    assert "s3cret-value" not in result.stderr + result.stdout


def test_the_log_says_which_backend():
    local = import_app({})
    assert local.returncode == 0, local.stderr
    assert (
        "Calls backend: local stand-in at http://127.0.0.1:7880/v1"
        in local.stdout + local.stderr
    )
    cloud = import_app({"CALLS_APP_ID": "abc123", "CALLS_APP_SECRET": "s3cret-value"})
    assert cloud.returncode == 0, cloud.stderr
    out = cloud.stdout + cloud.stderr
    assert "Calls backend: Cloudflare" in out
    assert "ICE servers: Cloudflare public STUN" in out
    assert "s3cret-value" not in out
    turn = import_app(
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
