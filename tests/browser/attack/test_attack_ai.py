"""Attacks on the AI participant over raw websocket events.

Only members of a meeting may invite, talk to or remove its AI: a lobby
visitor, someone from another room and a tab in no room send the events the
way an attacker would (raw Socket.IO frames, any arguments) and nothing
changes; a member's arguments are validated.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from launch.raw_client import ROOM, RawClient
from reflex_meet.state.ai import AiState
from tests.ai.ai_support import FakeProcess
from tests.browser import ai_fixtures
from tests.browser.attack.conftest import new_room_id
from tests.browser.conftest import raw_clients

AI = AiState.get_full_name()
ai_app = ai_fixtures.ai_app
fake = ai_fixtures.fake


@pytest.fixture
def clients(ai_app) -> Iterator:
    with raw_clients(ai_app["url"]) as make:
        yield make


def _ai(client: RawClient) -> dict:
    return dict(client.var(ROOM, "ai", {}) or {})


def _ai_in_roster(client: RawClient) -> bool:
    return client.user("ai") is not None


def _calls(endpoint: FakeProcess, room: str) -> list[dict]:
    return [c for c in endpoint.calls() if room in (c["instructions"] or "")]


def _quiet(seconds: float = 1.5) -> None:
    """Give refused events time to (not) take effect."""
    time.sleep(seconds)


def test_only_members_invite_talk_to_or_remove_the_ai(clients, fake, ai_app):
    room = new_room_id()
    form = {"instructions": f"Attack in {room}", "voice": "ash"}
    ada = clients("Ada").join(room)
    visitor = clients("Mallory").enter(room)  # lobby only
    # A member of another room: her events can only ever act on her own room
    # (no event names a room; the server takes the caller's).
    outsider = clients("Eve").join(new_room_id())
    nobody = clients("Nobody")
    nobody.connect("/")
    attackers = (visitor, outsider, nobody)

    for attacker in (visitor, nobody):
        attacker.emit(f"{AI}.invite_ai", {"form": form})
    _quiet()
    assert _calls(fake, room) == []
    assert not _ai(ada).get("connectionPending")
    assert not _ai_in_roster(ada)

    # A member's invitation with bad arguments is refused before anything starts.
    for bad in (
        {"form": {"instructions": "x" * 5000, "voice": "ash"}},
        {"form": {"instructions": f"{room}", "voice": "robot"}},
        {"form": {"instructions": [room], "voice": "ash"}},
    ):
        ada.emit(f"{AI}.invite_ai", bad)
    _quiet()
    assert _calls(fake, room) == []
    assert not _ai_in_roster(ada)

    # A member invites: the AI joins.
    ada.emit(f"{AI}.invite_ai", {"form": form})
    ada.wait_for(lambda: _ai_in_roster(ada), timeout=30, what="the AI in the roster")
    assert _ai(ada).get("enabled") is True
    assert len(_calls(fake, room)) == 1
    # A second invitation while it is here does nothing.
    ada.emit(f"{AI}.invite_ai", {"form": form})
    _quiet()
    assert len(_calls(fake, room)) == 1

    # Non-members can neither talk to it, release someone's control, nor remove it.
    before = _ai(ada)
    for attacker in attackers:
        attacker.emit(f"{AI}.request_ai_control", {"track": "ptt"})
        attacker.emit(f"{AI}.release_ai_control", {})
        attacker.emit(f"{AI}.remove_ai", {})
    _quiet()
    assert _ai_in_roster(ada)
    assert _ai(ada) == before
    assert not before.get("controllingUser")

    # A member's bad track names are refused without taking control.
    for track in ({"x": 1}, "../ptt", "p" * 100, "", None, 7):
        ada.emit(f"{AI}.request_ai_control", {"track": track})
    _quiet()
    assert not _ai(ada).get("controllingUser")

    # A member removes it.
    ada.emit(f"{AI}.remove_ai", {})
    ada.wait_for(lambda: not _ai_in_roster(ada), what="the AI removed")
    assert not _ai(ada).get("enabled")
