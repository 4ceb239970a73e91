"""Media contract of the stand-in: real aiortc clients publish and pull tracks.

Each test drives the stand-in subprocess over HTTP exactly as the browser app
drives Cloudflare Calls, and checks decoded frames arriving at the subscriber.
"""

from __future__ import annotations

import asyncio
import itertools

from aiortc.rtp import RTCP_PSFB_APP, RtcpPsfbPacket, unpack_remb_fci

from reflex_meet.sfu.sdp_numbering import primary_ssrc
from tests.sfu.sfu_support import (
    ClientPeer,
    SmallVideoTrack,
    ToneTrack,
    as_chrome_numbering,
    clients,
    numbering_conflicts,
    run,
    without_candidates,
)


async def _publish_cam_mic(peer: ClientPeer) -> dict[str, str]:
    mids = await peer.publish({"cam": SmallVideoTrack(), "mic": ToneTrack()})
    await peer.wait_connected()
    return mids


def test_publish_then_subscribe_forwards_video_and_audio(sfu):
    async def scenario():
        async with clients(sfu, 2) as (alice, bob):
            await _publish_cam_mic(alice)
            data = await bob.subscribe(
                [(alice.session_id, "cam"), (alice.session_id, "mic")]
            )
            assert data["requiresImmediateRenegotiation"] is True
            offer = data["sessionDescription"]
            assert offer["type"] == "offer"
            cam, mic = data["tracks"]
            assert cam["trackName"] == "cam" and mic["trackName"] == "mic"
            assert cam["sessionId"] == alice.session_id
            assert cam["location"] == "remote"
            assert cam["mid"] != mic["mid"]
            assert "errorCode" not in cam and "errorCode" not in mic

            await bob.wait_frames(cam["mid"], 15)
            await bob.wait_frames(mic["mid"], 25)
            assert bob.received[cam["mid"]].kind == "video"
            assert bob.received[cam["mid"]].width == 160  # forwarded, not rescaled
            assert bob.received[mic["mid"]].kind == "audio"
            # Media keeps flowing (about 30 fps video, 50 packets/s audio).
            assert await bob.frames_after(cam["mid"], 1.0) >= 10
            assert await bob.frames_after(mic["mid"], 0.5) >= 10

            status = await bob.api.track_status(bob.session_id)
            assert status == {cam["mid"]: "active", mic["mid"]: "active"}
            published = await alice.api.get_session(alice.session_id)
            tracks = {t["trackName"]: t for t in published.json()["tracks"]}
            assert tracks["cam"]["location"] == "local"
            assert tracks["cam"]["status"] == "active"
            assert tracks["mic"]["status"] == "active"

    run(scenario())


def test_one_track_fans_out_to_two_subscribers_on_one_connection(sfu):
    async def scenario():
        async with clients(sfu, 3) as (alice, bob, carol):
            await _publish_cam_mic(alice)
            screen = await alice.publish({"screen": SmallVideoTrack()})
            assert list(screen) == ["screen"]
            # Bob pulls in two calls on the same PeerConnection.
            first = await bob.subscribe([(alice.session_id, "cam")])
            await bob.wait_connected()
            second = await bob.subscribe(
                [(alice.session_id, "screen"), (alice.session_id, "mic")]
            )
            carol_data = await carol.subscribe([(alice.session_id, "cam")])
            mids = [first["tracks"][0]["mid"]] + [t["mid"] for t in second["tracks"]]
            assert len(set(mids)) == 3
            for mid in mids:
                await bob.wait_frames(mid, 10)
            await carol.wait_frames(carol_data["tracks"][0]["mid"], 10)

    run(scenario())


