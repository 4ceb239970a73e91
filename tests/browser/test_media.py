"""Real media through Calls (the local stand-in) between Chromium tabs.

Media is proven with ``getStats()``: frames decoded and audio packets rising
between two samples, and a decoded width, never by the presence of a tag.
"""

from __future__ import annotations

import time

import httpx
from playwright.sync_api import Page, expect

from launch.room_page import (
    announced,
    assert_media_flows,
    bridge_update,
    calls_api,
    inbound,
    join,
    media_ready,
    own_track_ids,
    set_display_name,
    stats_for,
    tile_named,
    tiles,
    wait_for,
)
from tests.browser.conftest import new_room_id


def meet(url: str, person, room: str) -> tuple[Page, Page]:
    ada = person(url, "Ada")
    join(ada, url, room)
    media_ready(ada)
    bob = person(url, "Bob")
    join(bob, url, room)
    media_ready(bob)
    for page in (ada, bob):
        expect(tiles(page)).to_have_count(2)
    return ada, bob


def test_two_people_see_and_hear_each_other(app_server, person):
    url = app_server["url"]
    ada, bob = meet(url, person, new_room_id())
    ada_ids, bob_ids = announced(ada), announced(bob)
    assert ada_ids["mic"].split("/")[0] != bob_ids["mic"].split("/")[0]

    assert_media_flows(bob, ada_ids["camera"], "video")
    assert_media_flows(bob, ada_ids["mic"], "audio")
    assert_media_flows(ada, bob_ids["camera"], "video")
    assert_media_flows(ada, bob_ids["mic"], "audio")
    # The tile shows the decoded video (self view mirrored, others not).
    bob_video = tile_named(ada, "Bob").get_by_test_id("tile-video")
    expect(bob_video).to_have_attribute("data-track-id", bob_ids["camera"])
    wait_for(
        ada,
        lambda: int(bob_video.get_attribute("data-video-width") or 0) > 0,
        "video width",
    )
    assert bob_video.evaluate("v => v.videoWidth") > 0
    own = tiles(ada).first.get_by_test_id("tile-video")
    assert "scaleX(-1)" in (own.get_attribute("style") or "")
    assert "scaleX(-1)" not in (bob_video.get_attribute("style") or "")


def test_mute_keeps_audio_subscribed_and_camera_off_shows_the_avatar(
    app_server, person
):
    url = app_server["url"]
    ada, bob = meet(url, person, new_room_id())
    ada_ids = announced(ada)
    assert_media_flows(bob, ada_ids["mic"], "audio")

    ada.get_by_test_id("toggle-mic").click()
    expect(tile_named(bob, "Ada").get_by_test_id("mic-off-icon")).to_be_visible()
    # Same track, still pulled, packets (silence) still arriving: no re-subscribe.
    assert own_track_ids(ada)["mic"] == ada_ids["mic"]
    assert_media_flows(bob, ada_ids["mic"], "audio")

    ada.get_by_test_id("toggle-camera").click()
    ada_on_bob = tile_named(bob, "Ada")
    expect(ada_on_bob).to_have_attribute("data-video", "off")
    expect(ada_on_bob.locator(".meet-avatar")).to_be_visible()
    expect(ada_on_bob.get_by_test_id("tile-video")).to_be_hidden()
    # Her camera stays pulled (black frames): turning it on re-pulls nothing.
    bob.wait_for_timeout(1_000)
    pulled = bob.evaluate("() => [...window.meetMedia.pulled.keys()]")
    assert ada_ids["camera"] in pulled

    ada.get_by_test_id("toggle-camera").click()
    expect(ada_on_bob).to_have_attribute("data-video", "on")
    assert own_track_ids(ada)["camera"] == ada_ids["camera"]
    assert_media_flows(bob, ada_ids["camera"], "video")


CANVAS_SHARE = """async () => {
    // Headless Chromium has no screen to capture: share a drawn canvas through
    // the same engine path (publish "screen", announce, others pull it).
    const canvas = Object.assign(document.createElement('canvas'), {width: 640, height: 360});
    const paint = canvas.getContext('2d');
    let n = 0;
    window.__shareTimer = setInterval(() => {
        paint.fillStyle = `hsl(${(n += 7) % 360} 70% 50%)`;
        paint.fillRect(0, 0, 640, 360);
    }, 50);
    return await window.meetMedia.startScreenShare(canvas.captureStream(15).getVideoTracks()[0]);
}"""


