"""Chromium against the stand-in: the SDP Chrome accepts, media Chrome decodes.

The pages only hold RTCPeerConnections (fake camera and microphone); the test
itself calls the Calls API, as the app's server would, and moves SDP between
the API and the pages.
"""

from __future__ import annotations

import asyncio

import httpx
import playwright.async_api as playwright_api

from launch.servers import CHROMIUM, CHROMIUM_ARGS
from tests.sfu.sfu_support import auth, run

# Never skipped: scripts/setup.sh --test installs Debian's Chromium.

PAGE_JS = """
window.pc = new RTCPeerConnection({bundlePolicy: 'max-bundle', iceServers: []});
window.sent = {};
window.addMedia = async (constraints) => {
  const stream = await navigator.mediaDevices.getUserMedia(constraints);
  const mids = [];
  for (const track of stream.getTracks()) {
    const t = pc.addTransceiver(track, {direction: 'sendonly'});
    mids.push(t);
  }
  await pc.setLocalDescription(await pc.createOffer());
  return {sdp: pc.localDescription.sdp, mids: mids.map((t) => t.mid)};
};
window.stopAndOffer = async (mid) => {
  pc.getTransceivers().find((t) => t.mid === mid).stop();
  await pc.setLocalDescription(await pc.createOffer());
  return pc.localDescription.sdp;
};
window.answerOffer = async (offer) => {
  await pc.setRemoteDescription(offer);
  await pc.setLocalDescription(await pc.createAnswer());
  return pc.localDescription.sdp;
};
window.inbound = async () => {
  const out = {};
  (await pc.getStats()).forEach((s) => {
    if (s.type === 'inbound-rtp') {
      out[s.mid] = s.kind === 'video' ? (s.framesDecoded || 0) : s.packetsReceived;
    }
  });
  return out;
};
true;
"""


class Page:
    """One Chromium tab holding one session's PeerConnection."""

    def __init__(self, page, api: httpx.AsyncClient, session_id: str) -> None:
        self.page = page
        self.api = api
        self.sid = session_id

    async def publish(self, constraints: dict, names: list[str]) -> list[str]:
        offer = await self.page.evaluate("(c) => addMedia(c)", constraints)
        body = {
            "sessionDescription": {"type": "offer", "sdp": offer["sdp"]},
            "tracks": [
                {"location": "local", "mid": mid, "trackName": name}
                for mid, name in zip(offer["mids"], names, strict=True)
            ],
        }
        response = await self.api.post(f"/sessions/{self.sid}/tracks/new", json=body)
        assert response.status_code == 200, response.text
        data = response.json()
        assert all("errorCode" not in t for t in data["tracks"]), data["tracks"]
        await self.page.evaluate(
            "(a) => pc.setRemoteDescription(a)", data["sessionDescription"]
        )
        return offer["mids"]

    async def pull(self, publisher: str, names: list[str]) -> list[str]:
        body = {
            "tracks": [
                {"location": "remote", "sessionId": publisher, "trackName": name}
                for name in names
            ]
        }
        response = await self.api.post(f"/sessions/{self.sid}/tracks/new", json=body)
        assert response.status_code == 200, response.text
        data = response.json()
        answer = await self.page.evaluate(
            "(o) => answerOffer(o)", data["sessionDescription"]
        )
        response = await self.api.put(
            f"/sessions/{self.sid}/renegotiate",
            json={"sessionDescription": {"type": "answer", "sdp": answer}},
        )
        assert response.status_code == 200, response.text
        return [t["mid"] for t in data["tracks"]]

    async def close(self, mid: str) -> None:
        offer = await self.page.evaluate("(m) => stopAndOffer(m)", mid)
        response = await self.api.put(
            f"/sessions/{self.sid}/tracks/close",
            json={
                "tracks": [{"mid": mid}],
                "sessionDescription": {"type": "offer", "sdp": offer},
                "force": False,
            },
        )
        assert response.status_code == 200, response.text
        assert response.json()["tracks"] == [{"mid": mid}]
        await self.page.evaluate(
            "(a) => pc.setRemoteDescription(a)",
            response.json()["sessionDescription"],
        )

    async def state(self) -> str:
        return await self.page.evaluate("pc.connectionState")

    async def growing(self, mids: list[str], seconds: float = 6.0) -> dict:
        """Waits until every mid's frames (video) or packets (audio) grow."""
        first = await self.page.evaluate("inbound()")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            await asyncio.sleep(0.25)
            now = await self.page.evaluate("inbound()")
            if all(now.get(m, 0) > max(first.get(m, 0), 0) for m in mids):
                return now
            assert loop.time() < deadline, (mids, first, now)


def test_chromium_publishes_pulls_shares_screen_and_closes(sfu):
    async def scenario():
        async with (
            playwright_api.async_playwright() as playwright,
            httpx.AsyncClient(base_url=sfu.app_url, headers=auth(), timeout=20) as api,
        ):
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM, args=list(CHROMIUM_ARGS)
            )
            try:
                context = await browser.new_context()
                tabs = []
                for _ in range(2):
                    page = await context.new_page()
                    await page.goto(sfu.base_url)  # a secure (loopback) origin
                    await page.evaluate(PAGE_JS)
                    sid = (await api.post("/sessions/new")).json()["sessionId"]
                    tabs.append(Page(page, api, sid))
                alice, bob = tabs

                mic, cam = await alice.publish(
                    {"audio": True, "video": {"width": 320, "height": 240}},
                    ["mic", "cam"],
                )
                # Bob only receives: his session starts with the SFU's offer.
                pulled = await bob.pull(alice.sid, ["cam", "mic"])
                await bob.growing(pulled)
                assert await alice.state() == "connected"

                (screen,) = await alice.publish(
                    {"video": {"width": 160, "height": 120}}, ["screen"]
                )
                (screen_pull,) = await bob.pull(alice.sid, ["screen"])
                await bob.growing([screen_pull])

                # Bob drops the camera, then pulls it again (new mid).
                await bob.close(pulled[0])
                (cam_again,) = await bob.pull(alice.sid, ["cam"])
                await bob.growing([cam_again, pulled[1]])

                # Alice stops sharing; a new share recycles the m-line.
                await alice.close(screen)
                (screen2,) = await alice.publish(
                    {"video": {"width": 160, "height": 120}}, ["screen2"]
                )
                (screen2_pull,) = await bob.pull(alice.sid, ["screen2"])
                await bob.growing([screen2_pull, cam_again])

                # Closing the BUNDLE-tag track (force, no SDP) keeps Chrome's
                # transport: a later offer of Alice still works.
                response = await api.put(
                    f"/sessions/{alice.sid}/tracks/close",
                    json={"tracks": [{"mid": mic}], "force": True},
                )
                assert response.status_code == 200, response.text
                (mic2,) = await alice.publish({"audio": True}, ["mic2"])
                (mic2_pull,) = await bob.pull(alice.sid, ["mic2"])
                await bob.growing([mic2_pull, cam_again])
                assert await alice.state() == "connected"
                assert await bob.state() == "connected"
                for tab in tabs:
                    response = await api.get(f"/sessions/{tab.sid}")
                    assert response.status_code == 200
                assert len({mic, cam, screen, screen2, mic2}) == 5
            finally:
                await browser.close()

    run(scenario(), timeout=60)
