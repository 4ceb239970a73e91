import pytest

from reflex_meet.calls.errors import CallsInvalidRequestError, CallsProtocolError
from reflex_meet.calls.models import (
    NewSessionResponse,
    SessionDescription,
    SessionInfo,
    Simulcast,
    TrackObject,
    TracksResponse,
)

SDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\na=ice-pwd:verysecretpassword\r\n"


def protocol_error(parse, data):
    with pytest.raises(CallsProtocolError) as caught:
        parse(data)
    assert caught.value.problem.code == "calls_protocol_error"
    return caught.value.problem.description


# -- SessionDescription -----------------------------------------------------


def test_session_description_round_trip():
    wire = {"type": "offer", "sdp": SDP}
    description = SessionDescription.from_wire(wire)
    assert description == SessionDescription(type="offer", sdp=SDP)
    assert description.to_wire() == wire


def test_session_description_repr_hides_the_sdp():
    text = repr(SessionDescription(type="answer", sdp=SDP))
    assert "verysecretpassword" not in text
    assert f"<{len(SDP)} chars>" in text
    assert "answer" in text


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"type": "pranswer", "sdp": SDP}, 'must be "offer" or "answer"'),
        ({"type": "offer"}, "sessionDescription.sdp is missing"),
        ({"sdp": SDP}, "sessionDescription.type is missing"),
        ({"type": "offer", "sdp": 5}, "sdp must be a string, got number"),
        ({"type": True, "sdp": SDP}, "type must be a string, got boolean"),
        ("offer", "must be a JSON object, got string"),
        (None, "must be a JSON object, got null"),
    ],
)
def test_session_description_wrong_shapes(data, fragment):
    assert fragment in protocol_error(SessionDescription.from_wire, data)


# -- TrackObject ------------------------------------------------------------

FULL_TRACK_WIRE = {
    "location": "remote",
    "mid": "3",
    "sessionId": "abc123",
    "trackName": "cam",
    "kind": "video",
    "bidirectionalMediaStream": False,
    "simulcast": {
        "preferredRid": "h",
        "priorityOrdering": "asciibetical",
        "ridNotAvailable": "none",
    },
    "errorCode": "not_found_track_error",
    "errorDescription": "Track not found",
    "status": "active",
}


def test_track_object_reads_camel_case():
    track = TrackObject.from_wire(FULL_TRACK_WIRE)
    assert track == TrackObject(
        location="remote",
        mid="3",
        session_id="abc123",
        track_name="cam",
        kind="video",
        bidirectional_media_stream=False,
        simulcast=Simulcast(
            preferred_rid="h",
            priority_ordering="asciibetical",
            rid_not_available="none",
        ),
        error_code="not_found_track_error",
        error_description="Track not found",
        status="active",
    )
    assert track.failed
    assert track.to_wire() == FULL_TRACK_WIRE


def test_track_object_to_wire_leaves_out_absent_fields():
    track = TrackObject(location="local", mid="0", track_name="mic")
    assert track.to_wire() == {"location": "local", "mid": "0", "trackName": "mic"}
    assert not track.failed


def test_track_object_ignores_unknown_keys_and_null():
    track = TrackObject.from_wire(
        {"trackName": "mic", "mid": None, "somethingNew": [1, 2], "kind": "audio"}
    )
    assert track == TrackObject(track_name="mic", kind="audio")


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"trackName": 5}, "track.trackName must be a string, got number"),
        ({"mid": ["0"]}, "track.mid must be a string, got array"),
        ({"location": "elsewhere"}, 'track.location must be "local" or "remote"'),
        (
            {"bidirectionalMediaStream": "true"},
            "bidirectionalMediaStream must be true or false, got string",
        ),
        ({"bidirectionalMediaStream": 1}, "must be true or false, got number"),
        ({"simulcast": "h"}, "track.simulcast must be a JSON object, got string"),
        (
            {"simulcast": {"preferredRid": 1}},
            "track.simulcast.preferredRid must be a string",
        ),
        ([], "track must be a JSON object, got array"),
    ],
)
def test_track_object_wrong_shapes(data, fragment):
    assert fragment in protocol_error(TrackObject.from_wire, data)