def test_screen_share_is_an_extra_pinned_tile(app_server, person):
    url = app_server["url"]
    ada, bob = meet(url, person, new_room_id())
    assert ada.evaluate(CANVAS_SHARE) is True
    screen_id = wait_for(ada, lambda: own_track_ids(ada).get("screen"), "screen id")
    expect(ada.get_by_test_id("screen-share-toggle")).to_have_attribute(
        "aria-pressed", "true"
    )

    expect(tiles(bob)).to_have_count(3)
    screen_tile = bob.locator("[data-testid=participant-tile][data-kind=screen]")
    expect(screen_tile).to_have_attribute("data-pinned", "true")
    expect(screen_tile.get_by_test_id("tile-video")).to_have_attribute(
        "data-track-id", screen_id
    )
    assert_media_flows(bob, screen_id, "video")

    # Unpin, then stop sharing: the tile goes.
    screen_tile.get_by_test_id("pin-toggle").click()
    expect(screen_tile).to_have_attribute("data-pinned", "false")
    ada.get_by_test_id("screen-share-toggle").click()
    expect(tiles(bob)).to_have_count(2)


def test_leaving_removes_the_tile_and_closes_the_tracks(app_server, person):
    url = app_server["url"]
    standin = app_server["standin"]
    ada, bob = meet(url, person, new_room_id())
    ada_ids = announced(ada)
    session = ada_ids["mic"].split("/")[0]
    assert_media_flows(bob, ada_ids["camera"], "video")

    ada.get_by_test_id("leave").click()
    expect(tiles(bob)).to_have_count(1)
    # The stand-in saw Ada's tracks closed (or her session gone).
    headers = {"Authorization": f"Bearer {standin['secret']}"}
    api = f"{standin['url']}/apps/{standin['app_id']}/sessions/{session}"

    def closed() -> bool:
        answer = httpx.get(api, headers=headers, timeout=5)
        if answer.status_code in (404, 410):
            return True
        tracks = answer.json().get("tracks", [])
        local = [t for t in tracks if t.get("location") == "local"]
        return all(t.get("status") != "active" for t in local)

    wait_for(bob, closed, "Ada's tracks closed on the stand-in")
    # Bob no longer pulls them.
    wait_for(bob, lambda: ada_ids["camera"] not in inbound(bob), "unsubscribed")


def test_the_proxy_refuses_other_rooms_and_other_sessions(app_server, person):
    url = app_server["url"]
    ada, bob = meet(url, person, new_room_id())
    eve = person(url, "Eve")
    join(eve, url, new_room_id())
    media_ready(eve)
    eve_ids = announced(eve)
    bob_ids = announced(bob)
    ada_session = own_track_ids(ada)["mic"].split("/")[0]
    eve_session, eve_cam = eve_ids["camera"].split("/")

    # Subscribing to a track of another room is refused.
    answer = calls_api(
        ada,
        "tracks/new",
        ada_session,
        {
            "tracks": [
                {"location": "remote", "sessionId": eve_session, "trackName": eve_cam}
            ]
        },
    )
    assert answer["error"]["code"] == "track_not_in_room", answer
    # Acting on somebody else's session is refused, whatever the operation.
    bob_session = bob_ids["mic"].split("/")[0]
    for op, body in (
        ("session", None),
        ("tracks/close", {"tracks": [{"mid": "0"}], "force": True}),
    ):
        answer = calls_api(ada, op, bob_session, body)
        assert answer["error"]["code"] == "not_your_session", answer
    # Unknown operations never reach Calls.
    assert calls_api(ada, "sessions/delete", ada_session, None)["error"]["code"] == (
        "unknown_operation"
    )
    # The refused requests did not disturb anybody's media.
    assert_media_flows(bob, own_track_ids(ada)["camera"], "video")


FAIL_CONNECTION = """() => {
    // Make the browser report a failed connection on the live PeerConnection:
    // the engine's own watcher must start a new session and republish.
    const pc = window.meetMedia.pc;
    Object.defineProperty(pc, 'connectionState', {get: () => 'failed'});
    pc.onconnectionstatechange();
}"""


