"""The records' HTTP routes of app/api.py, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import httpx
import pytest
from starlette.applications import Starlette

import reflex_meet.app.api as app_api
from reflex_meet.records import db, store
from reflex_meet.records.models import Attendance, BugReport, TrackReport
from reflex_meet.records.routes import MAX_BODY, record_routes
from reflex_meet.security import rate_limits
from reflex_meet.security.rate_limits import Limiter
from reflex_meet.state import presence
from tests.records.db_support import count_rows

TOKEN = "admin-" + uuid.uuid4().hex


class Client:
    """A synchronous face over httpx's ASGI transport (no server, no lifespan)."""

    def __init__(self, asgi_app: object, client_host: str = "127.0.0.1") -> None:
        self.transport = httpx.ASGITransport(app=asgi_app, client=(client_host, 5000))

    def request(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        async def go() -> httpx.Response:
            async with httpx.AsyncClient(
                transport=self.transport, base_url="http://test"
            ) as client:
                return await client.request(method, path, **kwargs)

        return asyncio.run(go())

    def post(self, path: str, **kwargs: object) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return self.request("GET", path, **kwargs)


@pytest.fixture
def tabs(monkeypatch: pytest.MonkeyPatch) -> dict[tuple[str, str], str]:
    """Tabs present in rooms: (room, participant) → key, as state.presence keeps."""
    present: dict[tuple[str, str], str] = {}

    async def touch(room: str, participant: str, key: str, now: float):
        if present.get((room, participant)) != key:
            return None
        return {participant: now}

    monkeypatch.setattr(presence, "touch", touch)
    return present


@pytest.fixture
def client(
    migrated_url: str, tabs, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Client]:
    """The app's API app on the module's database; a fresh client address."""
    db.use_database(migrated_url)
    monkeypatch.setenv("MEET_ADMIN_TOKEN", TOKEN)
    try:
        yield Client(
            app_api.api,
            client_host=f"10.0.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}",
        )
    finally:
        db.use_database(None)


def admin() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}"}


def error_code(response: httpx.Response) -> str:
    payload = response.json()
    assert payload["error"]["description"]
    return payload["error"]["code"]


# ---- health -------------------------------------------------------------------


