"""Unit tests of the pure SDP rewriting (sfu.sdp_numbering) on sample SDPs."""

from __future__ import annotations

from aiortc import sdp as aiortc_sdp

from reflex_meet.sfu.sdp_numbering import (
    NumberingMemory,
    bundle_tag,
    fill_rejected_sections,
    inactivate_sections,
    learn,
    media_info,
    primary_ssrc,
    reject_sections,
    rejected_mids,
    renumber_offer,
)
from tests.sfu.test_sfu_http import CHROME_OFFER

MID = "urn:ietf:params:rtp-hdrext:sdes:mid"
LEVEL = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
ABS = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"

TRANSPORT = [
    "c=IN IP4 127.0.0.1",
    "a=candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host",
    "a=end-of-candidates",
    "a=ice-ufrag:srv1",
    "a=ice-pwd:serverpasswordserverpass",
    "a=fingerprint:sha-256 AA:BB",
    "a=setup:active",
]


def aiortc_offer(sections: list[tuple[str, str, str]]) -> str:
    """An offer as aiortc writes it: (kind, mid, direction) per m-section."""
    lines = [
        "v=0",
        "o=- 1 1 IN IP4 0.0.0.0",
        "s=-",
        "t=0 0",
        "a=group:BUNDLE " + " ".join(mid for _, mid, _ in sections),
        "a=msid-semantic:WMS *",
    ]
    for kind, mid, direction in sections:
        if kind == "audio":
            lines += [
                "m=audio 50000 UDP/TLS/RTP/SAVPF 96",
                *TRANSPORT[:1],
                f"a={direction}",
                f"a=extmap:1 {MID}",
                f"a=extmap:2 {LEVEL}",
                f"a=mid:{mid}",
                "a=rtcp:9 IN IP4 0.0.0.0",
                "a=rtcp-mux",
                "a=ssrc:11 cname:x",
                "a=rtpmap:96 opus/48000/2",
                *TRANSPORT[1:],
            ]
        else:
            lines += [
                "m=video 50000 UDP/TLS/RTP/SAVPF 97 98",
                *TRANSPORT[:1],
                f"a={direction}",
                f"a=extmap:1 {MID}",
                f"a=extmap:3 {ABS}",
                f"a=mid:{mid}",
                "a=rtcp:9 IN IP4 0.0.0.0",
                "a=rtcp-mux",
                "a=ssrc-group:FID 21 22",
                "a=ssrc:21 cname:x",
                "a=ssrc:22 cname:x",
                "a=rtpmap:97 VP8/90000",
                "a=rtcp-fb:97 nack",
                "a=rtcp-fb:97 nack pli",
                "a=rtcp-fb:97 goog-remb",
                "a=rtcp-fb:97 ccm fir",
                "a=rtpmap:98 rtx/90000",
                "a=fmtp:98 apt=97",
                *TRANSPORT[1:],
            ]
    return "\r\n".join(lines) + "\r\n"


def section(sdp: str, mid: str) -> list[str]:
    sections = sdp.split("\r\nm=")
    for text in sections[1:]:
        lines = ("m=" + text).strip().split("\r\n")
        if f"a=mid:{mid}" in lines:
            return lines
    raise AssertionError(f"no mid {mid}")


def extmaps(lines: list[str]) -> dict[str, int]:
    out = {}
    for line in lines:
        if line.startswith("a=extmap:"):
            ext_id, uri = line[len("a=extmap:") :].split()
            out[uri] = int(ext_id)
    return out


def test_new_sections_take_the_clients_numbers_for_their_kind():
    memory = NumberingMemory()
    learn(memory, CHROME_OFFER)  # Chrome published audio (mid 0) and video (mid 1)
    offer = aiortc_offer(
        [
            ("audio", "0", "recvonly"),
            ("video", "1", "recvonly"),
            ("video", "2", "sendonly"),
            ("audio", "3", "sendonly"),
        ]
    )
    out = renumber_offer(offer, memory)

    for mid in ("1", "2"):
        video = section(out, mid)
        assert video[0] == "m=video 50000 UDP/TLS/RTP/SAVPF 96 97"
        assert "a=rtpmap:96 VP8/90000" in video
        assert "a=rtpmap:97 rtx/90000" in video
        assert "a=fmtp:97 apt=96" in video
        assert "a=rtcp-fb:96 ccm fir" in video
        assert extmaps(video) == {MID: 4, ABS: 2}
    for mid in ("0", "3"):
        audio = section(out, mid)
        assert audio[0] == "m=audio 50000 UDP/TLS/RTP/SAVPF 111"
        assert "a=rtpmap:111 opus/48000/2" in audio
        assert extmaps(audio) == {MID: 4, LEVEL: 1}
    # Everything else is untouched, and aiortc can still parse it.
    assert "a=group:BUNDLE 0 1 2 3" in out
    assert out.count("a=candidate:") == 4
    parsed = aiortc_sdp.SessionDescription.parse(out)
    assert [m.rtp.codecs[0].payloadType for m in parsed.media] == [111, 96, 96, 111]


