"""Records in real Chromium: meetings, feedback, bug reports, dead tracks."""

from __future__ import annotations

import json
import sqlite3

import httpx
from playwright.sync_api import expect

from launch.room_page import inbound, join, media_ready, own_track_ids, tiles
from tests.browser.conftest import new_room_id
from tests.browser.test_media import announced, meet, wait_for


def admin_get(app_server, path: str) -> httpx.Response:
    return httpx.get(
        app_server["url"] + path,
        headers={"Authorization": f"Bearer {app_server['admin_token']}"},
        timeout=10,
    )


def rows(app_server, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(app_server["db"]) as db:
        return db.execute(sql, args).fetchall()


def meeting_id_of(page) -> str:
    return page.evaluate(
        "() => document.querySelector('[data-testid=room-root]').dataset.meeting"
    )


def test_meeting_is_recorded_with_attendance_and_peak(app_server, person):
    url = app_server["url"]
    room = new_room_id()
    ada, bob = person(url, "Ada"), person(url, "Bob")
    join(ada, url, room)
    join(bob, url, room)
    expect(tiles(ada)).to_have_count(2)
    meeting = meeting_id_of(ada)
    assert meeting
    bob.get_by_test_id("leave").click()
    expect(tiles(ada)).to_have_count(1)
    ada.get_by_test_id("leave").click()
    ada.wait_for_url("**/feedback")

    def ended():
        answer = admin_get(app_server, f"/_meet/meetings/{meeting}")
        return answer.status_code == 200 and answer.json()["ended"] and answer.json()

    record = wait_for(ada, ended, "the meeting to end")
    assert record["room"] == room
    assert record["peakParticipants"] == 2
    stays = {a["displayName"]: a for a in record["attendance"]}
    assert set(stays) == {"Ada", "Bob"}
    assert all(a["joined"] and a["left"] for a in stays.values())
    # Without the admin token the record is not readable.
    assert httpx.get(f"{url}/_meet/meetings/{meeting}", timeout=10).status_code == 401


def test_feedback_after_leaving_is_stored_with_the_meeting(app_server, person):
    url = app_server["url"]
    room = new_room_id()
    ada = person(url, "Ada")
    join(ada, url, room)
    meeting = meeting_id_of(ada)
    ada.get_by_test_id("leave").click()
    ada.wait_for_url("**/feedback")
    expect(
        ada.get_by_role("heading", name="Did you experience any issues?")
    ).to_be_visible()
    ada.get_by_test_id("feedback-send").click()
    expect(ada.get_by_test_id("feedback-error")).to_have_text(
        "Please choose yes or no."
    )
    ada.get_by_label("Yes").click()
    ada.get_by_test_id("feedback-comment").fill("Bob's video froze once")
    ada.get_by_test_id("feedback-send").click()
    ada.wait_for_url(f"{url}/")
    expect(ada.get_by_test_id("feedback-thanks")).to_have_text(
        "Thank you for your feedback."
    )
    stored = rows(
        app_server,
        "SELECT experienced_issues, comment, app_version FROM meet_call_feedback WHERE meeting_id = ?",
        meeting,
    )
    assert stored == [(1, "Bob's video froze once", "0.3.0")]


def test_bug_report_is_stored_with_its_diagnostics(app_server, person):
    url = app_server["url"]
    secret = app_server["standin"]["secret"]
    ada, _bob = meet(url, person, new_room_id())
    announced(ada)
    ada.get_by_test_id("report-bug").click()
    dialog = ada.get_by_test_id("bug-report-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_test_id("bug-report-text").fill("Bob's audio crackles")
    dialog.get_by_test_id("bug-report-send").click()
    reference = dialog.get_by_test_id("bug-report-reference")
    expect(reference).to_be_visible()
    ref = reference.get_attribute("data-reference")
    expect(reference).to_contain_text(ref)

    report = admin_get(app_server, f"/_meet/bug-reports/{ref}").json()
    assert report["text"] == "Bob's audio crackles"
    diagnostics = report["diagnostics"]
    assert diagnostics["room"] and diagnostics["meetingId"] == meeting_id_of(ada)
    assert diagnostics["me"]["name"] == "Ada"
    assert "Chrome" in diagnostics["browser"]
    history = diagnostics["callsHistory"]
    assert 4 <= len(history) <= 100
    assert {"request", "response"} <= {entry["direction"] for entry in history}
    sdps = [
        e["body"]["sessionDescription"]["sdp"]
        for e in history
        if isinstance(e.get("body"), dict) and "sessionDescription" in e["body"]
    ]
    assert sdps and all(len(sdp) < 260 and "chars)" in sdp for sdp in sdps)
    assert secret not in json.dumps(report)


def test_a_dead_pulled_track_is_reported_and_pulled_again(app_server, person):
    url = app_server["url"]
    ada, bob = meet(url, person, new_room_id())
    camera = announced(ada)["camera"]
    first = wait_for(bob, lambda: inbound(bob).get(camera), "Ada's video on Bob")
    # Ada's camera sender goes silent (no track at all): Bob's bytes stop.
    ada.evaluate("() => window.meetMedia.senders.camera.sender.replaceTrack(null)")
    meeting = meeting_id_of(bob)

    def reported():
        return rows(
            app_server,
            "SELECT track_id, reporter_id FROM meet_track_report WHERE meeting_id = ?",
            meeting,
        )

    stored = wait_for(bob, reported, "the track report", timeout_ms=25_000)
    assert stored[0][0] == camera
    # Pulled again once, on a new transceiver (a new mid).
    pulled_mid = "id => window.meetMedia.pulled.get(id)?.mid"
    wait_for(
        bob,
        lambda: bob.evaluate(pulled_mid, camera) not in (None, first["mid"]),
        "the track pulled again",
    )
    # Media resumes on the new pull when Ada's camera comes back.
    ada.evaluate(
        "() => window.meetMedia.senders.camera.sender.replaceTrack(window.meetMedia.cameraTrack)"
    )
    again = wait_for(
        bob,
        lambda: (s := inbound(bob).get(camera)) and s["framesDecoded"] > 5 and s,
        "frames again",
    )
    assert again["mid"] != first["mid"]
    assert own_track_ids(ada)["camera"] == camera
    assert len(reported()) == 1
    media_ready(bob)