def test_health(client):
    response = client.get("/_meet/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_health_when_the_database_is_unreachable(client):
    db.use_database("postgresql+psycopg://postgres@127.0.0.1:9/nothing")
    response = client.get("/_meet/health")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
    assert error_code(response) == "database_unavailable"


# ---- bug reports -------------------------------------------------------------------


def test_bug_report_is_stored_and_readable_by_admins(client, migrated_url):
    before = count_rows(migrated_url, BugReport)
    diagnostics = {"ua": "Chromium", "webrtc": {"candidates": [1, 2]}, "x": None}
    response = client.post(
        "/_meet/bug-report",
        json={"text": " Screen froze ", "diagnostics": diagnostics, "extra": "ignored"},
    )
    assert response.status_code == 201
    reference = response.json()["reference"]
    assert count_rows(migrated_url, BugReport) == before + 1

    read = client.get(f"/_meet/bug-reports/{reference}", headers=admin())
    assert read.status_code == 200
    assert read.json()["text"] == "Screen froze"
    assert read.json()["diagnostics"] == diagnostics
    assert read.json()["created"].endswith("+00:00")
    missing = client.get("/_meet/bug-reports/zzzzzzzz", headers=admin())
    assert missing.status_code == 404 and error_code(missing) == "not_found"
    bad = client.get("/_meet/bug-reports/..%2F..%2Fetc", headers=admin())
    assert bad.status_code == 404


def nested_objects(depth: int) -> dict:
    value: dict = {"leaf": 1}
    for _ in range(depth - 1):
        value = {"n": value}
    return value


def deep_json(depth: int) -> bytes:
    return b'{"text": "t", "diagnostics": ' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "invalid_json"),
        (b"", 400, "invalid_json"),
        (b"\xff\xfe\x00", 400, "invalid_json"),
        (deep_json(30_000), 400, "invalid_json"),
        (b"[1, 2]", 400, "invalid_body"),
        (b'"text"', 400, "invalid_body"),
        (b'{"diagnostics": {}}', 422, "field_missing"),
        (b'{"text": "t"}', 422, "field_missing"),
        (b'{"text": null, "diagnostics": {}}', 422, "field_missing"),
        (b'{"text": 5, "diagnostics": {}}', 422, "invalid_type"),
        (b'{"text": "", "diagnostics": {}}', 422, "bug_text_missing"),
        (b'{"text": "a\\u0000b", "diagnostics": {}}', 422, "bug_text_control_chars"),
        (b'{"text": "t", "diagnostics": [1]}', 422, "diagnostics_not_object"),
        (b'{"text": "t", "diagnostics": "x"}', 422, "diagnostics_not_object"),
        (
            json.dumps({"text": "t", "diagnostics": nested_objects(9)}).encode(),
            422,
            "diagnostics_too_deep",
        ),
        (
            b'{"text": "t", "diagnostics": {"a":[[[[[[[[1]]]]]]]]}}',
            422,
            "diagnostics_too_deep",
        ),
        (
            json.dumps({"text": "x" * 4001, "diagnostics": {}}).encode(),
            422,
            "bug_text_too_long",
        ),
        (
            json.dumps(
                {"text": "t", "diagnostics": {"f": "x" * (MAX_BODY + 1)}}
            ).encode(),
            413,
            "payload_too_large",
        ),
    ],
)
def test_bad_bug_reports_store_nothing(client, migrated_url, body, status, code):
    before = count_rows(migrated_url, BugReport)
    response = client.post(
        "/_meet/bug-report", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == status, response.text
    assert error_code(response) == code
    assert count_rows(migrated_url, BugReport) == before


@pytest.mark.parametrize(
    ("body", "code", "where"),
    [
        (rb'{"text": "t", "diagnostics": {"ua": "\ud800"}}', "invalid_text", "ua"),
        (
            rb'{"text": "t", "diagnostics": {"log": [1, {"\udfffkey": 2}]}}',
            "invalid_text",
            "log[1]",
        ),
        (rb'{"text": "bad \ud83d", "diagnostics": {}}', "invalid_text", None),
        (b'{"text": "t", "diagnostics": {"ua": "\xed\xa0\x80"}}', "invalid_json", None),
    ],
)
def test_lone_surrogates_in_bug_reports_store_nothing(
    client, migrated_url, body, code, where
):
    """The attack of issue 8: a lone surrogate in diagnostics, sent as raw JSON."""
    before = count_rows(migrated_url, BugReport)
    response = client.post(
        "/_meet/bug-report", content=body, headers={"Content-Type": "application/json"}
    )
    error = response.json()["error"]
    assert error["code"] == code
    if code == "invalid_text":
        assert response.status_code == 422
        assert error["field"] == ("text" if where is None else "diagnostics")
        if where is not None:
            assert f"diagnostics.{where}" in error["description"]
    else:
        assert response.status_code == 400
    assert count_rows(migrated_url, BugReport) == before


def test_admin_read_of_a_stored_lone_surrogate_is_valid_utf8(client, migrated_url):
    """A row stored before the check (issue 8) is read back, not a plain-text 500."""
    reference = "surr" + uuid.uuid4().hex[:4].translate(str.maketrans("01", "ab"))
    with db.session(migrated_url) as db_session:
        db_session.add(
            BugReport(
                reference=reference,
                text="old report",
                diagnostics={"ua": "bad\ud800", "k\udfff": [1]},
                created=datetime.now(UTC),
            )
        )
        db_session.commit()
    response = client.get(f"/_meet/bug-reports/{reference}", headers=admin())
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    response.content.decode("utf-8")  # strict
    assert response.json()["diagnostics"] == {"ua": "bad\ufffd", "k\ufffd": [1]}


def test_oversized_body_is_refused_while_reading(client, migrated_url):
    """No Content-Length (chunked): the limit is counted on the bytes read."""
    before = count_rows(migrated_url, BugReport)
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"text": "t", "diagnostics": {"f": "'
        for _ in range(1000):
            sent += 1
            yield b"x" * 1024
        yield b'"}}'

    response = client.post("/_meet/bug-report", content=chunks())
    assert response.status_code == 413
    assert error_code(response) == "payload_too_large"
    assert count_rows(migrated_url, BugReport) == before


def test_declared_length_too_large_is_refused_at_once(client):
    response = client.post(
        "/_meet/bug-report",
        content=b"{}",
        headers={"Content-Length": str(MAX_BODY + 1)},
    )
    assert response.status_code == 413


def test_valid_bug_reports_are_rate_limited_per_address(migrated_url):
    limit = rate_limits.BUG_REPORTS.amount
    limiter = Limiter()  # one budget for the requests below (one "worker")
    routes = record_routes(
        verify_tab=lambda *_: asyncio.sleep(0, result=True), limiter=lambda: limiter
    )
    db.use_database(migrated_url)
    try:
        client = Client(Starlette(routes=routes), client_host="10.1.1.1")
        body = {"text": "t", "diagnostics": {}}
        for _ in range(3):  # mistakes get their own error and cost no budget
            assert (
                client.post("/_meet/bug-report", json={"text": "t"}).status_code == 422
            )
        for _ in range(limit):
            assert client.post("/_meet/bug-report", json=body).status_code == 201
        before = count_rows(migrated_url, BugReport)
        limited = client.post("/_meet/bug-report", json=body)
        assert limited.status_code == 429 and error_code(limited) == "rate_limited"
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        assert count_rows(migrated_url, BugReport) == before
        other = Client(Starlette(routes=routes), client_host="10.1.1.2")
        assert other.post("/_meet/bug-report", json=body).status_code == 201
    finally:
        db.use_database(None)


# ---- track reports ---------------------------------------------------------------


def track_body(**change: object) -> dict[str, object]:
    return {
        "room": "daily",
        "participant": "p-" + uuid.uuid4().hex[:10],
        "key": "secret-key",
        "trackId": "session1/video",
        "meetingId": str(uuid.uuid4()),
    } | change


def test_track_report_from_a_present_tab_is_stored(client, tabs, migrated_url):
    body = track_body()
    tabs[("daily", body["participant"])] = "secret-key"
    before = count_rows(migrated_url, TrackReport)
    response = client.post("/_meet/track-report", json=body | {"unknown": 1})
    assert response.status_code == 201
    assert count_rows(migrated_url, TrackReport) == before + 1
    with db.session(migrated_url) as db_session:
        row = db_session.get(TrackReport, response.json()["id"])
    assert (row.reporter_id, row.track_id, row.meeting_id) == (
        body["participant"],
        "session1/video",
        body["meetingId"],
    )


def test_track_reports_are_rate_limited_per_participant(migrated_url):
    limiter = Limiter()
    routes = record_routes(
        verify_tab=lambda *_: asyncio.sleep(0, result=True), limiter=lambda: limiter
    )
    db.use_database(migrated_url)
    try:
        client = Client(Starlette(routes=routes))
        body = track_body()
        for _ in range(rate_limits.TRACK_REPORTS.amount):
            assert client.post("/_meet/track-report", json=body).status_code == 201
        before = count_rows(migrated_url, TrackReport)
        limited = client.post("/_meet/track-report", json=body)
        assert limited.status_code == 429 and error_code(limited) == "rate_limited"
        assert count_rows(migrated_url, TrackReport) == before
        assert client.post("/_meet/track-report", json=track_body()).status_code == 201
    finally:
        db.use_database(None)


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"key": "wrong-key"}, 403, "not_in_room"),
        ({"room": "elsewhere"}, 403, "not_in_room"),
        ({"room": "bad_room"}, 422, "room_invalid_chars"),
        ({"room": None}, 422, "field_missing"),
        ({"participant": 12}, 422, "invalid_type"),
        ({"participant": "x" * 65}, 422, "participant_invalid"),
        ({"key": ""}, 422, "key_invalid"),
        ({"key": ["k"]}, 422, "invalid_type"),
        ({"trackId": "no-slash"}, 422, "invalid_format"),
        ({"trackId": 5}, 422, "invalid_type"),
        ({"meetingId": "m1"}, 422, "meeting_id_invalid"),
        ({"meetingId": None}, 422, "field_missing"),
    ],
)
def test_bad_track_reports_store_nothing(
    client, tabs, migrated_url, change, status, code
):
    body = track_body()
    tabs[("daily", body["participant"])] = "secret-key"
    before = count_rows(migrated_url, TrackReport)
    response = client.post("/_meet/track-report", json=body | change)
    assert response.status_code == status, response.text
    assert error_code(response) == code
    if status == 422:
        assert response.json()["error"]["field"] in body
    assert count_rows(migrated_url, TrackReport) == before