def test_negotiated_sections_keep_their_numbers():
    memory = NumberingMemory()
    learn(memory, CHROME_OFFER)
    # A later answer negotiated mid 2 with other numbers: they must stay.
    answer = aiortc_offer([("video", "2", "recvonly")]).replace(
        "a=extmap:3 " + ABS, "a=extmap:9 " + ABS
    )
    learn(memory, answer)
    out = renumber_offer(
        aiortc_offer([("video", "2", "sendonly"), ("video", "5", "sendonly")]), memory
    )
    assert section(out, "2")[0].endswith(" 97 98")
    assert extmaps(section(out, "2")) == {MID: 1, ABS: 9}
    assert section(out, "5")[0].endswith(" 96 97")  # Chrome's video numbering
    assert extmaps(section(out, "5")) == {MID: 4, ABS: 2}


def test_a_kind_the_client_never_offered_avoids_every_id_it_used():
    client = aiortc_offer([("audio", "0", "sendonly")])
    # This client used 97 for audio and ids 1-3 for its extensions.
    client = client.replace(" 96\r\n", " 97\r\n").replace("rtpmap:96", "rtpmap:97")
    client = client.replace(f"a=extmap:1 {MID}", f"a=extmap:3 {MID}")
    client = client.replace(
        f"a=extmap:2 {LEVEL}",
        f"a=extmap:2 {LEVEL}\r\na=extmap:1 urn:ietf:params:rtp-hdrext:toffset",
    )
    memory = NumberingMemory()
    learn(memory, client)
    out = renumber_offer(
        aiortc_offer([("audio", "0", "recvonly"), ("video", "1", "sendonly")]), memory
    )
    video = section(out, "1")
    pts = [int(x) for x in video[0].split()[3:]]
    assert len(pts) == 2 and not set(pts) & {97}
    assert f"a=fmtp:{pts[1]} apt={pts[0]}" in video
    ids = extmaps(video)
    assert ids[MID] == 3  # the same URI keeps the client's id
    assert ids[ABS] not in (1, 2, 3)
    # The choice is remembered: the next offer uses the same numbers.
    again = renumber_offer(aiortc_offer([("video", "4", "sendonly")]), memory)
    assert section(again, "4")[0] == video[0]
    assert extmaps(section(again, "4")) == ids


def test_reject_sections_sets_port_zero_and_leaves_the_bundle():
    offer = aiortc_offer(
        [
            ("audio", "0", "sendonly"),
            ("video", "1", "sendonly"),
            ("video", "2", "recvonly"),
        ]
    )
    out = reject_sections(offer, {"1"})
    rejected = section(out, "1")
    assert rejected[0].startswith("m=video 0 UDP/TLS/RTP/SAVPF")
    assert "a=inactive" in rejected and "a=sendonly" not in rejected
    assert not [x for x in rejected if x.startswith(("a=candidate", "a=ssrc"))]
    assert "a=ice-ufrag:srv1" in rejected and "a=setup:active" in rejected
    assert "a=group:BUNDLE 0 2" in out
    assert section(out, "2") == section(offer, "2")
    assert rejected_mids(out) == {"1"}
    assert [(m.mid, m.rejected, m.sends) for m in media_info(out)] == [
        ("0", False, True),
        ("1", True, False),
        ("2", False, False),
    ]
    aiortc_sdp.SessionDescription.parse(out)
    # Rejecting everything drops the BUNDLE line altogether.
    assert "a=group:BUNDLE" not in reject_sections(offer, {"0", "1", "2"})


def test_fill_rejected_sections_completes_a_bare_port_zero_section():
    memory = NumberingMemory()
    learn(memory, CHROME_OFFER)
    bare = (
        CHROME_OFFER.replace("a=group:BUNDLE 0 1", "a=group:BUNDLE 0").split("m=video")[
            0
        ]
        + "m=video 0 UDP/TLS/RTP/SAVPF 0\r\na=mid:1\r\na=inactive\r\n"
    )
    filled = fill_rejected_sections(bare, memory)
    video = section(filled, "1")
    assert video[0] == "m=video 0 UDP/TLS/RTP/SAVPF 96 98 102"
    assert "a=rtcp-mux" in video and "a=ice-ufrag:Zx8f" in video
    assert "a=rtpmap:96 vp8/90000" in video
    parsed = aiortc_sdp.SessionDescription.parse(filled)
    assert parsed.media[1].ice.usernameFragment == "Zx8f"
    # Live sections are left alone.
    assert section(filled, "0") == section(bare, "0")


def test_primary_ssrc_is_never_the_rtx_one():
    assert primary_ssrc(CHROME_OFFER, "1") == (2002, 2003)
    assert primary_ssrc(CHROME_OFFER, "0") == (1001, None)
    assert primary_ssrc(CHROME_OFFER, "9") == (None, None)


def test_the_bundle_tag_is_made_inactive_not_rejected():
    offer = aiortc_offer([("audio", "0", "sendonly"), ("video", "1", "sendonly")])
    assert bundle_tag(offer) == "0"
    assert bundle_tag(reject_sections(offer, {"0"})) == "1"
    out = inactivate_sections(offer, {"0"})
    tag = section(out, "0")
    assert tag[0] == section(offer, "0")[0]  # same port
    assert "a=inactive" in tag and "a=sendonly" not in tag
    assert tag.index("a=inactive") == tag.index("a=mid:0") + 1
    assert "a=group:BUNDLE 0 1" in out
    assert section(out, "1") == section(offer, "1")
    assert bundle_tag("v=0\r\nm=audio 9 RTP/AVP 0\r\n") is None
