"""ICE servers for browsers: the TURN credential exchange against a local fake
of Cloudflare's generate-ice-servers endpoint (127.0.0.1, a free port)."""

import asyncio
import contextlib
import itertools
import json
import logging
import socket

import pytest
from aiohttp import web

from reflex_meet.calls.config import CallsConfigError
from reflex_meet.calls.ice import (
    PUBLIC_STUN,
    IceServerSource,
    TurnConfig,
    checked_ice_servers,
    load_turn_config,
)

TOKEN = "turn-token-TOP-SECRET-0123"
KEY = "key_abc123"


class FakeTurnApi:
    """Cloudflare's credential endpoint: bearer checked, a fresh credential each."""

    def __init__(self) -> None:
        self.requests: list[dict[str, object]] = []
        self.answer: tuple[int, object] | None = None  # override (status, body)
        self._serial = itertools.count(1)

    async def generate(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(
            {
                "key": request.match_info["key"],
                "auth": request.headers.get("Authorization"),
                "body": body,
            }
        )
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.json_response({"error": "unauthorised"}, status=401)
        if self.answer is not None:
            status, payload = self.answer
            text = payload if isinstance(payload, str) else json.dumps(payload)
            return web.Response(status=status, text=text)
        n = next(self._serial)
        return web.json_response(
            {
                "iceServers": [
                    {
                        "urls": [
                            "stun:stun.cloudflare.com:3478",
                            "stun:stun.cloudflare.com:53",
                        ]
                    },
                    {
                        "urls": [
                            "turn:turn.cloudflare.com:3478?transport=udp",
                            "turn:turn.cloudflare.com:53?transport=udp",
                            "turns:turn.cloudflare.com:443?transport=tcp",
                        ],
                        "username": f"user-{n}",
                        "credential": f"cred-{n}",
                    },
                ]
            },
            status=201,
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.asynccontextmanager
async def fake_turn_api():
    fake = FakeTurnApi()
    app = web.Application()
    app.router.add_post(
        "/v1/turn/keys/{key}/credentials/generate-ice-servers", fake.generate
    )
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield fake, f"http://127.0.0.1:{port}/v1"
    finally:
        await runner.cleanup()


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, timeout=20))


def source_for(url: str, token: str = TOKEN, ttl: int = 3600) -> IceServerSource:
    turn = TurnConfig(service_id=KEY, token=token, api_url=url, ttl_s=ttl)
    return IceServerSource("cloudflare", turn)


# ---- configuration ------------------------------------------------------------


def test_no_turn_key_means_none():
    assert load_turn_config({}) is None
    assert load_turn_config({"TURN_SERVICE_ID": " ", "TURN_SERVICE_TOKEN": ""}) is None


@pytest.mark.parametrize(
    ("env", "mentions"),
    [
        ({"TURN_SERVICE_ID": KEY}, "TURN_SERVICE_TOKEN"),
        ({"TURN_SERVICE_TOKEN": TOKEN}, "TURN_SERVICE_ID"),
        ({"TURN_SERVICE_ID": "a/b", "TURN_SERVICE_TOKEN": TOKEN}, "TURN_SERVICE_ID"),
        (
            {"TURN_SERVICE_ID": KEY, "TURN_SERVICE_TOKEN": "has space"},
            "TURN_SERVICE_TOKEN",
        ),
        (
            {
                "TURN_SERVICE_ID": KEY,
                "TURN_SERVICE_TOKEN": TOKEN,
                "TURN_CREDENTIAL_TTL_S": "a day",
            },
            "TURN_CREDENTIAL_TTL_S",
        ),
        (
            {
                "TURN_SERVICE_ID": KEY,
                "TURN_SERVICE_TOKEN": TOKEN,
                "TURN_CREDENTIAL_TTL_S": "5",
            },
            "TURN_CREDENTIAL_TTL_S",
        ),
        (
            {
                "TURN_SERVICE_ID": KEY,
                "TURN_SERVICE_TOKEN": TOKEN,
                "TURN_API_URL": "http://turn.example/v1",
            },
            "TURN_API_URL",
        ),
    ],
)
def test_bad_turn_settings_are_refused_clearly(env, mentions):
    with pytest.raises(CallsConfigError) as refused:
        load_turn_config(env)
    message = str(refused.value.problem.description)
    assert mentions in message
    assert TOKEN not in message