def test_track_report_malformed_bodies(client, migrated_url):
    before = count_rows(migrated_url, TrackReport)
    assert (
        error_code(client.post("/_meet/track-report", content=b"{")) == "invalid_json"
    )
    assert (
        error_code(client.post("/_meet/track-report", content=b"[]")) == "invalid_body"
    )
    missing = client.post("/_meet/track-report", json={"room": "daily"})
    assert missing.status_code == 422 and error_code(missing) == "field_missing"
    big = client.post("/_meet/track-report", json=track_body(key="k" * MAX_BODY))
    assert big.status_code == 413
    assert count_rows(migrated_url, TrackReport) == before


def test_track_reports_use_the_presence_check_of_the_app(migrated_url, monkeypatch):
    """app/api.py verifies the tab with state.presence.touch (the heartbeat's)."""
    calls = []

    async def touch(room, participant, key, now):
        calls.append((room, participant, key))
        return None

    monkeypatch.setattr(presence, "touch", touch)
    db.use_database(migrated_url)
    try:
        body = track_body(room="Daily")
        response = Client(app_api.api).post("/_meet/track-report", json=body)
    finally:
        db.use_database(None)
    assert response.status_code == 403
    assert calls == [("daily", body["participant"], "secret-key")]


# ---- admin ------------------------------------------------------------------------