def test_unknown_track_is_a_per_track_error_inside_200(sfu):
    async def scenario():
        async with clients(sfu, 2) as (alice, bob):
            await _publish_cam_mic(alice)
            data = await bob.subscribe(
                [(alice.session_id, "nope"), (alice.session_id, "mic")]
            )
            missing, mic = data["tracks"]
            assert missing["errorCode"] == "not_found_track_error"
            assert missing["errorDescription"]
            assert "errorCode" not in mic
            await bob.wait_frames(mic["mid"], 10)

            # Only unknown tracks: 200, no SDP, nothing to renegotiate.
            only = await bob.subscribe([("0" * 32, "cam")])
            assert only["requiresImmediateRenegotiation"] is False
            assert "sessionDescription" not in only
            assert only["tracks"][0]["errorCode"] == "not_found_track_error"

    run(scenario())


def test_publish_errors_are_per_track(sfu):
    async def scenario():
        async with clients(sfu, 1) as (alice,):
            body, mids = await alice.publish_request({"cam": SmallVideoTrack()})
            body["tracks"] += [
                {"location": "local", "mid": "99", "trackName": "ghost"},
                {"location": "local", "mid": mids["cam"], "trackName": "cam2"},
            ]
            response = await alice.http.post(alice.path("/tracks/new"), json=body)
            assert response.status_code == 200, response.text
            cam, ghost, again = response.json()["tracks"]
            assert cam == {
                "mid": mids["cam"],
                "trackName": "cam",
                "sessionId": alice.session_id,
            }
            assert ghost["errorCode"] == "empty_track_error"
            assert again["errorCode"] == "repeated_local_track_error"

    run(scenario())


def test_overlapping_negotiations_get_406(sfu):
    async def scenario():
        async with clients(sfu, 2) as (alice, bob):
            await _publish_cam_mic(alice)
            await bob.publish({"mic": ToneTrack()})
            # Bob's PeerConnection is still connecting: both calls wait, so
            # they overlap for sure; exactly one may proceed.
            pull = {
                "tracks": [
                    {
                        "location": "remote",
                        "sessionId": alice.session_id,
                        "trackName": "cam",
                    }
                ]
            }
            responses = await asyncio.gather(
                bob.http.post(bob.path("/tracks/new"), json=pull),
                bob.http.post(bob.path("/tracks/new"), json=pull),
            )
            codes = sorted(r.status_code for r in responses)
            assert codes == [200, 406], [r.text for r in responses]
            refused = next(r for r in responses if r.status_code == 406).json()
            assert refused["errorCode"] == "session_error"
            assert "in progress" in refused["errorDescription"]

            # While the SFU's offer waits for its answer, another mutation
            # is refused too; the answer itself goes through.
            accepted = next(r for r in responses if r.status_code == 200).json()
            again = await bob.http.post(bob.path("/tracks/new"), json=pull)
            assert again.status_code == 406
            await bob.answer(accepted["sessionDescription"])
            await bob.wait_frames(accepted["tracks"][0]["mid"], 5)

    run(scenario())


def test_close_published_track_stops_forwarding(sfu):
    async def scenario():
        async with clients(sfu, 2) as (alice, bob):
            mids = await _publish_cam_mic(alice)
            data = await bob.subscribe(
                [(alice.session_id, "cam"), (alice.session_id, "mic")]
            )
            cam_mid, mic_mid = (t["mid"] for t in data["tracks"])
            await bob.wait_frames(cam_mid, 10)

            closed = await alice.close_tracks([mids["cam"]], extra=["77"])
            assert closed["requiresImmediateRenegotiation"] is False
            assert closed["sessionDescription"]["type"] == "answer"
            ok, unknown = closed["tracks"]
            assert ok == {"mid": mids["cam"]}
            assert unknown["errorCode"] == "close_track_error"
            answer = closed["sessionDescription"]["sdp"]
            assert "m=video 0 " in answer
            bundle = next(x for x in answer.splitlines() if "group:BUNDLE" in x)
            assert mids["cam"] not in bundle.split()[1:]

            await asyncio.sleep(0.3)
            assert await bob.frames_after(cam_mid, 0.7) == 0
            assert await bob.frames_after(mic_mid, 0.5) > 5
            status = await bob.api.track_status(bob.session_id)
            assert status == {cam_mid: "inactive", mic_mid: "active"}
            published = await alice.api.track_status(alice.session_id)
            assert published == {mids["mic"]: "active"}
            # The closed track can no longer be pulled.
            again = await bob.subscribe([(alice.session_id, "cam")])
            assert again["tracks"][0]["errorCode"] == "not_found_track_error"

    run(scenario())


