"""The presence HTTP routes refuse bad input with clear 4xx errors."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest


def post(url: str, body: bytes) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, {}
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


@pytest.mark.parametrize("route", ["/api/heartbeat", "/api/leave"])
@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "malformed_json"),
        (b"[1, 2]", 400, "invalid_body"),
        (b'{"room": "ok", "participant": 5, "key": "k"}', 400, "invalid_body"),
        (
            b'{"room": "bad_room", "participant": "p", "key": "k"}',
            400,
            "room_invalid_chars",
        ),
        (
            json.dumps({"room": "ok", "participant": "p", "key": "k" * 5000}).encode(),
            413,
            "body_too_large",
        ),
    ],
)
def test_bad_input_is_refused(app_server, route, body, status, code):
    got_status, payload = post(app_server["url"] + route, body)
    assert got_status == status
    assert payload["error"]["code"] == code
    assert payload["error"]["description"]


def test_unknown_tab_heartbeat_is_told_to_enter_again(app_server):
    body = json.dumps({"room": "nobody-here", "participant": "p", "key": "k"})
    status, payload = post(app_server["url"] + "/api/heartbeat", body.encode())
    assert status == 410
    assert payload["error"]["code"] == "not_in_room"