def test_a_failed_connection_recovers_with_a_new_session(app_server, person):
    url = app_server["url"]
    ada, bob = meet(url, person, new_room_id())
    before = announced(ada)
    assert_media_flows(bob, before["camera"], "video")

    ada.evaluate(FAIL_CONNECTION)
    expect(ada.get_by_text("Connection lost. Reconnecting…")).to_be_visible()
    after = wait_for(
        ada,
        lambda: (
            (ids := own_track_ids(ada)).get("camera") not in (None, before["camera"])
            and "mic" in ids
            and ids
        ),
        "new track ids",
    )
    assert after["camera"].split("/")[0] != before["camera"].split("/")[0]
    expect(ada.get_by_text("Reconnected")).to_be_visible()
    # Bob follows the announcement to the new tracks; Ada pulls Bob again.
    assert_media_flows(bob, after["camera"], "video")
    assert_media_flows(bob, after["mic"], "audio")
    assert_media_flows(ada, announced(bob)["camera"], "video")


def test_speaking_ring_follows_the_audio_received(app_server, person):
    url = app_server["url"]
    ada, bob = meet(url, person, new_room_id())
    ada_ids = announced(ada)
    assert_media_flows(bob, ada_ids["mic"], "audio")
    # Chromium's fake microphone beeps: Bob's browser sees Ada speak, from the
    # audio level of the track it receives (no server round trip).
    ring = tile_named(bob, "Ada").get_by_test_id("speaking-ring")
    expect(ring).to_have_attribute("data-speaking", "true", timeout=15_000)
    ada.get_by_test_id("toggle-mic").click()
    expect(tile_named(bob, "Ada").get_by_test_id("mic-off-icon")).to_be_visible()
    bob.wait_for_timeout(1500)
    expect(ring).to_have_attribute("data-speaking", "false")


def test_device_menus_list_devices_and_remember_the_choice(app_server, person):
    url = app_server["url"]
    room = new_room_id()
    ada = person(url, "Ada")
    join(ada, url, room)
    media_ready(ada)
    ada.get_by_test_id("open-settings").click()
    camera = ada.get_by_test_id("device-select-camera")
    expect(camera).to_be_visible()
    expect(ada.get_by_label("Microphone", exact=True).last).to_be_visible()
    options = camera.locator("option")
    expect(options).not_to_have_count(1)
    device_id = options.nth(1).get_attribute("value")
    camera.select_option(device_id)
    assert (
        ada.evaluate("() => localStorage.getItem('meet.device.videoinput')")
        == device_id
    )
    # The camera track now comes from that device, and media still flows.
    ada.wait_for_function(
        "id => window.meetMedia.cameraTrack?.getSettings().deviceId === id",
        arg=device_id,
    )
    ada.reload()
    media_ready(ada)
    ada.get_by_test_id("open-settings").click()
    expect(ada.get_by_test_id("device-select-camera")).to_have_value(device_id)


def test_what_a_calls_request_costs_the_other_members(app_server, person):
    """Measured room traffic of the proxy: Ada's private Calls requests."""
    url = app_server["url"]
    ada, bob = meet(url, person, new_room_id())
    session = announced(ada)["mic"].split("/")[0]
    announced(bob)
    deltas: list[int] = []
    bob.on(
        "websocket",
        lambda ws: ws.on(
            "framereceived",
            lambda frame: deltas.append(len(frame)) if "delta" in str(frame) else None,
        ),
    )
    bob.reload()
    media_ready(bob)
    bob.wait_for_timeout(3_000)
    deltas.clear()
    for _ in range(10):
        assert "body" in calls_api(ada, "session", session, None)
    bob.wait_for_timeout(1_000)
    print(
        f"10 Calls requests of Ada cost Bob {len(deltas)} messages, {sum(deltas)} bytes"
    )
    # Private events are private (state/fanout.py corrects Reflex 0.10.1,
    # which re-sent the room to every member for each event of one member).
    assert deltas == []


