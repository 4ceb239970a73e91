"""The HTTP routes against the production server, attacked with raw requests.

Every route answers errors in one shape with one code per fault (app/http.py):
bad bodies, oversized bodies (refused while reading), wrong methods, unknown
/_meet paths and lone surrogates, and none of it leaves a traceback in the log.
"""

from __future__ import annotations

import json
import select
import socket
import sqlite3
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

HUNDRED_MB = 100 * 1024 * 1024
CHUNK = 64 * 1024


def call(
    url: str, body: bytes | None = None, method: str = "POST", headers=None
) -> tuple[int, Message, dict]:
    """One request; returns (status, headers, JSON body or {})."""
    request = urllib.request.Request(
        url,
        data=body,
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            return response.status, response.headers, json.loads(raw or b"{}")
    except urllib.error.HTTPError as error:
        raw = error.read()
        assert error.headers["Content-Type"].startswith("application/json"), raw[:200]
        return error.code, error.headers, json.loads(raw.decode("utf-8"))


def post(url: str, body: bytes) -> tuple[int, dict]:
    status, _, payload = call(url, body)
    return status, payload


@pytest.fixture
def clean_log(app_server):
    """Fails the test if the server logs a traceback while it runs."""
    log: Path = app_server["log"]
    start = log.stat().st_size if log.exists() else 0
    yield
    with log.open("rb") as handle:
        handle.seek(start)
        added = handle.read().decode("utf-8", "replace")
    assert "Traceback" not in added, added[-3000:]


@pytest.mark.parametrize("route", ["/_meet/heartbeat", "/_meet/leave"])
@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        (b"{not json", 400, "invalid_json", None),
        (b"\xff{}", 400, "invalid_json", None),
        (b"[1, 2]", 400, "invalid_body", None),
        (
            b'{"room": "ok", "participant": 5, "key": "k"}',
            422,
            "invalid_type",
            "participant",
        ),
        (
            b'{"room": "ok", "participant": "p", "key": ["k"]}',
            422,
            "invalid_type",
            "key",
        ),
        (b'{"room": "ok", "key": "k"}', 422, "field_missing", "participant"),
        (
            b'{"room": "ok", "participant": "p\\ud800", "key": "k"}',
            422,
            "participant_invalid",
            "participant",
        ),
        (
            b'{"room": "bad_room", "participant": "p", "key": "k"}',
            422,
            "room_invalid_chars",
            "room",
        ),
        (
            json.dumps({"room": "ok", "participant": "p", "key": "k" * 5000}).encode(),
            413,
            "payload_too_large",
            None,
        ),
    ],
)
def test_bad_input_is_refused(app_server, clean_log, route, body, status, code, field):
    got_status, payload = post(app_server["url"] + route, body)
    assert got_status == status
    assert payload["error"]["code"] == code
    assert payload["error"]["description"]
    assert payload["error"].get("field") == field


def test_unknown_tab_heartbeat_is_told_to_enter_again(app_server):
    body = json.dumps({"room": "nobody-here", "participant": "p", "key": "k"})
    status, payload = post(app_server["url"] + "/_meet/heartbeat", body.encode())
    assert status == 410
    assert payload["error"]["code"] == "not_in_room"


# ---- wrong methods and unknown paths -------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/_meet/heartbeat", "POST"),
        ("PUT", "/_meet/leave", "POST"),
        ("GET", "/_meet/bug-report", "POST"),
        ("DELETE", "/_meet/track-report", "POST"),
        ("POST", "/_meet/health", "GET, HEAD"),
        ("DELETE", "/_meet/bug-reports/abcdefgh", "GET, HEAD"),
        ("PATCH", "/_meet/meetings/x", "GET, HEAD"),
    ],
)
def test_wrong_methods_answer_json_405(app_server, clean_log, method, path, allow):
    status, headers, payload = call(app_server["url"] + path, method=method)
    assert status == 405
    assert payload["error"]["code"] == "method_not_allowed"
    assert headers["Allow"] == allow


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
@pytest.mark.parametrize(
    "path",
    [
        "/_meet",
        "/_meet/",
        "/_meet/nothing",
        "/_meet/heartbeat/extra",
        "/_meet/_event",
        "/_meet/%00",
    ],
)
def test_unknown_api_paths_answer_json_404(app_server, clean_log, method, path):
    body = b"{}" if method == "POST" else None
    status, _, payload = call(app_server["url"] + path, body, method=method)
    assert status == 404
    assert payload["error"]["code"] == "not_found"


def test_pages_are_still_served_beside_the_api(app_server):
    with urllib.request.urlopen(app_server["url"] + "/", timeout=10) as response:
        assert response.status == 200
        assert "text/html" in response.headers["Content-Type"]


# ---- oversized bodies, sent raw ------------------------------------------------------------


def connect(app_server) -> socket.socket:
    url = urlsplit(app_server["url"])
    return socket.create_connection((url.hostname, url.port), timeout=30)


