"""CallsClient against httpx.MockTransport: no network anywhere."""

import asyncio
import json
import logging

import httpx
import pytest

from reflex_meet.calls.client import CallsClient
from reflex_meet.calls.config import CallsConfig
from reflex_meet.calls.errors import (
    CallsHTTPError,
    CallsInvalidRequestError,
    CallsProtocolError,
    CallsTimeout,
    CallsTrackError,
    CallsUnavailable,
)

SECRET = "sk-0123456789-TOP-SECRET"
CONFIG = CallsConfig(
    backend="cloudflare",
    app_id="app123",
    app_secret=SECRET,
    api_url="https://calls.test/v1",
)
BASE = "https://calls.test/v1/apps/app123"
SDP = "v=0\r\na=ice-pwd:sdp-private-password\r\n"
VOICE = {
    "location": "local",
    "trackName": "voice",
    "kind": "audio",
    "bidirectionalMediaStream": True,
}


def bounded(coroutine):
    """Fail instead of hanging if a lock or gate is never released."""
    return asyncio.wait_for(coroutine, timeout=5)


class Mock:
    """A handler that records requests and answers from a script."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request):
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(request)
        return answer

    @property
    def bodies(self):
        return [json.loads(r.content) if r.content else None for r in self.requests]


def run(handler, scenario, **options):
    """Run ``scenario(client)`` in a fresh loop; return (result, sleeps)."""
    sleeps: list[float] = []

    async def sleep(seconds):
        sleeps.append(seconds)

    async def main():
        async with CallsClient(
            CONFIG, transport=httpx.MockTransport(handler), sleep=sleep, **options
        ) as client:
            return await scenario(client)

    return asyncio.run(bounded(main())), sleeps


def fails(handler, scenario, error_type, **options):
    sleeps: list[float] = []

    async def sleep(seconds):
        sleeps.append(seconds)

    async def main():
        async with CallsClient(
            CONFIG, transport=httpx.MockTransport(handler), sleep=sleep, **options
        ) as client:
            with pytest.raises(error_type) as caught:
                await scenario(client)
            assert len(client._locks) == 0
            return caught.value

    return asyncio.run(bounded(main())), sleeps


def tracks_ok(request):
    tracks = json.loads(request.content)["tracks"]
    return httpx.Response(
        200,
        json={
            "requiresImmediateRenegotiation": True,
            "sessionDescription": {"type": "offer", "sdp": SDP},
            "tracks": [{**track, "mid": str(i)} for i, track in enumerate(tracks)],
        },
    )


def publish(client, session_id="sess1", name="mic"):
    """A track the SFU offers for (what the AI peer publishes)."""
    return client.new_tracks(session_id, [{**VOICE, "trackName": name}])


# -- requests, headers, parsing --------------------------------------------


def test_new_session_sends_bearer_to_the_app_url_and_parses_201():
    mock = Mock(httpx.Response(201, json={"sessionId": "abc123"}))
    result, sleeps = run(mock, lambda client: client.new_session())
    assert result == "abc123"
    (request,) = mock.requests
    assert request.method == "POST"
    assert str(request.url) == f"{BASE}/sessions/new"
    assert request.headers["authorization"] == f"Bearer {SECRET}"
    assert request.headers["accept"] == "application/json"
    assert request.content == b""
    assert sleeps == []


def test_third_party_session():
    mock = Mock(httpx.Response(201, json={"sessionId": "s"}))
    result, _ = run(mock, lambda client: client.new_session(third_party=True))
    assert result == "s"
    assert mock.requests[0].url.params["thirdparty"] == "true"
    assert mock.requests[0].content == b""


def test_new_tracks_the_sfu_offers_for():
    mock = Mock(tracks_ok)
    result, _ = run(mock, lambda client: publish(client))
    request = mock.requests[0]
    assert request.method == "POST"
    assert str(request.url) == f"{BASE}/sessions/sess1/tracks/new"
    assert request.headers["authorization"] == f"Bearer {SECRET}"
    assert request.headers["content-type"] == "application/json"
    assert mock.bodies == [{"tracks": [{**VOICE, "trackName": "mic"}]}]
    assert (result.sdp_type, result.sdp) == ("offer", SDP)
    assert [(t.track_name, t.mid) for t in result.tracks] == [("mic", "0")]
    assert result.requires_immediate_renegotiation


def test_new_tracks_feed():
    mock = Mock(tracks_ok)
    feed = {"location": "remote", "sessionId": "other", "trackName": "ptt", "mid": "#v"}
    run(mock, lambda client: client.new_tracks("sess1", [feed]))
    assert mock.bodies == [{"tracks": [feed]}]


def test_renegotiate_puts_the_answer_and_accepts_an_empty_body():
    mock = Mock(httpx.Response(200, content=b""))
    result, _ = run(mock, lambda client: client.renegotiate("sess1", SDP))
    assert result is None
    assert mock.requests[0].method == "PUT"
    assert str(mock.requests[0].url) == f"{BASE}/sessions/sess1/renegotiate"
    assert mock.bodies == [{"sessionDescription": {"type": "answer", "sdp": SDP}}]


def test_close_tracks_body():
    mock = Mock(
        httpx.Response(
            200,
            json={"requiresImmediateRenegotiation": False, "tracks": [{"mid": "2"}]},
        )
    )
    result, _ = run(mock, lambda client: client.close_tracks("sess1", ["2"]))
    assert str(mock.requests[0].url) == f"{BASE}/sessions/sess1/tracks/close"
    assert mock.requests[0].method == "PUT"
    assert mock.bodies == [{"tracks": [{"mid": "2"}], "force": True}]
    assert [track.mid for track in result.tracks] == ["2"]


def test_get_session():
    mock = Mock(
        httpx.Response(
            200,
            json={
                "tracks": [
                    {"location": "local", "trackName": "mic", "status": "active"}
                ],
                "dataChannels": [],
            },
        )
    )
    tracks, _ = run(mock, lambda client: client.get_session("sess1"))
    assert mock.requests[0].method == "GET"
    assert str(mock.requests[0].url) == f"{BASE}/sessions/sess1"
    assert mock.requests[0].content == b""
    assert tracks[0].status == "active"


# -- per-track errors -------------------------------------------------------

PARTIAL = {
    "requiresImmediateRenegotiation": True,
    "sessionDescription": {"type": "offer", "sdp": SDP},
    "tracks": [
        {"location": "remote", "sessionId": "p1", "trackName": "a", "mid": "1"},
        {
            "location": "remote",
            "sessionId": "p1",
            "trackName": "b",
            "errorCode": "not_found_track_error",
            "errorDescription": "Track b not found",
        },
    ],
}
PULL = [
    {"location": "remote", "sessionId": "p1", "trackName": "a"},
    {"location": "remote", "sessionId": "p1", "trackName": "b"},
]


def test_track_error_in_200_raises_and_keeps_good_tracks():
    mock = Mock(httpx.Response(200, json=PARTIAL))
    error, sleeps = fails(
        mock, lambda client: client.new_tracks("sess1", PULL), CallsTrackError
    )
    assert [track.track_name for track in error.failed] == ["b"]
    assert error.failed[0].error_code == "not_found_track_error"
    ok = [track for track in error.response.tracks if not track.failed]
    assert [(track.track_name, track.mid) for track in ok] == [("a", "1")]
    assert error.response.requires_immediate_renegotiation
    assert error.response.sdp_type == "offer"
    assert error.problem.code == "not_found_track_error"
    assert "b: not_found_track_error (Track b not found)" in error.problem.description
    assert error.status == 200
    assert len(mock.requests) == 1
    assert sleeps == []


def test_raw_request_returns_the_wire_answer_with_track_errors():
    mock = Mock(httpx.Response(200, json=PARTIAL))
    body = {"tracks": PULL}
    (status, payload), _ = run(
        mock, lambda client: client.request("POST", "tracks/new", "sess1", body)
    )
    assert (status, payload) == (200, PARTIAL)
    assert mock.bodies == [body]


def test_close_track_errors_raise_too():
    mock = Mock(
        httpx.Response(
            200,
            json={"tracks": [{"mid": "9", "errorCode": "close_track_error"}]},
        )
    )
    error, _ = fails(
        mock,
        lambda client: client.close_tracks("sess1", ["9"]),
        CallsTrackError,
    )
    assert error.problem.code == "close_track_error"
    assert "mid 9" in error.problem.description


# -- retries ----------------------------------------------------------------


def not_connected():
    return httpx.Response(
        425,
        json={"errorCode": "session_error", "errorDescription": "Not connected yet"},
    )


def test_425_then_200_is_retried_after_250_ms():
    mock = Mock(not_connected(), tracks_ok)
    result, sleeps = run(mock, lambda client: publish(client))
    assert len(mock.requests) == 2
    assert sleeps == [0.25]
    assert result.tracks[0].track_name == "mic"
    # The same body both times.
    assert mock.bodies[0] == mock.bodies[1]


def test_backoff_doubles():
    mock = Mock(not_connected(), not_connected(), not_connected(), tracks_ok)
    _, sleeps = run(mock, lambda client: publish(client))
    assert len(mock.requests) == 4
    assert sleeps == [0.25, 0.5, 1.0]


def test_backoff_is_capped():
    mock = Mock(*([httpx.Response(503)] * 6), tracks_ok)
    _, sleeps = run(mock, lambda client: publish(client), max_attempts=7)
    assert sleeps == [0.25, 0.5, 1.0, 2.0, 4.0, 8.0]
    mock = Mock(*([httpx.Response(503)] * 7), tracks_ok)
    _, sleeps = run(mock, lambda client: publish(client), max_attempts=8)
    assert sleeps[-2:] == [8.0, 10.0]


def test_jitter_only_shortens_waits():
    mock = Mock(not_connected(), not_connected(), tracks_ok)
    _, sleeps = run(mock, lambda client: publish(client), jitter=0.5)
    assert 0.125 <= sleeps[0] <= 0.25
    assert 0.25 <= sleeps[1] <= 0.5


def test_500_until_attempts_run_out():
    mock = Mock(
        httpx.Response(
            500, json={"errorCode": "internal_error", "errorDescription": "oops"}
        )
    )
    error, sleeps = fails(mock, lambda client: publish(client), CallsHTTPError)
    assert len(mock.requests) == 4
    assert sleeps == [0.25, 0.5, 1.0]
    assert error.retryable
    assert error.status == 500
    assert error.problem.code == "internal_error"
    assert error.payload == {"errorCode": "internal_error", "errorDescription": "oops"}


def test_502_with_html_body():
    mock = Mock(httpx.Response(502, text="<html>Bad gateway</html>"))
    error, _ = fails(
        mock, lambda client: client.get_session("s"), CallsHTTPError, max_attempts=2
    )
    assert error.problem.code == "http_502"
    assert error.payload is None
    assert error.retryable
    assert len(mock.requests) == 2


def test_retryable_code_in_200_is_retried():
    mock = Mock(
        httpx.Response(200, json={"errorCode": "retryable_transient_error"}),
        httpx.Response(200, json={}),
    )
    _, sleeps = run(mock, lambda client: client.renegotiate("sess1", SDP))
    assert len(mock.requests) == 2
    assert sleeps == [0.25]


def test_top_level_error_in_200_raises():
    mock = Mock(
        httpx.Response(
            200,
            json={
                "errorCode": "invalid_session_description",
                "errorDescription": "bad sdp",
            },
        )
    )
    error, sleeps = fails(
        mock, lambda client: client.renegotiate("sess1", SDP), CallsHTTPError
    )
    assert error.problem.code == "invalid_session_description"
    assert error.status == 200
    assert not error.retryable
    assert sleeps == []


def test_retry_after_is_honoured_and_capped():
    mock = Mock(httpx.Response(429, headers={"Retry-After": "3"}), tracks_ok)
    _, sleeps = run(mock, lambda client: publish(client))
    assert sleeps == [3.0]
    mock = Mock(httpx.Response(429, headers={"Retry-After": "120"}), tracks_ok)
    _, sleeps = run(mock, lambda client: publish(client))
    assert sleeps == [10.0]


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "invalid_params"),
        (401, "unauthorized"),
        (404, "not_found"),
        (406, "session_error"),
        (410, "session_error"),
    ],
)
def test_client_errors_are_not_retried(status, code):
    mock = Mock(
        httpx.Response(status, json={"errorCode": code, "errorDescription": "no"})
    )
    error, sleeps = fails(mock, lambda client: publish(client), CallsHTTPError)
    assert len(mock.requests) == 1
    assert sleeps == []
    assert error.status == status
    assert error.problem.code == code
    assert not error.retryable


def test_redirects_are_not_followed():
    mock = Mock(httpx.Response(302, headers={"Location": "https://evil.test/"}))
    error, _ = fails(mock, lambda client: client.new_session(), CallsHTTPError)
    assert error.problem.code == "http_302"
    assert len(mock.requests) == 1


# -- timeouts and connection failures ---------------------------------------


def test_read_timeout_on_post_is_not_repeated():
    mock = Mock(httpx.ReadTimeout("slow"))
    error, sleeps = fails(mock, lambda client: publish(client), CallsTimeout)
    assert len(mock.requests) == 1
    assert sleeps == []
    assert error.status is None
    assert error.problem.code == "calls_timeout"
    assert "calls.test" in error.problem.description
    assert "10 s" in error.problem.description
    assert isinstance(error.__cause__, httpx.ReadTimeout)


def test_read_timeout_on_get_is_retried():
    mock = Mock(httpx.ReadTimeout("slow"), httpx.Response(200, json={}))
    _, sleeps = run(mock, lambda client: client.get_session("sess1"))
    assert len(mock.requests) == 2
    assert sleeps == [0.25]


def test_connect_timeout_is_retried_then_raised():
    mock = Mock(httpx.ConnectTimeout("no answer"))
    error, sleeps = fails(mock, lambda client: publish(client), CallsTimeout)
    assert len(mock.requests) == 4
    assert sleeps == [0.25, 0.5, 1.0]
    assert error.retryable


def test_connection_refused_is_unavailable():
    mock = Mock(httpx.ConnectError("refused"))
    error, sleeps = fails(
        mock, lambda client: client.new_session(), CallsUnavailable, max_attempts=2
    )
    assert len(mock.requests) == 2
    assert sleeps == [0.25]
    assert error.problem.code == "calls_unavailable"
    assert error.retryable


def test_dropped_connection_on_put_is_not_repeated():
    mock = Mock(httpx.RemoteProtocolError("server disconnected"))
    error, sleeps = fails(
        mock, lambda client: client.renegotiate("s", SDP), CallsUnavailable
    )
    assert len(mock.requests) == 1
    assert sleeps == []
    assert error.problem.code == "calls_unavailable"


def test_timeout_setting_reaches_httpx():
    seen = []

    def handler(request):
        seen.append(request.extensions["timeout"])
        return httpx.Response(201, json={"sessionId": "s"})

    async def main():
        config = CallsConfig("local", "local", "x", "http://127.0.0.1:1/v1", 2.5)
        async with CallsClient(config, transport=httpx.MockTransport(handler)) as c:
            await c.new_session()

    asyncio.run(bounded(main()))
    assert seen == [{"connect": 2.5, "read": 2.5, "write": 2.5, "pool": 2.5}]


# -- malformed answers ------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(201, text="{not json"),
        httpx.Response(201, json=["sessionId", "s"]),
        httpx.Response(201, json={"sessionId": 5}),
        httpx.Response(201, json={}),
    ],
)
def test_malformed_answers_are_protocol_errors(answer):
    mock = Mock(answer)
    error, sleeps = fails(mock, lambda client: client.new_session(), CallsProtocolError)
    assert error.problem.code == "calls_protocol_error"
    assert not error.retryable
    assert len(mock.requests) == 1
    assert sleeps == []


def test_malformed_track_list_is_a_protocol_error():
    mock = Mock(httpx.Response(200, json={"tracks": [{"mid": 0}]}))
    error, _ = fails(mock, lambda client: publish(client), CallsProtocolError)
    assert "answer.tracks[0].mid must be a non-empty string" in (
        error.problem.description
    )


# -- one negotiation at a time per session ----------------------------------


async def settle():
    for _ in range(20):
        await asyncio.sleep(0)


def gated_handler(events, gate):
    async def handler(request):
        body = json.loads(request.content) if request.content else {}
        tracks = body.get("tracks") or [{"trackName": request.method}]
        name = tracks[0].get("trackName") or tracks[0].get("mid")
        events.append(f"start {name}")
        if request.method != "GET":
            await gate.wait()
        events.append(f"end {name}")
        return tracks_ok(request) if "tracks" in body else httpx.Response(200, json={})

    return handler


def test_calls_on_one_session_are_serialised():
    events: list[str] = []

    async def main():
        gate = asyncio.Event()
        transport = httpx.MockTransport(gated_handler(events, gate))
        async with CallsClient(CONFIG, transport=transport) as client:
            first = asyncio.create_task(publish(client, "sess1", "a"))
            second = asyncio.create_task(publish(client, "sess1", "b"))
            third = asyncio.create_task(client.close_tracks("sess1", ["c"]))
            await settle()
            assert events == ["start a"]
            assert "sess1" in client._locks
            gate.set()
            await asyncio.gather(first, second, third)
            assert len(client._locks) == 0

    asyncio.run(bounded(main()))
    assert events == ["start a", "end a", "start b", "end b", "start c", "end c"]


def test_calls_on_two_sessions_run_concurrently():
    events: list[str] = []

    async def main():
        gate = asyncio.Event()
        transport = httpx.MockTransport(gated_handler(events, gate))
        async with CallsClient(CONFIG, transport=transport) as client:
            first = asyncio.create_task(publish(client, "sess1", "a"))
            second = asyncio.create_task(publish(client, "sess2", "b"))
            await settle()
            assert sorted(events) == ["start a", "start b"]
            gate.set()
            await asyncio.gather(first, second)
            assert len(client._locks) == 0

    asyncio.run(bounded(main()))
    assert sorted(events[2:]) == ["end a", "end b"]


def test_get_session_does_not_wait_for_a_negotiation():
    events: list[str] = []

    async def main():
        gate = asyncio.Event()
        transport = httpx.MockTransport(gated_handler(events, gate))
        async with CallsClient(CONFIG, transport=transport) as client:
            negotiation = asyncio.create_task(publish(client, "sess1", "a"))
            await settle()
            await client.get_session("sess1")
            assert events == ["start a", "start GET", "end GET"]
            gate.set()
            await negotiation

    asyncio.run(bounded(main()))


def test_lock_is_released_after_a_failure_and_a_cancellation():
    async def main():
        gate = asyncio.Event()
        calls = []

        async def handler(request):
            calls.append(request)
            if len(calls) == 1:
                return httpx.Response(400, json={"errorCode": "invalid_params"})
            await gate.wait()
            return tracks_ok(request)

        async with CallsClient(CONFIG, transport=httpx.MockTransport(handler)) as c:
            with pytest.raises(CallsHTTPError):
                await publish(c)
            assert len(c._locks) == 0
            holder = asyncio.create_task(publish(c, name="holder"))
            waiter = asyncio.create_task(publish(c, name="waiter"))
            await settle()
            waiter.cancel()
            await settle()
            assert waiter.cancelled()
            gate.set()
            await holder
            assert len(c._locks) == 0
            assert len(calls) == 2

    asyncio.run(bounded(main()))


# -- refused before any request ---------------------------------------------


@pytest.mark.parametrize(
    "session_id",
    ["", "../x", "a/b", "a?b", "a#b", "a b", "a%2F", "x" * 129, "é", 5, b"ab"],
)
def test_bad_session_ids_are_refused_without_a_request(session_id):
    mock = Mock(tracks_ok)

    async def scenario(client):
        for call in (
            lambda: publish(client, session_id),
            lambda: client.renegotiate(session_id, SDP),
            lambda: client.close_tracks(session_id, ["0"]),
            lambda: client.get_session(session_id),
            lambda: client.request("PUT", "tracks/update", session_id, {}),
        ):
            with pytest.raises(CallsInvalidRequestError) as caught:
                await call()
            assert caught.value.problem.code == "invalid_params"

    run(mock, scenario)
    assert mock.requests == []


def test_session_id_of_128_characters_is_accepted():
    mock = Mock(httpx.Response(200, json={}))
    run(mock, lambda client: client.get_session("A_-z" * 32))
    assert mock.requests[0].url.path.endswith("/sessions/" + "A_-z" * 32)


@pytest.mark.parametrize(
    ("method", "suffix", "session_id", "body"),
    [
        ("POST", "sessions/x/tracks/new", None, {}),
        ("POST", "../other-app/sessions/new", None, None),
        ("POST", "tracks/new", None, {}),
        ("POST", "../x", "sess1", {}),
        ("POST", "tracks/new?x=1", "sess1", {}),
        ("POST", "/tracks/new", "sess1", {}),
        ("DELETE", "", "sess1", None),
        ("GET", "", "sess1", {"x": 1}),
        ("POST", "tracks/new", "sess1", ["not", "an", "object"]),
        ("POST", "tracks/new", "sess1", {"x": float("nan")}),
        ("POST", "tracks/new", "sess1", {"x": object()}),
    ],
)
def test_raw_request_refuses_bad_paths_and_bodies(method, suffix, session_id, body):
    mock = Mock(tracks_ok)
    fails(
        mock,
        lambda client: client.request(method, suffix, session_id, body),
        CallsInvalidRequestError,
    )
    assert mock.requests == []


@pytest.mark.parametrize(
    "scenario",
    [
        lambda c: c.new_tracks("s", []),
        lambda c: c.new_tracks("s", [{"trackName": "mic"}]),
        lambda c: c.new_tracks("s", [VOICE] * 65),
        lambda c: c.new_tracks("s", [{**VOICE, "kind": "text"}]),
        lambda c: c.new_tracks("s", [{**VOICE, "trackName": "a/b"}]),
        lambda c: c.close_tracks("s", []),
        lambda c: c.close_tracks("s", [""]),
        lambda c: c.close_tracks("s", ["0\n"]),
        lambda c: c.close_tracks("s", ["0"], force="yes"),
        lambda c: c.renegotiate("s", None),
        lambda c: c.renegotiate("s", ""),
    ],
)
def test_bad_arguments_are_refused_without_a_request(scenario):
    mock = Mock(tracks_ok)
    error, _ = fails(mock, scenario, CallsInvalidRequestError)
    assert error.problem.code == "invalid_params"
    assert mock.requests == []


# -- logging and secrecy ----------------------------------------------------


def test_debug_log_has_method_path_status_and_time_but_no_secret_or_sdp(caplog):
    caplog.set_level(logging.DEBUG, logger="meet.calls")
    mock = Mock(not_connected(), tracks_ok)
    run(mock, lambda client: publish(client))
    records = [r for r in caplog.records if r.name == "meet.calls"]
    messages = [r.getMessage() for r in records]
    assert any(
        m.startswith("POST /apps/app123/sessions/sess1/tracks/new -> 425 in ")
        and m.endswith("ms (attempt 1)")
        for m in messages
    ), messages
    assert any("-> 200 in" in m for m in messages)
    assert any("retrying in 0.25 s" in m for m in messages)
    text = "\n".join(messages) + caplog.text
    assert SECRET not in text
    assert "sdp-private-password" not in text
    assert "v=0" not in text


def test_failures_do_not_leak_the_secret():
    mock = Mock(httpx.ConnectError("refused"))
    error, _ = fails(mock, lambda client: publish(client), CallsUnavailable)
    assert SECRET not in str(error)
    assert SECRET not in repr(error)


def test_client_repr_has_no_secret():
    client = CallsClient(CONFIG, transport=httpx.MockTransport(tracks_ok))
    assert SECRET not in repr(client)
    assert "Cloudflare" in repr(client)
    asyncio.run(client.aclose())


@pytest.mark.parametrize(
    "options",
    [{"max_attempts": 0}, {"backoff_initial": -1}, {"backoff_max": 0.1}, {"jitter": 2}],
)
def test_bad_client_options(options):
    with pytest.raises(ValueError):
        CallsClient(CONFIG, **options)