def test_subscriber_closes_its_pulled_track(sfu):
    async def scenario():
        async with clients(sfu, 2) as (alice, bob):
            await _publish_cam_mic(alice)
            data = await bob.subscribe(
                [(alice.session_id, "cam"), (alice.session_id, "mic")]
            )
            cam_mid, mic_mid = (t["mid"] for t in data["tracks"])
            await bob.wait_frames(cam_mid, 5)
            closed = await bob.close_tracks([cam_mid])
            assert closed["tracks"] == [{"mid": cam_mid}]
            status = await bob.api.track_status(bob.session_id)
            assert status == {mic_mid: "active"}
            assert await bob.frames_after(mic_mid, 0.5) > 5
            # Pull the same track again: a new mid, media again.
            again = await bob.subscribe([(alice.session_id, "cam")])
            new_mid = again["tracks"][0]["mid"]
            assert new_mid not in (cam_mid, mic_mid)
            assert "m=video 0 " in again["sessionDescription"]["sdp"]
            await bob.wait_frames(new_mid, 5)

    run(scenario())


def test_pull_on_a_session_that_never_connected_gets_425(sfu):
    async def scenario():
        async with clients(sfu, 2) as (alice, bob):
            await _publish_cam_mic(alice)
            # Bob offers, but never applies the answer: no connection.
            body, _ = await bob.publish_request({"mic": ToneTrack()})
            response = await bob.http.post(bob.path("/tracks/new"), json=body)
            assert response.status_code == 200
            pull = {
                "tracks": [
                    {
                        "location": "remote",
                        "sessionId": alice.session_id,
                        "trackName": "cam",
                    }
                ]
            }
            loop = asyncio.get_running_loop()
            started = loop.time()
            response = await bob.http.post(bob.path("/tracks/new"), json=pull)
            waited = loop.time() - started
            assert response.status_code == 425, response.text
            assert response.json()["errorCode"] == "session_error"
            assert 0.9 <= waited < 3.0  # waits --connect-wait (1 s) first

    run(scenario())


def test_keyframe_requests_and_fixed_remb_reach_the_publisher(sfu):
    async def scenario():
        async with clients(sfu, 2) as (alice, bob):
            await alice.publish({"cam": SmallVideoTrack()})
            await alice.wait_connected()
            await asyncio.sleep(0.3)
            sender = alice.pc.getTransceivers()[0].sender
            forced, rembs = [], []
            original_keyframe = sender._send_keyframe
            original_rtcp = sender._handle_rtcp_packet

            def keyframe_spy():
                forced.append(asyncio.get_running_loop().time())
                original_keyframe()

            async def rtcp_spy(packet):
                if isinstance(packet, RtcpPsfbPacket) and packet.fmt == RTCP_PSFB_APP:
                    rembs.append(unpack_remb_fci(packet.fci))
                await original_rtcp(packet)

            sender._send_keyframe = keyframe_spy
            sender._handle_rtcp_packet = rtcp_spy
            data = await bob.subscribe([(alice.session_id, "cam")])
            mid = data["tracks"][0]["mid"]
            await bob.wait_frames(mid, 5)
            await asyncio.sleep(1.2)
            # The burst after a new subscription: several PLIs, rate-limited.
            assert 3 <= len(forced) <= 8, forced
            # PLIs leave the SFU at least 0.2 s apart; on arrival one can be late
            # and the next on time (a loaded machine), so spacing is averaged.
            gaps = [b - a for a, b in itertools.pairwise(forced)]
            assert sum(gaps) / len(gaps) >= 0.15, gaps
            # A fixed REMB of 2 Mbps for the publisher's SSRC, about each second.
            assert rembs and all(bitrate == 2_000_000 for bitrate, _ in rembs)
            assert all(ssrcs == [sender._ssrc] for _, ssrcs in rembs)

            # Bob's own PLI (to the SFU's sender SSRC) is relayed to Alice.
            sfu_ssrc = primary_ssrc(data["sessionDescription"]["sdp"], mid)[0]
            receiver = next(
                t.receiver for t in bob.pc.getTransceivers() if t.mid == mid
            )
            before = len(forced)
            await receiver._send_rtcp_pli(sfu_ssrc)
            await asyncio.sleep(0.5)
            assert len(forced) == before + 1

    run(scenario())


