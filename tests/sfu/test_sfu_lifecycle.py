"""Timeouts and closed sessions (stand-in with shortened timeouts)."""

from __future__ import annotations

import asyncio

import httpx

from tests.sfu.sfu_support import SmallVideoTrack, ToneTrack, auth, clients, run


def test_track_without_media_is_cleaned_up(sfu_short):
    async def scenario():
        async with clients(sfu_short, 2) as (alice, bob):
            mids = await alice.publish({"cam": SmallVideoTrack(), "mic": ToneTrack()})
            await alice.wait_connected()
            data = await bob.subscribe(
                [(alice.session_id, "cam"), (alice.session_id, "mic")]
            )
            cam_mid, mic_mid = (t["mid"] for t in data["tracks"])
            await bob.wait_frames(cam_mid, 5)

            # Alice's camera stops sending (track-timeout is 1.5 s here).
            camera = next(t for t in alice.pc.getTransceivers() if t.mid == mids["cam"])
            camera.sender.replaceTrack(None)
            await asyncio.sleep(0.5)
            assert (await alice.api.track_status(alice.session_id))[
                mids["cam"]
            ] == "active"
            await asyncio.sleep(2.0)

            published = await alice.api.track_status(alice.session_id)
            assert published == {mids["cam"]: "inactive", mids["mic"]: "active"}
            pulled = await bob.api.track_status(bob.session_id)
            assert pulled == {cam_mid: "inactive", mic_mid: "active"}
            assert await bob.frames_after(mic_mid, 0.4) > 5
            again = await bob.subscribe([(alice.session_id, "cam")])
            assert again["tracks"][0]["errorCode"] == "not_found_track_error"

    run(scenario())


def test_closed_peer_connection_makes_the_session_410(sfu_short):
    async def scenario():
        async with clients(sfu_short, 2) as (alice, bob):
            await alice.publish({"cam": SmallVideoTrack()})
            await alice.wait_connected()
            data = await bob.subscribe([(alice.session_id, "cam")])
            cam_mid = data["tracks"][0]["mid"]
            await bob.wait_frames(cam_mid, 5)

            await alice.pc.close()
            for _ in range(40):
                response = await alice.api.get_session(alice.session_id)
                if response.status_code == 410:
                    break
                await asyncio.sleep(0.1)
            assert response.status_code == 410, response.text
            assert response.json()["errorCode"] == "session_error"
            # Every operation on it is 410 now, and its tracks are gone.
            pull = {
                "tracks": [
                    {
                        "location": "remote",
                        "sessionId": bob.session_id,
                        "trackName": "x",
                    }
                ]
            }
            closed = await alice.http.post(alice.path("/tracks/new"), json=pull)
            assert closed.status_code == 410
            assert (await bob.api.track_status(bob.session_id)) == {cam_mid: "inactive"}
            again = await bob.subscribe([(alice.session_id, "cam")])
            assert again["tracks"][0]["errorCode"] == "not_found_track_error"

    run(scenario())


def test_session_that_never_connects_expires_to_410(sfu_short):
    with httpx.Client(base_url=sfu_short.app_url, headers=auth(), timeout=10) as api:
        sid = api.post("/sessions/new").json()["sessionId"]
        assert api.get(f"/sessions/{sid}").status_code == 200
        deadline = 6.0
        step = 0.25
        status = 200
        while deadline > 0 and status == 200:
            asyncio.run(asyncio.sleep(step))
            deadline -= step
            status = api.get(f"/sessions/{sid}").status_code
        assert status == 410