def test_video_is_pulled_only_for_tiles_on_stage_audio_for_everyone(
    app_server, person, browser
):
    url = app_server["url"]
    room = new_room_id()
    bob, cy = person(url, "Bob"), person(url, "Cy")
    for page in (bob, cy):
        join(page, url, room)
        media_ready(page)
    # A narrow screen shows two tiles: Ada herself and one other person.
    narrow = browser.new_context(
        permissions=["camera", "microphone"], viewport={"width": 480, "height": 900}
    )
    try:
        ada = narrow.new_page()
        set_display_name(ada, url, "Ada")
        join(ada, url, room)
        media_ready(ada)
        expect(tiles(ada)).to_have_count(2)
        expect(ada.get_by_test_id("overflow")).to_have_text("+1 more")
        others = [announced(bob), announced(cy)]
        mics = sorted(o["mic"] for o in others)

        def stage_and_pulls() -> tuple[str, list[str]] | None:
            # The tile on stage (the active speaker may take the place) and
            # what is pulled, read at one instant; None until they agree.
            shown_name, pulled = ada.evaluate(
                """() => [window.meetRoster.view.stage_tiles[1]?.name,
                         [...window.meetMedia.pulled.keys()].sort()]"""
            )
            shown = others[0] if shown_name == "Bob" else others[1]
            want = sorted([*mics, shown["camera"]])
            return (shown_name, pulled) if pulled == want else None

        deadline = time.monotonic() + 15
        while (agreed := stage_and_pulls()) is None and time.monotonic() < deadline:
            ada.wait_for_timeout(200)
        assert agreed is not None, "the pulled tracks never matched the stage"
        shown, hidden = (
            (others[0], others[1]) if agreed[0] == "Bob" else (others[1], others[0])
        )
        assert hidden["camera"] not in agreed[1]
        assert_media_flows(ada, shown["camera"], "video")
        assert_media_flows(ada, shown["mic"], "audio")
        assert_media_flows(ada, hidden["mic"], "audio")
    finally:
        narrow.close()


def test_camera_turned_off_in_the_lobby_is_published_and_shown_when_turned_on(
    app_server, person
):
    """The camera sender exists from the start (black while off): turning the
    camera on later swaps the real track in, with the same track id."""
    url = app_server["url"]
    room = new_room_id()
    bob = person(url, "Bob")
    join(bob, url, room)
    media_ready(bob)
    ada = person(url, "Ada")
    ada.goto(f"{url}/{room}")
    ada.get_by_test_id("toggle-camera").click()  # as early as the page allows
    expect(ada.get_by_test_id("toggle-camera")).to_have_attribute(
        "aria-pressed", "false"
    )
    ada.get_by_test_id("join").click()
    ada.wait_for_url(f"**/{room}/room")
    media_ready(ada)
    ids = announced(ada)
    expect(tile_named(bob, "Ada")).to_have_attribute("data-video", "off")
    ada.get_by_test_id("toggle-camera").click()
    expect(tile_named(bob, "Ada")).to_have_attribute("data-video", "on")
    assert own_track_ids(ada)["camera"] == ids["camera"]
    assert_media_flows(bob, ids["camera"], "video")
    wait_for(
        bob,
        lambda: (s := stats_for(bob, ids["camera"])) and s["frameWidth"] > 320,
        "the real camera (not the black placeholder)",
    )


PULLS_OF = """([session, name]) => window.meetMedia.history.filter((e) =>
    e.direction === 'request' && e.op === 'tracks/new' && (e.body?.tracks || []).some(
        (t) => t.location === 'remote' && t.sessionId === session && t.trackName === name)
).length"""

FAILED_PULLS_OF = """([session, name]) => window.meetMedia.history.filter((e) =>
    e.direction === 'response' && e.op === 'tracks/new' && (e.body?.tracks || []).some(
        (t) => t.sessionId === session && t.trackName === name && t.errorCode)
).length"""


def test_a_track_that_does_not_exist_is_pulled_a_bounded_number_of_times(
    app_server, person
):
    """Ada announces a track id on her own session that Calls does not have:
    Bob's bridge backs off (2, 4, 8, 16 s) and gives up, instead of sending
    ``tracks/new`` every 2 s for ever; her other media is not disturbed."""
    url = app_server["url"]
    ada, bob = meet(url, person, new_room_id())
    ada_ids = announced(ada)
    assert_media_flows(bob, ada_ids["camera"], "video")
    session = ada_ids["mic"].split("/")[0]

    # The normal roster update event (RoomState.update_own), a bogus name.
    bridge_update(ada, {"tracks.audio": f"{session}/nope"})
    wait_for(
        bob,
        lambda: bob.evaluate(FAILED_PULLS_OF, [session, "nope"]) >= 1,
        "Bob's first pull of the bogus track, refused by Calls",
    )
    bob.wait_for_timeout(20_000)
    pulls = bob.evaluate(PULLS_OF, [session, "nope"])
    print(f"pulls of a missing track in ~20 s: {pulls}")
    # 0, 2, 6, 14 s (and 30 s): at most five in all; every 2 s would be ~10.
    assert 2 <= pulls <= 5, pulls
    assert_media_flows(bob, ada_ids["camera"], "video")

    # Announcing a real track again: Bob pulls it at once.
    bridge_update(ada, {"tracks.audio": ada_ids["mic"]})
    assert_media_flows(bob, ada_ids["mic"], "audio")
