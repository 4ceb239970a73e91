"""core.calls_wire: the one parser of Calls request and answer bodies."""

import pytest

from reflex_meet.core import calls_wire as wire
from reflex_meet.core.calls_wire import (
    AnsweredTrack,
    LocalTrackItem,
    RemoteTrackItem,
    WireError,
)

SDP = "v=0\r\n"
OFFER = {"type": "offer", "sdp": SDP}
ANSWER = {"type": "answer", "sdp": SDP}


def refused(parse, body) -> str:
    with pytest.raises(WireError) as caught:
        parse(body)
    return caught.value.description


# -- requests ---------------------------------------------------------------


def test_new_session_with_and_without_an_offer():
    assert wire.parse_new_session({}) is None
    assert wire.parse_new_session({"sessionDescription": OFFER}) == SDP
    assert "type must be 'offer'" in refused(
        wire.parse_new_session, {"sessionDescription": ANSWER}
    )


def test_publish_with_an_offer():
    parsed = wire.parse_new_tracks(
        {
            "sessionDescription": OFFER,
            "tracks": [{"location": "local", "mid": "0", "trackName": "mic"}],
        }
    )
    assert parsed.offer_sdp == SDP
    assert parsed.local == (LocalTrackItem(mid="0", track_name="mic"),)
    assert parsed.remote == ()
    assert not parsed.generated


def test_local_tracks_the_sfu_offers_for():
    parsed = wire.parse_new_tracks(
        {
            "tracks": [
                {
                    "location": "local",
                    "trackName": "ai-generated-voice",
                    "kind": "audio",
                    "bidirectionalMediaStream": True,
                }
            ]
        }
    )
    assert parsed.generated
    assert parsed.local == (
        LocalTrackItem(None, "ai-generated-voice", kind="audio", bidirectional=True),
    )


def test_pull_and_feed():
    parsed = wire.parse_new_tracks(
        {
            "tracks": [
                {"location": "remote", "sessionId": "s1", "trackName": "cam"},
                {
                    "location": "remote",
                    "sessionId": "s2",
                    "trackName": "ptt",
                    "mid": "#ai-generated-voice",
                },
            ]
        }
    )
    assert parsed.remote == (
        RemoteTrackItem("s1", "cam"),
        RemoteTrackItem("s2", "ptt", mid="#ai-generated-voice"),
    )


LOCAL = {"location": "local", "mid": "0", "trackName": "mic"}
REMOTE = {"location": "remote", "sessionId": "s1", "trackName": "cam"}


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ([], "body must be a JSON object"),
        ({}, "body.tracks must be an array"),
        ({"tracks": []}, "body.tracks must not be empty"),
        ({"tracks": [REMOTE] * 65}, "At most 64 tracks"),
        ({"tracks": ["mic"]}, "body.tracks[0] must be a JSON object"),
        ({"tracks": [{**REMOTE, "location": "x"}]}, "tracks[0].location must be"),
        ({"tracks": [{**REMOTE, "sessionId": "../x"}]}, "not a valid sessionId"),
        ({"tracks": [{**REMOTE, "trackName": ""}]}, "trackName must be a non-empty"),
        ({"tracks": [{**REMOTE, "trackName": 5}]}, "trackName must be a non-empty"),
        ({"tracks": [{**REMOTE, "mid": "a b"}]}, "not a valid mid"),
        ({"tracks": [LOCAL]}, "need kind 'audio' or 'video'"),
        ({"tracks": [{**LOCAL, "kind": "audio"}]}, "mid cannot be given"),
        (
            {"sessionDescription": OFFER, "tracks": [{**LOCAL, "mid": None}]},
            "tracks[0].mid is missing",
        ),
        (
            {
                "sessionDescription": OFFER,
                "tracks": [{**LOCAL, "bidirectionalMediaStream": True}],
            },
            "only supported when the SFU makes the offer",
        ),
        (
            {"tracks": [{**LOCAL, "kind": "audio", "bidirectionalMediaStream": 1}]},
            "must be true or false",
        ),
        ({"sessionDescription": OFFER, "tracks": [REMOTE]}, "same call as an offer"),
        (
            {"tracks": [{**LOCAL, "mid": None, "kind": "audio"}, REMOTE]},
            "cannot be mixed",
        ),
        ({"sessionDescription": "v=0", "tracks": [LOCAL]}, "must be a JSON object"),
        (
            {"sessionDescription": {"type": "offer"}, "tracks": [LOCAL]},
            "body.sessionDescription.sdp is missing",
        ),
    ],
)
def test_new_tracks_refusals_name_the_field(body, fragment):
    assert fragment in refused(wire.parse_new_tracks, body)