def test_close_without_sdp_forced_or_renegotiated(sfu):
    async def scenario():
        async with clients(sfu, 2) as (alice, bob):
            await _publish_cam_mic(alice)
            data = await bob.subscribe(
                [(alice.session_id, "cam"), (alice.session_id, "mic")]
            )
            cam_mid, mic_mid = (t["mid"] for t in data["tracks"])
            await bob.wait_frames(cam_mid, 5)

            forced = await bob.http.put(
                bob.path("/tracks/close"),
                json={"tracks": [{"mid": mic_mid}], "force": True},
            )
            assert forced.status_code == 200, forced.text
            assert forced.json() == {
                "tracks": [{"mid": mic_mid}],
                "requiresImmediateRenegotiation": False,
            }
            assert await bob.api.track_status(bob.session_id) == {cam_mid: "active"}

            closed = await bob.http.put(
                bob.path("/tracks/close"),
                json={"tracks": [{"mid": cam_mid}], "force": False},
            )
            body = closed.json()
            assert body["requiresImmediateRenegotiation"] is True
            offer = body["sessionDescription"]
            assert offer["type"] == "offer"
            assert _section(offer["sdp"], cam_mid).startswith("m=video 0 ")
            assert _section(offer["sdp"], mic_mid).startswith("m=audio 0 ")
            await bob.answer(offer)
            assert await bob.api.track_status(bob.session_id) == {}
            await asyncio.sleep(0.3)
            assert await bob.frames_after(cam_mid, 0.5) == 0

    run(scenario())


def _section(sdp: str, mid: str) -> str:
    for part in sdp.split("\r\nm=")[1:]:
        if f"\r\na=mid:{mid}\r\n" in "\r\n" + part + "\r\n":
            return "m=" + part
    raise AssertionError(f"no m-section {mid}")


def _extmaps(section: str) -> dict[str, int]:
    return {
        line.split()[1]: int(line.split()[0][len("a=extmap:") :])
        for line in section.splitlines()
        if line.startswith("a=extmap:")
    }


MID_URI = "urn:ietf:params:rtp-hdrext:sdes:mid"
ABS_URI = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"


def test_sfu_offers_keep_a_chrome_clients_numbering(sfu):
    async def scenario():
        async with clients(sfu, 3) as (alice, bob, carol):
            await alice.publish(
                {"cam": SmallVideoTrack(), "mic": ToneTrack()},
                munge=as_chrome_numbering,
            )
            await alice.wait_connected()
            # Bob offered audio only; Carol audio and video (Chrome numbers).
            await bob.publish({"mic": ToneTrack()}, munge=as_chrome_numbering)
            await carol.publish(
                {"cam": SmallVideoTrack(), "mic": ToneTrack()},
                munge=as_chrome_numbering,
            )
            await bob.wait_connected()
            await carol.wait_connected()
            pairs = [(alice.session_id, "cam"), (alice.session_id, "mic")]
            for_bob = await bob.subscribe(pairs)
            for_carol = await carol.subscribe(pairs)

            sdp = for_carol["sessionDescription"]["sdp"]
            assert numbering_conflicts(sdp) == []
            cam, mic = (_section(sdp, t["mid"]) for t in for_carol["tracks"])
            assert cam.split("\r\n")[0].endswith(" 96 97")
            assert _extmaps(cam) == {MID_URI: 4, ABS_URI: 2}
            assert mic.split("\r\n")[0].endswith(" 111")
            assert f"a=msid:{alice.session_id} cam" in cam
            assert f"a=msid:{alice.session_id} mic" in mic
            # Carol's own published m-sections keep their numbers too.
            assert _section(sdp, "0").split("\r\n")[0].endswith(" 96 97")

            sdp = for_bob["sessionDescription"]["sdp"]
            assert numbering_conflicts(sdp) == []
            cam, mic = (_section(sdp, t["mid"]) for t in for_bob["tracks"])
            video_pts = {int(x) for x in cam.split("\r\n")[0].split()[3:]}
            assert len(video_pts) == 2 and 111 not in video_pts
            ids = _extmaps(cam)
            assert ids[MID_URI] == 4 and ids[ABS_URI] not in (1, 4)
            assert mic.split("\r\n")[0].endswith(" 111")

            for peer, data in ((bob, for_bob), (carol, for_carol)):
                for track in data["tracks"]:
                    await peer.wait_frames(track["mid"], 8)

    run(scenario())


