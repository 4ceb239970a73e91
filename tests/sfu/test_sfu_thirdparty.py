"""Contract of third-party sessions (an AI voice peer) on the stand-in.

The flow Orange Meets uses for its AI participant: ``sessions/new?thirdparty=true``,
``tracks/new`` with a bidirectional local track and no SDP (the SFU offers), the
third party's answer through ``renegotiate``, its voice pulled by participants
like any track, and a participant's track fed into the bidirectional
transceiver with ``tracks/new`` ``{location: remote, mid: "#<trackName>"}``.
"""

from __future__ import annotations

import asyncio
import time

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError
from aiortc.rtcconfiguration import RTCBundlePolicy

from reflex_meet.sfu.sdp_numbering import media_info
from tests.sfu.sfu_support import Api, ToneTrack, clients, run

VOICE = "ai-generated-voice"
BIDI = {
    "location": "local",
    "trackName": VOICE,
    "bidirectionalMediaStream": True,
    "kind": "audio",
}


class ThirdParty:
    """A server-side peer that only answers (like a realtime AI endpoint)."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.pc = RTCPeerConnection(
            RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
        )
        self.session_id = ""
        self.heard = 0
        self._tasks: list[asyncio.Task] = []
        self.pc.on("track", self._on_track)

    def _on_track(self, track) -> None:
        async def consume() -> None:
            try:
                while True:
                    await track.recv()
                    self.heard += 1
            except MediaStreamError:
                pass

        self._tasks.append(asyncio.ensure_future(consume()))

    async def new_session(self) -> str:
        response = await self.api.http.post(
            "/sessions/new", params={"thirdparty": "true"}
        )
        assert response.status_code == 201, response.text
        self.session_id = response.json()["sessionId"]
        return self.session_id

    async def offer_voice(self) -> dict:
        response = await self.api.http.post(
            f"/sessions/{self.session_id}/tracks/new", json={"tracks": [BIDI]}
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def answer(self, offer: dict) -> str:
        await self.pc.setRemoteDescription(RTCSessionDescription(**offer))
        (transceiver,) = self.pc.getTransceivers()
        transceiver.direction = "sendrecv"
        transceiver.sender.replaceTrack(ToneTrack())
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return self.pc.localDescription.sdp

    async def renegotiate(self, sdp: str):
        return await self.api.http.put(
            f"/sessions/{self.session_id}/renegotiate",
            json={"sessionDescription": {"type": "answer", "sdp": sdp}},
        )

    async def feed(self, session_id: str, track_name: str, mid: str) -> dict:
        response = await self.api.http.post(
            f"/sessions/{self.session_id}/tracks/new",
            json={
                "tracks": [
                    {
                        "location": "remote",
                        "sessionId": session_id,
                        "trackName": track_name,
                        "mid": mid,
                    }
                ]
            },
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def heard_after(self, seconds: float) -> int:
        before = self.heard
        await asyncio.sleep(seconds)
        return self.heard - before

    async def wait_heard(self, count: int, timeout: float = 8.0) -> None:
        deadline = time.monotonic() + timeout
        while self.heard < count:
            assert time.monotonic() < deadline, (
                f"the third party heard {self.heard} frames, wanted {count}; "
                f"log:\n{self.api.sfu.log()[-3000:]}"
            )
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await self.pc.close()


async def _connected_third_party(api: Api) -> tuple[ThirdParty, str]:
    ai = ThirdParty(api)
    await ai.new_session()
    data = await ai.offer_voice()
    response = await ai.renegotiate(await ai.answer(data["sessionDescription"]))
    assert response.status_code == 200, response.text
    return ai, data["tracks"][0]["mid"]


def test_the_sfu_offers_a_bidirectional_track_to_a_third_party(sfu):
    async def scenario():
        async with clients(sfu, 0):
            api = Api(sfu)
            ai = ThirdParty(api)
            try:
                sid = await ai.new_session()
                data = await ai.offer_voice()
                assert data["requiresImmediateRenegotiation"] is True
                offer = data["sessionDescription"]
                assert offer["type"] == "offer"
                (track,) = data["tracks"]
                assert "errorCode" not in track, track
                assert track["trackName"] == VOICE
                assert track["sessionId"] == sid
                assert track["location"] == "local"
                # One audio m-section that both sends and receives, nothing else
                # (no data-channel tag: a third party never closes tracks).
                (section,) = media_info(offer["sdp"])
                assert section.kind == "audio" and section.mid == track["mid"]
                assert "a=sendrecv" in offer["sdp"]
                assert "m=application" not in offer["sdp"]

                # Before the answer the track does not exist yet.
                info = (await api.get_session(sid)).json()
                assert info["tracks"] == []
                response = await ai.renegotiate(await ai.answer(offer))
                assert response.status_code == 200, response.text
                assert response.json() == {}
                status = await api.track_status(sid)
                assert status == {track["mid"]: "waiting"} or status == {
                    track["mid"]: "active"
                }
            finally:
                await ai.close()
                await api.aclose()

    run(scenario())


def test_participants_pull_the_voice_and_feed_the_third_party(sfu):
    async def scenario():
        async with clients(sfu, 2) as (alice, bob):
            ai, voice_mid = await _connected_third_party(alice.api)
            try:
                # Everyone pulls the third party's voice like any track.
                data = await bob.subscribe([(ai.session_id, VOICE)])
                (pulled,) = data["tracks"]
                assert "errorCode" not in pulled, pulled
                await bob.wait_frames(pulled["mid"], 25)
                assert bob.received[pulled["mid"]].kind == "audio"
                # Nothing is fed in yet: the third party hears nothing.
                assert ai.heard == 0

                # Alice's push-to-talk track goes into the bidirectional
                # transceiver by name: no renegotiation.
                await alice.publish({"ptt": ToneTrack()})
                await alice.wait_connected()
                fed = await ai.feed(alice.session_id, "ptt", f"#{VOICE}")
                assert fed["requiresImmediateRenegotiation"] is False
                assert "sessionDescription" not in fed
                (item,) = fed["tracks"]
                assert "errorCode" not in item, item
                assert item["mid"] == voice_mid
                assert item["sessionId"] == alice.session_id
                await ai.wait_heard(25)
                info = (await alice.api.get_session(ai.session_id)).json()
                remote = [t for t in info["tracks"] if t["location"] == "remote"]
                assert remote == [
                    {
                        "location": "remote",
                        "mid": voice_mid,
                        "trackName": "ptt",
                        "sessionId": alice.session_id,
                        "status": "active",
                    }
                ]

                # Another person takes over (by mid this time): the sender keeps
                # running on the new source.
                await bob.publish({"ptt": ToneTrack()})
                fed = await ai.feed(bob.session_id, "ptt", voice_mid)
                assert "errorCode" not in fed["tracks"][0], fed
                assert await ai.heard_after(1.0) >= 20
                info = (await alice.api.get_session(ai.session_id)).json()
                remote = [t for t in info["tracks"] if t["location"] == "remote"]
                assert [t["sessionId"] for t in remote] == [bob.session_id]
                # The voice still reaches Bob meanwhile.
                assert await bob.frames_after(pulled["mid"], 0.5) >= 10
            finally:
                await ai.close()

    run(scenario())


def test_feed_errors_are_per_track_inside_200(sfu):
    async def scenario():
        async with clients(sfu, 1) as (alice,):
            ai, _ = await _connected_third_party(alice.api)
            try:
                await alice.publish({"ptt": ToneTrack(), "cam-less": ToneTrack()})
                await alice.wait_connected()
                for mid, sid, name in (
                    ("#no-such-track", alice.session_id, "ptt"),
                    ("99", alice.session_id, "ptt"),
                    (f"#{VOICE}", alice.session_id, "nope"),
                    (f"#{VOICE}", "f" * 32, "ptt"),
                ):
                    fed = await ai.feed(sid, name, mid)
                    (item,) = fed["tracks"]
                    assert item["errorCode"] == "not_found_track_error", item
                    assert fed["requiresImmediateRenegotiation"] is False
                # A session without a bidirectional track cannot be fed.
                fed = await alice.http.post(
                    alice.path("/tracks/new"),
                    json={
                        "tracks": [
                            {
                                "location": "remote",
                                "sessionId": ai.session_id,
                                "trackName": VOICE,
                                "mid": "#ptt",
                            }
                        ]
                    },
                )
                assert fed.json()["tracks"][0]["errorCode"] == "not_found_track_error"
                # The same local name twice.
                again = await ai.offer_voice()
                assert again["tracks"][0]["errorCode"] == "repeated_local_track_error"
                assert again["requiresImmediateRenegotiation"] is False
            finally:
                await ai.close()

    run(scenario())


def test_bad_third_party_requests_are_400(sfu):
    async def scenario():
        api = Api(sfu)
        try:
            response = await api.http.post(
                "/sessions/new", params={"thirdparty": "maybe"}
            )
            assert response.status_code == 400
            assert response.json()["errorCode"] == "invalid_params"
            ai = ThirdParty(api)
            sid = await ai.new_session()
            url = f"/sessions/{sid}/tracks/new"
            for tracks in (
                [{**BIDI, "kind": None}],
                [{**BIDI, "kind": "smell"}],
                [{**BIDI, "mid": "0"}],
                [{**BIDI, "bidirectionalMediaStream": "yes"}],
                [BIDI, {"location": "remote", "sessionId": sid, "trackName": "x"}],
            ):
                response = await api.http.post(url, json={"tracks": tracks})
                assert response.status_code == 400, (tracks, response.text)
                assert response.json()["errorCode"] == "invalid_params"
            # A garbage answer to the SFU's offer is refused, and a real one
            # still works afterwards.
            data = await ai.offer_voice()
            response = await ai.renegotiate("v=0\r\nthis is not sdp\r\n")
            assert response.status_code == 400
            assert response.json()["errorCode"] == "invalid_session_description"
            response = await ai.renegotiate(await ai.answer(data["sessionDescription"]))
            assert response.status_code == 200, response.text
            await ai.close()
        finally:
            await api.aclose()

    run(scenario())


def test_closing_the_third_party_session_ends_its_voice_for_subscribers(sfu):
    async def scenario():
        async with clients(sfu, 1) as (bob,):
            ai, _ = await _connected_third_party(bob.api)
            data = await bob.subscribe([(ai.session_id, VOICE)])
            mid = data["tracks"][0]["mid"]
            await bob.wait_frames(mid, 10)
            await ai.close()  # the third party hangs up
            deadline = time.monotonic() + 10
            while (await bob.api.get_session(ai.session_id)).status_code != 410:
                assert time.monotonic() < deadline, "the session did not end"
                await asyncio.sleep(0.1)
            deadline = time.monotonic() + 5
            while (await bob.api.track_status(bob.session_id)).get(mid) != "inactive":
                assert time.monotonic() < deadline
                await asyncio.sleep(0.1)

    run(scenario())
