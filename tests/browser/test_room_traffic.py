"""What one member's action costs the others, pinned with 10 members (issue 9).

Ten simulated members (``bench.sim``: raw websocket clients speaking the
frames Chromium sends, heartbeats over HTTP, Calls requests through the
proxy) join one room of the test app. Then:

* a private event — a Calls request forwarded to Calls, opening the
  participants panel — sends the other members nothing at all;
* a raised hand reaches each other member as exactly one message of at most
  1 KB, whatever the room's size.

"Reached" is the first update touching the room state's key; what each
member received is counted until nobody has received anything for half a
second.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from bench.load_measure import Settings, fill
from bench.sim import ROOM, Member, observe
from launch.raw_client import SESSION
from tests.browser.conftest import new_room_id

MEMBERS = 10
QUIET = 0.5
TIMEOUT = 30.0
MAX_CHANGE_BYTES = 1024


@pytest.fixture(scope="module")
def room_of_ten(app_server: dict) -> Iterator[list[Member]]:
    """Ten members in one room, heartbeats running, the room quiet."""
    members: list[Member] = []
    try:
        fill(
            members,
            app_server["url"],
            new_room_id(),
            MEMBERS,
            Settings(quiet=QUIET, timeout=60),
            publish=False,  # the stand-in is real: no null SDP
        )
        yield members
    finally:
        for member in members:
            member.close()


def _others(members: list[Member], actor: Member) -> list:
    return [m.client for m in members if m is not actor]


def _report(seen) -> str:
    return f"messages per other member {seen.messages}, bytes {seen.sizes}"


def test_a_calls_request_sends_the_others_nothing(room_of_ten):
    actor = room_of_ten[3]
    assert actor.session_id, "the member has no Calls session"
    request: dict = {}

    def send() -> float:
        request["id"], sent = actor.send_calls("session", None, actor.session_id)
        return sent

    seen = observe(
        send,
        actor.client,
        _others(room_of_ten, actor),
        answered=lambda: request["id"] in actor.client.replies,
        key=None,
        quiet=QUIET,
        timeout=TIMEOUT,
    )
    assert actor.client.replies[request["id"]].get("status") == 200
    assert sum(seen.sizes) == 0, _report(seen)


def test_a_panel_toggle_sends_the_others_nothing(room_of_ten):
    # The page no longer reports its width (the layout is computed in the
    # browser); opening the participants panel is the per-tab UI event left.
    actor = room_of_ten[5]
    seen = observe(
        actor.toggle_panel,
        actor.client,
        _others(room_of_ten, actor),
        answered=lambda: actor.client.var(SESSION, "participants_open") is True,
        key=None,
        quiet=QUIET,
        timeout=TIMEOUT,
    )
    assert sum(seen.sizes) == 0, _report(seen)


def test_a_raised_hand_reaches_each_other_member_as_one_small_message(room_of_ten):
    actor = room_of_ten[7]
    before = actor.client.mark()
    seen = observe(
        actor.toggle_hand,
        actor.client,
        _others(room_of_ten, actor),
        answered=lambda: any(
            ROOM in u.states for u in actor.client.updates_since(before)
        ),
        key=ROOM,
        quiet=QUIET,
        timeout=TIMEOUT,
    )
    assert seen.missing == 0, f"{seen.missing} members did not receive the hand"
    assert seen.messages == [1] * (MEMBERS - 1), _report(seen)
    assert max(seen.sizes) <= MAX_CHANGE_BYTES, _report(seen)


def test_opening_the_meeting_page_directly_costs_each_other_member_two_messages_at_most(
    room_of_ten, app_server
):
    """A link straight to ``/<room>/room``: enter and join, two changes at most."""
    meeting_page = room_of_ten[0].client.path
    assert meeting_page.endswith("/room")
    newcomer = Member.open(app_server["url"], "Direct")

    def open_meeting_page() -> float:
        sent = time.monotonic()
        newcomer.client.connect(meeting_page)
        return sent

    try:
        seen = observe(
            open_meeting_page,
            newcomer.client,
            _others(room_of_ten, newcomer),
            answered=lambda: bool(newcomer.participant),
            key=ROOM,
            quiet=QUIET,
            timeout=TIMEOUT,
        )
        assert seen.missing == 0, f"{seen.missing} members did not see the newcomer"
        assert max(seen.messages) <= 2, _report(seen)
        assert max(seen.sizes) <= 2 * MAX_CHANGE_BYTES, _report(seen)
    finally:
        newcomer.close()