def test_admin_meeting(client):
    meeting_id = str(uuid.uuid4())
    with db.session() as db_session:
        store.meeting_started(db_session, meeting_id, "daily")
        store.attendance_joined(db_session, meeting_id, "Ana", participant_id="p1")
        store.participant_count(db_session, meeting_id, 1)
    response = client.get(f"/_meet/meetings/{meeting_id}", headers=admin())
    assert response.status_code == 200
    payload = response.json()
    assert payload["id"] == meeting_id and payload["peakParticipants"] == 1
    assert [a["displayName"] for a in payload["attendance"]] == ["Ana"]
    assert (
        client.get(f"/_meet/meetings/{uuid.uuid4()}", headers=admin()).status_code
        == 404
    )
    assert client.get("/_meet/meetings/not-a-uuid", headers=admin()).status_code == 404


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": TOKEN},
        {"Authorization": "Bearer "},
    ],
)
@pytest.mark.parametrize(
    "path", [f"/_meet/meetings/{uuid.uuid4()}", "/_meet/bug-reports/abcdefgh"]
)
def test_admin_routes_need_the_token(client, headers, path):
    response = client.get(path, headers=headers)
    assert response.status_code == 401
    assert error_code(response) == "unauthorized"
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("value", [None, ""])
def test_admin_routes_disabled_without_a_token(client, monkeypatch, value):
    if value is None:
        monkeypatch.delenv("MEET_ADMIN_TOKEN")
    else:
        monkeypatch.setenv("MEET_ADMIN_TOKEN", value)
    for path in [f"/_meet/meetings/{uuid.uuid4()}", "/_meet/bug-reports/abcdefgh"]:
        response = client.get(path, headers=admin())
        assert response.status_code == 503
        assert error_code(response) == "admin_disabled"


def test_attendance_untouched_by_api_errors(client, migrated_url):
    before = count_rows(migrated_url, Attendance)
    client.post("/_meet/track-report", content=b"{")
    client.post("/_meet/bug-report", content=b"{")
    assert count_rows(migrated_url, Attendance) == before