def test_chrome_style_sdp_without_candidates_still_connects(sfu):
    """Chrome sends its SDP before gathering: the stand-in must connect anyway.

    Bob only receives: his first call pulls tracks, so the stand-in offers and
    Bob's answer (like Chrome's) carries no candidate.
    """

    async def scenario():
        async with clients(sfu, 2) as (alice, bob):
            await alice.publish(
                {"cam": SmallVideoTrack(), "mic": ToneTrack()},
                munge=lambda sdp: without_candidates(as_chrome_numbering(sdp)),
            )
            await alice.wait_connected()
            data = await bob.subscribe(
                [(alice.session_id, "cam"), (alice.session_id, "mic")],
                munge=without_candidates,
            )
            offer = data["sessionDescription"]["sdp"]
            assert "a=setup:actpass" in offer
            assert numbering_conflicts(offer) == []
            for track in data["tracks"]:
                await bob.wait_frames(track["mid"], 10)
            status = await bob.api.track_status(bob.session_id)
            assert set(status.values()) == {"active"}

    run(scenario())


def test_the_bundle_tag_track_closed_by_the_sfu_stays_in_the_bundle(sfu):
    """Chrome rebuilds its transport if the BUNDLE tag m-section is rejected."""

    async def scenario():
        async with clients(sfu, 2) as (alice, bob):
            mids = await _publish_cam_mic(alice)
            assert mids["cam"] == "0"  # the BUNDLE tag of Alice's connection
            data = await bob.subscribe([(alice.session_id, "mic")])
            await bob.wait_frames(data["tracks"][0]["mid"], 5)
            forced = await alice.http.put(
                alice.path("/tracks/close"),
                json={"tracks": [{"mid": mids["cam"]}], "force": True},
            )
            assert forced.status_code == 200, forced.text
            # Alice's next offer still has the m-section live: it is answered
            # inactive, not rejected, and stays the BUNDLE tag.
            await alice.publish({"screen": SmallVideoTrack()})
            answer = alice.pc.remoteDescription.sdp
            tag = _section(answer, mids["cam"])
            assert not tag.startswith("m=video 0 ")
            assert "a=inactive" in tag
            assert "a=group:BUNDLE 0 1 2" in answer
            # The same in an offer of the stand-in.
            pulled = await alice.subscribe(
                [(bob.session_id, "nothing"), (alice.session_id, "mic")]
            )
            offer = pulled["sessionDescription"]["sdp"]
            assert "a=inactive" in _section(offer, mids["cam"])
            assert offer.split("a=group:BUNDLE ")[1].startswith("0 ")
            await alice.wait_frames(pulled["tracks"][1]["mid"], 5)
            assert await bob.frames_after(data["tracks"][0]["mid"], 0.4) > 5
            status = await alice.api.track_status(alice.session_id)
            assert mids["cam"] not in status

    run(scenario())