def test_renegotiate_needs_an_answer():
    assert wire.parse_renegotiate({"sessionDescription": ANSWER}) == SDP
    assert "(an answer) is required" in refused(wire.parse_renegotiate, {})
    assert "type must be 'answer'" in refused(
        wire.parse_renegotiate, {"sessionDescription": OFFER}
    )


def test_close():
    close = wire.parse_close({"tracks": [{"mid": "0"}, {"mid": "1"}], "force": True})
    assert (close.mids, close.offer_sdp, close.force) == (("0", "1"), None, True)
    with_offer = wire.parse_close(
        {"tracks": [{"mid": "0"}], "sessionDescription": OFFER}
    )
    assert (with_offer.offer_sdp, with_offer.force) == (SDP, False)
    assert "force must be true or false" in refused(
        wire.parse_close, {"tracks": [{"mid": "0"}], "force": "yes"}
    )
    assert "tracks[1].mid is missing" in refused(
        wire.parse_close, {"tracks": [{"mid": "0"}, {}]}
    )


def test_update():
    raw = {
        "location": "remote",
        "sessionId": "s1",
        "trackName": "cam",
        "mid": "3",
        "simulcast": {"preferredRid": "l"},
    }
    (item,) = wire.parse_update({"tracks": [raw]})
    assert (item.location, item.session_id, item.track_name, item.mid) == (
        "remote",
        "s1",
        "cam",
        "3",
    )
    assert item.preferred_rid == "l"
    assert item.raw == raw
    assert "simulcast must be a JSON object" in refused(
        wire.parse_update, {"tracks": [{**raw, "simulcast": "l"}]}
    )
    assert "not a valid preferredRid" in refused(
        wire.parse_update, {"tracks": [{**raw, "simulcast": {"preferredRid": "<"}}]}
    )


# -- answers ----------------------------------------------------------------


def test_new_session_answer():
    answer = wire.parse_new_session_answer({"sessionId": "abc", "extra": 1})
    assert (answer.session_id, answer.answer_sdp) == ("abc", None)
    assert "answer.sessionId is missing" in refused(wire.parse_new_session_answer, {})
    assert "not a valid sessionId" in refused(
        wire.parse_new_session_answer, {"sessionId": "a/b"}
    )


def test_tracks_answer_with_a_failed_track():
    answer = wire.parse_tracks_answer(
        {
            "requiresImmediateRenegotiation": True,
            "sessionDescription": OFFER,
            "tracks": [
                {"location": "remote", "trackName": "a", "mid": "1"},
                {"trackName": "b", "errorCode": "not_found_track_error"},
            ],
        }
    )
    assert answer.requires_immediate_renegotiation
    assert (answer.sdp_type, answer.sdp) == ("offer", SDP)
    assert answer.failed_tracks == (
        AnsweredTrack(track_name="b", error_code="not_found_track_error"),
    )


def test_an_empty_answer_is_no_tracks():
    answer = wire.parse_tracks_answer({})
    assert answer == wire.TracksAnswer()
    assert wire.parse_session_info({"dataChannels": []}) == ()


def test_a_session_may_list_more_tracks_than_one_call_takes():
    tracks = wire.parse_session_info({"tracks": [{"mid": str(i)} for i in range(100)]})
    assert len(tracks) == 100


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"tracks": "none"}, "answer.tracks must be an array"),
        ({"tracks": [{"mid": 0}]}, "answer.tracks[0].mid must be a non-empty string"),
        ({"tracks": [{"location": "x"}]}, "location must be"),
        ({"requiresImmediateRenegotiation": "yes"}, "must be true or false"),
        ({"sessionDescription": {"type": "pranswer", "sdp": SDP}}, "type must be"),
    ],
)
def test_malformed_answers(payload, fragment):
    assert fragment in refused(wire.parse_tracks_answer, payload)
