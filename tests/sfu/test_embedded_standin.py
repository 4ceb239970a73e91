"""The embedded default: the app starts the local stand-in when none answers."""

import asyncio

import httpx
import pytest

from launch.servers import free_port, port_open
from reflex_meet.calls.config import CallsConfig
from reflex_meet.sfu.embedded import StandinError, embedded_standin, standin_mode


def _local(port: int, secret: str = "s3cret-for-test") -> CallsConfig:
    return CallsConfig(
        backend="local",
        app_id="local",
        app_secret=secret,
        api_url=f"http://127.0.0.1:{port}/v1",
    )


def _new_session(port: int, secret: str) -> int:
    return httpx.post(
        f"http://127.0.0.1:{port}/v1/apps/local/sessions/new",
        headers={"Authorization": f"Bearer {secret}"},
        json={},
        timeout=10,
    ).status_code


def test_it_starts_one_with_the_apps_credentials_and_stops_it_after():
    port = free_port()

    async def scenario():
        async with embedded_standin(_local(port), env={}) as proc:
            assert proc is not None
            # The secret is not on the command line other local users can read.
            assert not any("s3cret-for-test" in arg for arg in proc.args)
            assert await asyncio.to_thread(_new_session, port, "s3cret-for-test") == 201
            assert await asyncio.to_thread(_new_session, port, "wrong") == 401
            return proc

    proc = asyncio.run(scenario())
    assert proc.poll() is not None  # stopped with the app
    assert not port_open(port)


def test_workers_starting_together_share_one():
    port = free_port()

    async def two():
        both_in = asyncio.Barrier(2)

        async def worker():
            async with embedded_standin(_local(port), env={}) as proc:
                assert port_open(port)
                await both_in.wait()  # neither stops it while the other checks
                return proc

        return await asyncio.gather(worker(), worker())

    started = [p for p in asyncio.run(two()) if p is not None]
    assert len(started) == 1


def test_a_running_stand_in_or_off_or_cloudflare_starts_nothing(tmp_path):
    port = free_port()

    async def nested():
        config = _local(port)
        async with (
            embedded_standin(config, env={}) as first,
            embedded_standin(config, env={}) as second,
        ):
            assert first is not None and second is None
        async with embedded_standin(
            _local(free_port()), env={"MEET_STANDIN": "off"}
        ) as off:
            assert off is None
        cloud = CallsConfig(backend="cloudflare", app_id="abc", app_secret="x")
        async with embedded_standin(cloud, env={}) as none:
            assert none is None

    asyncio.run(nested())


def test_a_port_used_by_something_else_fails_with_a_clear_message():
    import socket

    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        # Bound but not listening: connections are refused and the stand-in
        # cannot bind it either.
        port = squatter.getsockname()[1]

        async def scenario():
            async with embedded_standin(_local(port), env={}):
                pass

        with pytest.raises(StandinError, match=f"127.0.0.1:{port}.*MEET_STANDIN=off"):
            asyncio.run(scenario())


@pytest.mark.parametrize(
    "value, mode", [(None, "auto"), ("", "auto"), ("AUTO", "auto"), (" off ", "off")]
)
def test_the_setting(value, mode):
    assert standin_mode({} if value is None else {"MEET_STANDIN": value}) == mode


def test_a_bad_setting_is_refused():
    with pytest.raises(
        StandinError, match="MEET_STANDIN must be 'auto' or 'off', got 'yes'"
    ):
        standin_mode({"MEET_STANDIN": "yes"})