def test_parsing_a_browser_body_reports_invalid_params():
    with pytest.raises(CallsInvalidRequestError) as caught:
        TrackObject.from_wire({"trackName": 5}, error_type=CallsInvalidRequestError)
    assert caught.value.problem.code == "invalid_params"
    assert isinstance(caught.value, ValueError)


# -- NewSessionResponse -----------------------------------------------------


def test_new_session_response():
    response = NewSessionResponse.from_wire({"sessionId": "s1", "extra": 1})
    assert response == NewSessionResponse(session_id="s1")
    assert response.to_wire() == {"sessionId": "s1"}
    with_sdp = NewSessionResponse.from_wire(
        {"sessionId": "s1", "sessionDescription": {"type": "answer", "sdp": SDP}}
    )
    assert with_sdp.session_description == SessionDescription("answer", SDP)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({}, "response.sessionId is missing"),
        ({"sessionId": ""}, "response.sessionId is empty"),
        ({"sessionId": 12}, "response.sessionId must be a string"),
        (
            {"sessionId": "s", "sessionDescription": {"type": "offer"}},
            "response.sessionDescription.sdp is missing",
        ),
        ("[]", "response must be a JSON object"),
    ],
)
def test_new_session_response_wrong_shapes(data, fragment):
    assert fragment in protocol_error(NewSessionResponse.from_wire, data)


# -- TracksResponse ---------------------------------------------------------


def test_tracks_response_splits_failed_and_ok_tracks():
    wire = {
        "requiresImmediateRenegotiation": True,
        "sessionDescription": {"type": "offer", "sdp": SDP},
        "tracks": [
            {"location": "remote", "sessionId": "p1", "trackName": "a", "mid": "1"},
            {
                "location": "remote",
                "sessionId": "p1",
                "trackName": "b",
                "errorCode": "not_found_track_error",
                "errorDescription": "no such track",
            },
        ],
    }
    response = TracksResponse.from_wire(wire)
    assert response.requires_immediate_renegotiation is True
    assert response.session_description == SessionDescription("offer", SDP)
    assert [track.track_name for track in response.ok_tracks] == ["a"]
    assert [track.track_name for track in response.failed_tracks] == ["b"]
    assert response.to_wire() == wire


def test_tracks_response_missing_fields_mean_false_and_none():
    response = TracksResponse.from_wire({})
    assert response == TracksResponse(
        requires_immediate_renegotiation=False, session_description=None, tracks=()
    )


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"requiresImmediateRenegotiation": "yes"}, "must be true or false"),
        ({"tracks": {"mid": "0"}}, "response.tracks must be an array, got object"),
        ({"tracks": [{"mid": "0"}, "x"]}, "response.tracks[1] must be a JSON object"),
        ({"tracks": [{"mid": 0}]}, "response.tracks[0].mid must be a string"),
    ],
)
def test_tracks_response_wrong_shapes(data, fragment):
    assert fragment in protocol_error(TracksResponse.from_wire, data)


# -- SessionInfo ------------------------------------------------------------


def test_session_info():
    wire = {
        "tracks": [
            {"location": "local", "mid": "0", "trackName": "mic", "status": "active"}
        ],
        "dataChannels": [{"location": "local", "dataChannelName": "chat", "id": 1}],
    }
    info = SessionInfo.from_wire(wire)
    assert info.tracks[0].status == "active"
    assert info.data_channels[0]["dataChannelName"] == "chat"
    assert info.to_wire() == wire
    assert SessionInfo.from_wire({}) == SessionInfo()


def test_session_info_wrong_shapes():
    assert "dataChannels[0] must be a JSON object" in protocol_error(
        SessionInfo.from_wire, {"dataChannels": ["chat"]}
    )
    assert "tracks must be an array" in protocol_error(
        SessionInfo.from_wire, {"tracks": "none"}
    )
