"""The load driver's null Calls API: answers at once, hands browsers upstream."""

from __future__ import annotations

import httpx
import pytest

from bench.null_calls import APP_ID, NullCalls, null_calls, null_offer

BROWSER_OFFER = {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n"}


def _client(server: NullCalls, secret: str | None = None) -> httpx.Client:
    return httpx.Client(
        base_url=f"{server.url}/apps/{APP_ID}",
        headers={"Authorization": f"Bearer {secret or server.secret}"},
        timeout=10,
    )


def _session(client: httpx.Client) -> str:
    answer = client.post("/sessions/new")
    assert answer.status_code == 201
    return answer.json()["sessionId"]


def test_it_answers_every_operation_without_media():
    with null_calls() as server, _client(server) as client:
        sid = _session(client)
        local = {"location": "local", "mid": "0", "trackName": "mic"}
        published = client.post(
            f"/sessions/{sid}/tracks/new",
            json={"sessionDescription": null_offer(), "tracks": [local]},
        ).json()
        assert published["sessionDescription"]["type"] == "answer"
        assert published["tracks"] == [local]
        remote = {"location": "remote", "sessionId": "abc", "trackName": "mic"}
        pulled = client.post(
            f"/sessions/{sid}/tracks/new", json={"tracks": [remote, remote]}
        ).json()
        assert pulled["requiresImmediateRenegotiation"] is True
        assert pulled["sessionDescription"]["type"] == "offer"
        assert [t["mid"] for t in pulled["tracks"]] == ["0", "1"]
        answer = {"sessionDescription": {"type": "answer", "sdp": "v=0"}}
        assert client.put(f"/sessions/{sid}/renegotiate", json=answer).json() == {}
        closed = client.put(
            f"/sessions/{sid}/tracks/close", json={"tracks": [{"mid": "0"}]}
        ).json()
        assert closed["tracks"] == [{"mid": "0"}]
        assert client.get(f"/sessions/{sid}").json()["tracks"] == []
        assert server.counts["tracks/new"] == 2
        assert server.env()["LOCAL_CALLS_URL"] == server.url


def test_it_refuses_a_wrong_secret():
    with null_calls() as server, _client(server, "wrong") as client:
        assert client.post("/sessions/new").status_code == 401


@pytest.fixture
def upstream():
    with null_calls() as server:
        yield server


def test_browser_sessions_go_upstream_with_their_ids_translated(upstream):
    target = {"url": upstream.url, "app_id": APP_ID, "secret": upstream.secret}
    with null_calls(target) as server, _client(server) as client:
        simulated, browser, other = (_session(client) for _ in range(3))
        assert upstream.counts["sessions/new"] == 0  # nothing decided yet
        local = {"location": "local", "mid": "0", "trackName": "cam"}
        client.post(
            f"/sessions/{simulated}/tracks/new",
            json={"sessionDescription": null_offer(), "tracks": [local]},
        )
        for sid in (browser, other):
            client.post(
                f"/sessions/{sid}/tracks/new",
                json={"sessionDescription": BROWSER_OFFER, "tracks": [local]},
            )
        assert upstream.counts["sessions/new"] == 2  # the browsers' only
        assert server.counts["tracks/new"] == 1
        assert server.counts["upstream tracks/new"] == 2
        # A browser pulls the other's track: upstream sees its own ids, the
        # answer comes back with ours.
        remote = {"location": "remote", "sessionId": other, "trackName": "cam"}
        pulled = client.post(
            f"/sessions/{browser}/tracks/new", json={"tracks": [remote]}
        ).json()
        assert pulled["tracks"][0]["sessionId"] == other
        assert upstream.counts["tracks/new"] == 3