def read_response(sock: socket.socket) -> tuple[int, dict]:
    """Read one HTTP/1.1 response with a Content-Length body."""
    sock.setblocking(True)
    sock.settimeout(30)
    data = b""
    while b"\r\n\r\n" not in data:
        got = sock.recv(65536)
        assert got, f"connection closed before a response: {data!r}"
        data += got
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {
        k.lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])
    }
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        got = sock.recv(65536)
        if not got:
            break
        body += got
    assert headers["content-type"].startswith("application/json")
    return status, json.loads(body[:length])


def test_a_100_mb_chunked_heartbeat_is_refused_without_reading_it(
    app_server, clean_log
):
    """Issue 8: the server read a 100 MB chunked body before refusing it.

    The body is sent while watching for an answer; the 413 must come long
    before the 100 MB are sent (what is sent before it is at most the limit,
    one chunk and what the sockets' buffers hold).
    """
    host = urlsplit(app_server["url"]).netloc
    sock = connect(app_server)
    sock.sendall(
        f"POST /_meet/heartbeat HTTP/1.1\r\nHost: {host}\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
    )
    chunk = b'{"room": "' + b"x" * (CHUNK - 10)
    frame = b"%x\r\n%s\r\n" % (len(chunk), chunk)
    sock.setblocking(False)
    sent, pending = 0, b""
    try:
        while sent < HUNDRED_MB:
            readable, writable, _ = select.select([sock], [sock], [], 30)
            if readable:
                break  # the answer came
            assert writable, "the server neither reads nor answers"
            pending = pending or frame
            try:
                count = sock.send(pending)
            except (BrokenPipeError, ConnectionResetError):
                break
            pending, sent = pending[count:], sent + count
        status, payload = read_response(sock)
    finally:
        sock.close()
    assert status == 413
    assert payload["error"]["code"] == "payload_too_large"
    assert sent < HUNDRED_MB // 4, f"{sent} bytes were taken before the refusal"


def test_a_declared_100_mb_body_is_refused_before_it_is_sent(app_server, clean_log):
    host = urlsplit(app_server["url"]).netloc
    sock = connect(app_server)
    try:
        sock.sendall(
            f"POST /_meet/heartbeat HTTP/1.1\r\nHost: {host}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {HUNDRED_MB}\r\n"
            "\r\n".encode()
        )
        status, payload = read_response(sock)  # not one byte of the body sent
    finally:
        sock.close()
    assert status == 413
    assert payload["error"]["code"] == "payload_too_large"


# ---- lone surrogates ---------------------------------------------------------------------


def bug_reports(app_server) -> int:
    with sqlite3.connect(app_server["db"]) as conn:
        return conn.execute("SELECT count(*) FROM meet_bug_report").fetchone()[0]


def test_a_lone_surrogate_in_diagnostics_is_refused_and_nothing_stored(
    app_server, clean_log
):
    """Issue 8: it was stored, and the admin read then crashed (plain-text 500)."""
    url = app_server["url"]
    before = bug_reports(app_server)
    status, payload = post(
        url + "/_meet/bug-report",
        rb'{"text": "it froze", "diagnostics": {"ua": "x", "log": ["\ud800"]}}',
    )
    assert status == 422
    assert payload["error"]["code"] == "invalid_text"
    assert payload["error"]["field"] == "diagnostics"
    assert "diagnostics.log[0]" in payload["error"]["description"]
    assert bug_reports(app_server) == before

    # A good report is stored and read back by the admin as valid UTF-8 JSON.
    status, payload = post(
        url + "/_meet/bug-report",
        json.dumps({"text": "👩‍💻 می‌خواهم", "diagnostics": {"ua": "✓"}}).encode(),
    )
    assert status == 201
    token = {"Authorization": f"Bearer {app_server['admin_token']}"}
    status, _, report = call(
        url + f"/_meet/bug-reports/{payload['reference']}", method="GET", headers=token
    )
    assert status == 200
    assert report["text"] == "👩‍💻 می‌خواهم"
    assert bug_reports(app_server) == before + 1


# ---- display names -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["👩‍💻 Ada", "مریم می‌خواهد", "👨‍👩‍👧 🏴󠁧󠁢󠁳󠁣󠁴󠁿"])
def test_names_people_write_are_accepted(app_server, person, name):
    page = person(app_server["url"], name)  # waits until the name is remembered
    expect(page.get_by_test_id("name-error")).to_have_text("")
    stored = page.evaluate("() => localStorage.getItem('meet.display-name')")
    assert name in stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Eve\u202e", "can't be shown"),  # bidi override
        ("Eve\u2066x", "can't be shown"),  # bidi isolate
        ("Eve\u200b", "can't be shown"),  # zero-width space
        ("Eve\u200d", "can't be shown"),  # a joiner that joins nothing
    ],
)
def test_names_that_hide_or_break_text_are_refused(
    app_server, person, clean_log, typed, message
):
    page = person(app_server["url"], "")
    page.get_by_label("Your name").fill(typed)
    page.get_by_test_id("new-room").click()
    expect(page.get_by_test_id("name-error")).to_contain_text(message)
    stored = page.evaluate("() => localStorage.getItem('meet.display-name')")
    assert not stored or "Eve" not in stored