def test_a_complete_key_is_read_and_its_token_never_shown():
    turn = load_turn_config(
        {"TURN_SERVICE_ID": KEY, "TURN_SERVICE_TOKEN": TOKEN, "TURN_API_URL": ""}
    )
    assert turn is not None
    assert turn.credentials_url == (
        f"https://rtc.live.cloudflare.com/v1/turn/keys/{KEY}"
        "/credentials/generate-ice-servers"
    )
    assert turn.ttl_s == 86_400
    assert TOKEN not in repr(turn)
    described = IceServerSource("cloudflare", turn).describe()
    assert KEY[:4] in described and TOKEN not in described


# ---- what browsers get --------------------------------------------------------


def test_the_local_stand_in_needs_no_ice_servers():
    turn = TurnConfig(service_id=KEY, token=TOKEN)
    assert run(IceServerSource("local", None).for_new_session()) == []
    # Even with a TURN key: the stand-in is on this host; nothing is fetched.
    assert run(IceServerSource("local", turn).for_new_session()) == []


def test_cloudflare_without_turn_gives_public_stun():
    servers = run(IceServerSource("cloudflare", None).for_new_session())
    assert servers == [dict(s) for s in PUBLIC_STUN]


def test_each_new_session_gets_its_own_short_lived_credential():
    async def scenario():
        async with fake_turn_api() as (fake, url):
            source = source_for(url, ttl=3600)
            return fake, await source.for_new_session(), await source.for_new_session()

    fake, first, second = run(scenario())
    assert [r["key"] for r in fake.requests] == [KEY, KEY]
    assert all(r["auth"] == f"Bearer {TOKEN}" for r in fake.requests)
    assert all(r["body"] == {"ttl": 3600} for r in fake.requests)
    assert first == [
        {"urls": ["stun:stun.cloudflare.com:3478"]},
        {
            "urls": [
                "turn:turn.cloudflare.com:3478?transport=udp",
                "turns:turn.cloudflare.com:443?transport=tcp",
            ],
            "username": "user-1",
            "credential": "cred-1",
        },
    ]
    assert second[1]["username"] == "user-2"
    # The browser gets credentials, never the key's token.
    assert TOKEN not in json.dumps(first + second)


@pytest.mark.parametrize(
    ("answer", "logged"),
    [
        ((500, {"error": "boom"}), "HTTP 500"),
        ((201, "not json"), "not a usable"),
        ((201, {"iceServers": []}), "not a usable"),
        ((201, {"iceServers": [{"urls": ["turn:relay:3478"]}]}), "not a usable"),
        ((201, {"iceServers": [{"urls": ["http://evil"]}]}), "not a usable"),
    ],
)
def test_a_failed_exchange_falls_back_to_stun_and_logs_without_the_token(
    answer, logged, caplog
):
    async def scenario():
        async with fake_turn_api() as (fake, url):
            fake.answer = answer
            return await source_for(url).for_new_session()

    with caplog.at_level(logging.WARNING, logger="meet.ice"):
        servers = run(scenario())
    assert servers == [dict(s) for s in PUBLIC_STUN]
    assert logged in caplog.text
    assert TOKEN not in caplog.text


def test_a_wrong_token_is_refused_by_the_api_and_browsers_still_get_stun(caplog):
    async def scenario():
        async with fake_turn_api() as (_, url):
            return await source_for(url, token="wrong-token").for_new_session()

    with caplog.at_level(logging.WARNING, logger="meet.ice"):
        assert run(scenario()) == [dict(s) for s in PUBLIC_STUN]
    assert "HTTP 401" in caplog.text
    assert "wrong-token" not in caplog.text


def test_the_api_down_falls_back_to_stun(caplog):
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    with caplog.at_level(logging.WARNING, logger="meet.ice"):
        assert run(source_for(url).for_new_session()) == [dict(s) for s in PUBLIC_STUN]
    assert "request failed" in caplog.text


def test_checked_ice_servers_keeps_only_what_a_browser_can_use():
    assert checked_ice_servers(None) is None
    assert checked_ice_servers({"iceServers": "stun:x"}) is None
    assert checked_ice_servers({"iceServers": [{"urls": "stun:a:3478"}]}) == [
        {"urls": ["stun:a:3478"]}
    ]
    # Only port-53 URLs: nothing usable left.
    assert checked_ice_servers({"iceServers": [{"urls": ["stun:a:53"]}]}) is None
    too_many = {"iceServers": [{"urls": ["stun:a:3478"]}] * 9}
    assert checked_ice_servers(too_many) is None
    odd_credential = {
        "iceServers": [{"urls": ["turn:a:3478"], "username": 1, "credential": "c"}]
    }
    assert checked_ice_servers(odd_credential) is None
