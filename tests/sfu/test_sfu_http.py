"""HTTP contract of the stand-in: status codes, error bodies, SDP for Chrome."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time

import httpx
import pytest

from reflex_meet.sfu.config import SfuConfig
from tests.sfu.sfu_support import (
    APP_ID,
    ROOT,
    SECRET,
    auth,
    start_sfu,
    stop_sfu_process,
)

CHROME_OFFER = "\r\n".join(
    [
        "v=0",
        "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
        "s=-",
        "t=0 0",
        "a=group:BUNDLE 0 1",
        "a=extmap-allow-mixed",
        "a=msid-semantic: WMS",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126",
        "c=IN IP4 0.0.0.0",
        "a=rtcp:9 IN IP4 0.0.0.0",
        "a=ice-ufrag:Zx8f",
        "a=ice-pwd:3d5p1VbD1NmIFv0cN9t0lKyq",
        "a=ice-options:trickle",
        "a=fingerprint:sha-256 "
        "6B:8B:5D:EA:59:04:20:23:29:C8:87:1C:CC:87:32:BE:DD:8C:66:A5:8E:50:"
        "55:EA:8C:D3:B6:5C:09:5E:D6:BC",
        "a=setup:actpass",
        "a=mid:0",
        "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
        "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
        "a=extmap:3 http://www.ietf.org/id/"
        "draft-holmer-rmcat-transport-wide-cc-extensions-01",
        "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
        "a=sendonly",
        "a=msid:- 6f0e3a3c-7c0b-4c2e-9a5e-2d4f8a1b9c01",
        "a=rtcp-mux",
        "a=rtcp-rsize",
        "a=rtpmap:111 opus/48000/2",
        "a=rtcp-fb:111 transport-cc",
        "a=fmtp:111 minptime=10;useinbandfec=1",
        "a=rtpmap:63 red/48000/2",
        "a=fmtp:63 111/111",
        "a=rtpmap:9 G722/8000",
        "a=rtpmap:0 PCMU/8000",
        "a=rtpmap:8 PCMA/8000",
        "a=rtpmap:13 CN/8000",
        "a=rtpmap:110 telephone-event/48000",
        "a=rtpmap:126 telephone-event/8000",
        "a=ssrc:1001 cname:chromecname",
        "a=ssrc:1001 msid:- 6f0e3a3c-7c0b-4c2e-9a5e-2d4f8a1b9c01",
        "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 102 103",
        "c=IN IP4 0.0.0.0",
        "a=rtcp:9 IN IP4 0.0.0.0",
        "a=ice-ufrag:Zx8f",
        "a=ice-pwd:3d5p1VbD1NmIFv0cN9t0lKyq",
        "a=ice-options:trickle",
        "a=fingerprint:sha-256 "
        "6B:8B:5D:EA:59:04:20:23:29:C8:87:1C:CC:87:32:BE:DD:8C:66:A5:8E:50:"
        "55:EA:8C:D3:B6:5C:09:5E:D6:BC",
        "a=setup:actpass",
        "a=mid:1",
        "a=extmap:14 urn:ietf:params:rtp-hdrext:toffset",
        "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
        "a=extmap:13 urn:3gpp:video-orientation",
        "a=extmap:3 http://www.ietf.org/id/"
        "draft-holmer-rmcat-transport-wide-cc-extensions-01",
        "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
        "a=sendonly",
        "a=msid:- 0b2e9f49-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
        "a=rtcp-mux",
        "a=rtcp-rsize",
        "a=rtpmap:96 VP8/90000",
        "a=rtcp-fb:96 goog-remb",
        "a=rtcp-fb:96 transport-cc",
        "a=rtcp-fb:96 ccm fir",
        "a=rtcp-fb:96 nack",
        "a=rtcp-fb:96 nack pli",
        "a=rtpmap:97 rtx/90000",
        "a=fmtp:97 apt=96",
        "a=rtpmap:98 VP9/90000",
        "a=rtcp-fb:98 nack pli",
        "a=fmtp:98 profile-id=0",
        "a=rtpmap:99 rtx/90000",
        "a=fmtp:99 apt=98",
        "a=rtpmap:102 H264/90000",
        "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;"
        "profile-level-id=42001f",
        "a=rtpmap:103 rtx/90000",
        "a=fmtp:103 apt=102",
        "a=ssrc-group:FID 2002 2003",
        "a=ssrc:2002 cname:chromecname",
        "a=ssrc:2002 msid:- 0b2e9f49-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
        "a=ssrc:2003 cname:chromecname",
        "a=ssrc:2003 msid:- 0b2e9f49-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
        "",
    ]
)


@pytest.fixture()
def api(sfu):
    with httpx.Client(base_url=sfu.app_url, headers=auth(), timeout=15) as client:
        yield client


def new_session(api) -> str:
    response = api.post("/sessions/new")
    assert response.status_code == 201, response.text
    return response.json()["sessionId"]


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["errorCode"] == code
    assert isinstance(body["errorDescription"], str) and body["errorDescription"]


def test_sessions_new_is_201_with_a_session_id(api):
    response = api.post("/sessions/new")
    assert response.status_code == 201
    body = response.json()
    assert re.fullmatch(r"[0-9a-f]{32}", body["sessionId"])
    assert new_session(api) != body["sessionId"]
    info = api.get(f"/sessions/{body['sessionId']}")
    assert info.status_code == 200
    assert info.json() == {"tracks": [], "dataChannels": []}


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {SECRET}"}],
    ids=["missing", "wrong-secret", "wrong-scheme"],
)
def test_bearer_secret_is_required(sfu, headers):
    with httpx.Client(base_url=sfu.app_url, timeout=10) as client:
        assert_error(client.post("/sessions/new", headers=headers), 401, "unauthorized")
        assert_error(client.get("/sessions/abc", headers=headers), 401, "unauthorized")


def test_unknown_app_and_unknown_session_are_404(sfu, api):
    other = sfu.app_url.replace(f"/apps/{APP_ID}", "/apps/other-app")
    assert_error(api.post(f"{other}/sessions/new"), 404, "not_found")
    assert_error(api.get("/sessions/" + "f" * 32), 404, "not_found")
    body = {"tracks": [{"location": "remote", "sessionId": "x", "trackName": "y"}]}
    assert_error(
        api.post("/sessions/" + "f" * 32 + "/tracks/new", json=body), 404, "not_found"
    )
    assert_error(api.get("/no/such/route"), 404, "not_found")


def test_bad_bodies_are_400_and_huge_ones_413(api):
    sid = new_session(api)
    url = f"/sessions/{sid}/tracks/new"
    headers = {"Content-Type": "application/json"}
    assert_error(
        api.post(url, content=b"{not json", headers=headers), 400, "decoding_error"
    )
    for body in (
        [],
        {"tracks": "cam"},
        {"tracks": []},
        {"tracks": [{"location": "upstairs", "trackName": "a"}]},
        {"tracks": [{"location": "remote", "trackName": "a"}]},
        {"tracks": [{"location": "local", "mid": "0", "trackName": "a"}]},
        {
            "sessionDescription": {"type": "answer", "sdp": "v=0"},
            "tracks": [{"location": "local", "mid": "0", "trackName": "a"}],
        },
        {
            "sessionDescription": {"type": "offer", "sdp": CHROME_OFFER},
            "tracks": [{"location": "remote", "sessionId": sid, "trackName": "a"}],
        },
    ):
        assert_error(api.post(url, json=body), 400, "invalid_params")
    assert_error(
        api.put(f"/sessions/{sid}/renegotiate", json={}), 400, "invalid_params"
    )
    assert_error(
        api.put(f"/sessions/{sid}/tracks/close", json={"tracks": [{}]}),
        400,
        "invalid_params",
    )
    huge = {
        "tracks": [
            {
                "location": "remote",
                "sessionId": sid,
                "trackName": "x" * (SfuConfig.max_body_bytes + 1),
            }
        ]
    }
    assert_error(api.post(url, json=huge), 413, "payload_too_large")


def test_renegotiate_without_a_pending_offer_is_refused(api):
    sid = new_session(api)
    response = api.put(
        f"/sessions/{sid}/renegotiate",
        json={"sessionDescription": {"type": "answer", "sdp": "v=0\r\n"}},
    )
    assert_error(response, 400, "invalid_session_description")


def test_tracks_update_is_accepted(api):
    sid = new_session(api)
    track = {
        "location": "remote",
        "sessionId": sid,
        "trackName": "cam",
        "simulcast": {"preferredRid": "h"},
    }
    response = api.put(f"/sessions/{sid}/tracks/update", json={"tracks": [track]})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "requiresImmediateRenegotiation": False,
        "tracks": [track],
    }
    unknown = {**track, "mid": "5"}
    response = api.put(f"/sessions/{sid}/tracks/update", json={"tracks": [unknown]})
    assert response.json()["tracks"][0]["errorCode"] == "update_track_error"


def _section(sdp: str, mid: str) -> str:
    for section in sdp.split("m=")[1:]:
        if f"a=mid:{mid}\r\n" in section:
            return "m=" + section
    raise AssertionError(f"no m-section {mid} in\n{sdp}")


def test_answer_to_a_chrome_offer_has_what_chrome_needs(api):
    response = api.post(
        "/sessions/new",
        json={"sessionDescription": {"type": "offer", "sdp": CHROME_OFFER}},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    answer = body["sessionDescription"]
    assert answer["type"] == "answer"
    sdp = answer["sdp"]
    assert "a=group:BUNDLE 0 1\r\n" in sdp
    for mid in ("0", "1"):
        section = _section(sdp, mid)
        for needed in (
            "a=ice-ufrag:",
            "a=ice-pwd:",
            "a=fingerprint:sha-256 ",
            "a=setup:active",
            "a=rtcp-mux",
            "a=recvonly",
        ):
            assert needed in section, (needed, section)
        assert re.search(
            r"a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 \d+ typ host", section
        ), section
    audio, video = _section(sdp, "0"), _section(sdp, "1")
    # Only Opus and VP8 (+RTX), in Chrome's own numbering.
    assert (
        audio.startswith("m=audio ") and " 111\r\n" in audio.split("\r\n")[0] + "\r\n"
    )
    assert "a=rtpmap:111 opus/48000/2" in audio
    assert "G722" not in audio and "PCMU" not in audio
    assert video.split("\r\n")[0].endswith(" 96 97")
    for fb in ("nack", "nack pli", "ccm fir", "goog-remb"):
        assert f"a=rtcp-fb:96 {fb}\r\n" in video
    assert "a=fmtp:97 apt=96" in video
    assert "VP9" not in video and "H264" not in video and "transport-cc" not in video
    assert "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid" in video
    assert (
        "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time" in video
    )
    assert "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level" in audio


def test_publishing_from_a_chrome_offer_reports_each_track(api):
    sid = new_session(api)
    response = api.post(
        f"/sessions/{sid}/tracks/new",
        json={
            "sessionDescription": {"type": "offer", "sdp": CHROME_OFFER},
            "tracks": [
                {"location": "local", "mid": "0", "trackName": "mic"},
                {"location": "local", "mid": "1", "trackName": "cam"},
                {"location": "local", "mid": "7", "trackName": "screen"},
            ],
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["requiresImmediateRenegotiation"] is False
    assert body["sessionDescription"]["type"] == "answer"
    mic, cam, screen = body["tracks"]
    assert mic == {"mid": "0", "trackName": "mic", "sessionId": sid}
    assert cam == {"mid": "1", "trackName": "cam", "sessionId": sid}
    assert screen["errorCode"] == "empty_track_error"
    info = api.get(f"/sessions/{sid}").json()
    assert {(t["trackName"], t["location"], t["status"]) for t in info["tracks"]} == {
        ("mic", "local", "waiting"),
        ("cam", "local", "waiting"),
    }


def test_cli_needs_a_secret():
    result = subprocess.run(
        [sys.executable, "-m", "reflex_meet.sfu", "--port", "0", "--app-id", "x"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2
    assert "--app-secret" in result.stderr


def test_sigterm_stops_the_process_cleanly():
    process = start_sfu(credentials_from_env=True)
    assert process.base_url.startswith("http://127.0.0.1:")
    assert process.base_url.endswith("/v1")
    with httpx.Client(base_url=process.app_url, headers=auth(), timeout=10) as client:
        assert client.post("/sessions/new").status_code == 201
    started = time.monotonic()
    process.proc.send_signal(signal.SIGTERM)
    assert process.proc.wait(timeout=10) == 0
    assert time.monotonic() - started < 5
    assert "stopping" in process.log()
    stop_sfu_process(process.proc)
