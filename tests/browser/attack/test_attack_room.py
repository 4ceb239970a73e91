"""Attacks on a room over raw websocket events (issue 8, items 1, 2, 3 and 7).

Every test performs the attack the way an attacker would — raw Socket.IO frames
with a token, event name and payload of the attacker's choosing — and then
proves that the real members saw no change and that the room still works.
"""

from __future__ import annotations

import json
import time
import unicodedata

from playwright.sync_api import expect

from launch.raw_client import (
    CHAT,
    DISPLAY_NAME_VAR,
    FEED,
    HYDRATE,
    PROFILE,
    ROOM,
    SESSION,
    UPDATE_VARS,
    ConnectRefused,
    RawClient,
    client_token,
)
from launch.room_page import join as browser_join
from reflex_meet.security.tokens import presence_token, room_token
from tests.browser.attack.conftest import new_room_id, room_changes, room_snapshot


def _clean_text(value: object) -> bool:
    """Valid, showable text: a str, UTF-8 encodable, no control characters."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return not any(
        unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in value
    )


def _hand_propagates(sender: RawClient, *watchers: RawClient) -> None:
    """The room works: a raised hand reaches every other member."""
    sender.call(ROOM, "set_hand", raised=True)
    for watcher in watchers:
        watcher.wait_for(
            lambda w=watcher: (w.user(sender.participant) or {}).get("raisedHand"),
            what="the raised hand to reach the other members",
        )


def _chat_seen(client: RawClient) -> list[dict]:
    return list(client.var(ROOM, "chat_recent", []) or [])


# ---- 0. the tool speaks like the browser ------------------------------------


def test_raw_client_speaks_like_the_browser(app_server, person, fresh_room, raw):
    """Chromium's own frames for a hand raise have the raw client's shape."""
    url = app_server["url"]
    sent: list[str] = []
    ada = person(url, "Ada")
    ada.on(
        "websocket",
        lambda ws: ws.on(
            "framesent",
            lambda f: sent.append(f if isinstance(f, str) else f.decode()),
        ),
    )
    browser_join(ada, url, fresh_room)
    ada.get_by_test_id("toggle-hand").click()
    hand = next(
        json.loads(f[len("42/_event,") :])
        for f in _wait_frames(sent, "set_hand")
        if f.startswith("42/_event,")
    )
    connect = next(f for f in sent if f.startswith("40/_event,"))
    boot = json.loads(connect[len("40/_event,") :])["event"]

    bot = raw("Bot").join(fresh_room)
    mark = len(bot.frames_sent)
    bot.call(ROOM, "set_hand", raised=True)
    mine = json.loads(bot.frames_sent[mark][len("42/_event,") :])
    assert hand[0] == mine[0] == "event"
    assert hand[1]["name"] == mine[1]["name"] == f"{ROOM}.set_hand"
    assert hand[1]["payload"] == mine[1]["payload"] == {"raised": True}
    assert hand[1]["router_data"] == mine[1]["router_data"]
    assert boot["name"] == HYDRATE
    assert set(boot) == {"name", "payload", "router_data"}
    assert set(boot["payload"]) <= {"vars", "hashes"}
    assert boot["payload"]["vars"] == {DISPLAY_NAME_VAR: "Ada"}
    # The raw client's hand reaches the real browser.
    expect(ada.get_by_test_id("participant-tile")).to_have_count(2)


def _wait_frames(sent: list[str], needle: str) -> list[str]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = [f for f in sent if needle in f]
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"no frame with {needle}")


# ---- 1. the chat delivery method is no event ------------------------------------


def test_chat_delivery_cannot_be_called_as_an_event(
    raw, members, fresh_room, log_watch
):
    ada, bob = members(fresh_room, 2)
    bob.call(CHAT, "send", message={"text": "hello from Bob", "to": ""})
    ada.wait_for(lambda: _chat_seen(ada), what="Bob's message")
    real = _chat_seen(ada)[0]
    visitor = raw("Mallory").enter(fresh_room)  # lobby only, never joined
    mallory = raw("Mallory2").join(fresh_room)  # a joined member attacking
    # Members see members only: the lobby visitor is not in their roster.
    mallory.wait_for(lambda: len(mallory.users()) >= 3, what="everyone")
    for person in (ada, bob):
        person.wait_for(
            lambda p=person: p.user(mallory.participant), what="Mallory seen"
        )
    before = {p.token: room_snapshot(p) for p in (ada, bob)}
    forged = {
        "id": real["id"],  # overwrite Bob's message
        "sender_id": bob.participant,
        "sender_name": "Bob",
        "recipient_id": "",
        "recipient_name": "",
        "text": "I resign. — Bob",
        "sent": 0,
    }
    attacks = [
        forged,
        {**forged, "id": "999999", "text": "\x07\x1b[2J" * 1250},  # 5000 chars
        {**forged, "id": "999998", "sender_name": {"$$typeof": "x", "props": {}}},
        {**forged, "id": "999997", "text": "broken \ud800 text"},
        {**forged, "id": "999996", "recipient_id": ada.participant, "text": "DM"},
    ]
    for attacker in (visitor, mallory):
        for message in attacks:
            for name in ("add_chat_message", "_add_chat_message"):
                attacker.emit(f"{ROOM}.{name}", {"message": message})
    # The same through the real chat handler: refused or cleaned, never forged.
    for text in ("\x07\x1b[2J" * 1250, "broken \ud800 text", {"text": 1}, ["x"]):
        visitor.call(CHAT, "send", message={"text": text, "to": ""})
        mallory.call(CHAT, "send", message={"text": text, "to": ""})
    # A display name the browser never validated (client storage) as sender.
    for fake in ({"$$typeof": "x"}, "Bob\ud800", "\u202eboB", "Bob"):
        mallory.emit(UPDATE_VARS, {"vars": {DISPLAY_NAME_VAR: fake}})
        mallory.call(CHAT, "send", message={"text": "spoof?", "to": ""})
    mallory.quiet(2.0)

    mallory_name = (ada.user(mallory.participant) or {}).get("name")
    assert mallory_name == "Mallory2"
    for person in (ada, bob):
        seen = _chat_seen(person)
        assert seen[0] == real, "Bob's message was overwritten"
        for message in seen:
            assert message["sender_id"] in (bob.participant, mallory.participant)
            assert _clean_text(message["text"]) and _clean_text(
                message["sender_name"]
            ), message
            if message["sender_id"] == mallory.participant:
                assert message["sender_name"] == mallory_name, message
        assert not any(m["text"] in ("I resign. — Bob", "DM") for m in seen)
        changed = room_changes(before[person.token], person)
        assert set(changed) <= {"chat_recent_rx_state_"}, changed
    # The room keeps working for its members.
    _hand_propagates(bob, ada)
    ada.call(CHAT, "send", message={"text": "still here", "to": ""})
    bob.wait_for(
        lambda: any(m["text"] == "still here" for m in _chat_seen(bob)),
        what="Ada's message after the attack",
    )
    assert log_watch.summary() == {}


# ---- 2. nobody connects as a room ---------------------------------------------


def test_room_and_presence_tokens_are_refused_at_connect(
    app_server, raw, members, fresh_room, log_watch
):
    ada, bob = members(fresh_room, 2)
    before = {p.token: (p.mark(), room_snapshot(p)) for p in (ada, bob)}
    real_room, real_presence = room_token(fresh_room), presence_token(fresh_room)
    # The real tokens cannot be derived from the name without the secret.
    assert fresh_room not in real_room and fresh_room not in real_presence
    assert real_room not in ("room-" + fresh_room, "room-" + fresh_room.upper())
    tokens = [
        "room-" + fresh_room,
        "presence-" + fresh_room,
        "room-anything",
        "presence-" + "0" * 32,
        real_room,  # even the real one, were it leaked
        real_presence,
        "",
        "x" * 5000,
        client_token().upper(),
        "../" + client_token(),
    ]
    for token in tokens:
        attacker = raw("Mallory", token=token)
        try:
            attacker.connect(f"/{fresh_room}")
        except ConnectRefused:
            pass
        else:
            raise AssertionError(f"a socket connected with the token {token!r}")
        assert attacker.updates == [], "a refused socket received state"
        # It cannot send events either.
        assert attacker.closed
    ada.quiet(1.0)
    for person in (ada, bob):
        mark, snapshot = before[person.token]
        assert room_changes(snapshot, person) == {}
        assert person.changed_room_updates(mark) == []
        assert not any(u.get("name") == "Mallory" for u in person.users())
    _hand_propagates(ada, bob)
    assert log_watch.summary() == {}


# ---- 3. no listening without being there ----------------------------------------


def _announce(member: RawClient) -> str:
    """Create a Calls session for a member and announce a track on it."""
    reply = member.calls("sessions/new")
    session = reply["body"]["sessionId"]
    # The local stand-in is on this host: no STUN/TURN handed out (calls/ice.py).
    assert reply["iceServers"] == []
    member.wait_for(
        lambda: (member.me() or {}).get("transceiverSessionId") == session,
        what="the session recorded",
    )
    member.call(ROOM, "update_own", changes={"tracks.audio": f"{session}/mic"})
    member.wait_for(
        lambda: (member.me() or {}).get("tracks", {}).get("audio"),
        what="the track announced",
    )
    return session


def _pull(client: RawClient, own: str | None, publisher: str) -> dict:
    return client.calls(
        "tracks/new",
        own,
        {
            "tracks": [
                {"location": "remote", "sessionId": publisher, "trackName": "mic"}
            ]
        },
    )


def _refused(reply: dict) -> bool:
    return "error" in reply and reply.get("status", 0) >= 400


def test_lobby_visitor_cannot_pull_a_members_track(raw, members, fresh_room):
    ada, bob = members(fresh_room, 2)
    publisher = _announce(ada)
    visitor = raw("Eve").enter(fresh_room)
    visitor.start_heartbeats()
    own = visitor.calls("sessions/new").get("body", {}).get("sessionId")
    reply = _pull(visitor, own, publisher)
    assert _refused(reply), reply
    # A joined member may (the same request, so the refusal is about membership).
    bob_session = bob.calls("sessions/new")["body"]["sessionId"]
    assert not _refused(_pull(bob, bob_session, publisher))
    _hand_propagates(ada, bob)


def test_who_left_gets_nothing_more_and_cannot_pull(raw, members, fresh_room):
    ada, bob, cy = members(fresh_room, 3)
    publisher = _announce(ada)
    own = cy.calls("sessions/new")["body"]["sessionId"]
    assert not _refused(_pull(cy, own, publisher))
    cy.call(ROOM, "leave")  # ...but the socket stays open (no navigation)
    for person in (ada, bob):
        person.wait_for(lambda p=person: not p.user(cy.participant), what="Cy gone")
    cy.quiet(1.0)
    mark = cy.mark()
    _hand_propagates(bob, ada)
    bob.call(CHAT, "send", message={"text": "only for the room", "to": ""})
    ada.wait_for(
        lambda: any(m["text"] == "only for the room" for m in _chat_seen(ada)),
        what="the message in the room",
    )
    cy.quiet(1.5)
    assert cy.changed_room_updates(mark) == [], "who left still receives the room"
    assert _refused(_pull(cy, own, publisher))
    assert not any(m.get("text") == "only for the room" for m in _chat_seen(cy))


# ---- 7. names people write; no bidi tricks ----------------------------------------


NAMES_ACCEPTED = ["👩‍💻 Ada", "می‌خواهم", "क्‍ष", "José", "李小龙", "👨‍👩‍👧"]
NAMES_REFUSED = ["\u202eevil", "a\u202db", "nul\x00l", "x\ud800"]


def test_names_accept_real_scripts_and_refuse_bidi_overrides(raw, fresh_room):
    for name in NAMES_ACCEPTED:
        home = raw().connect("/")
        home.call(PROFILE, "set_name_draft", value=name)
        home.call(PROFILE, "save_name")
        home.wait_for(
            lambda h=home, n=name: (
                h.var(PROFILE, "display_name") == n or h.var(PROFILE, "name_error")
            ),
            what=f"saving {name!r}",
        )
        assert home.var(PROFILE, "name_error") in ("", None), name
        assert home.var(PROFILE, "display_name") == name
        # ...and the room shows it as written.
        member = raw(name).enter(fresh_room)
        assert member.me()["name"] == name
    for name in NAMES_REFUSED:
        home = raw().connect("/")
        home.call(PROFILE, "set_name_draft", value=name)
        home.call(PROFILE, "save_name")
        home.wait_for(lambda h=home: h.var(PROFILE, "name_error"), what=repr(name))
        assert home.var(PROFILE, "display_name") != name
        # A stored name the form never checked does not get into a room either.
        # (A lone surrogate makes the server drop the tab's hydrate event as a
        # whole: it never gets a page at all.)
        surrogate = any(0xD800 <= ord(c) <= 0xDFFF for c in name)
        sneaky = raw(name).connect(f"/{fresh_room}", wait_hydrated=not surrogate)
        sneaky.quiet(1.0)
        assert sneaky.me() is None, name
        assert sneaky.var(SESSION, "room") in ("", None)


# ---- 8. the roster feed: a snapshot only of one's own room ------------------------


def test_roster_resync_gives_nothing_of_a_room_one_is_not_in(raw, members, fresh_room):
    ada, bob = members(fresh_room, 2)
    outsider = raw("Mallory").enter(new_room_id())  # in another room's lobby
    stranger = raw("Eve")
    stranger.connect("/")  # in no room at all
    visitor = raw("Vic").enter(fresh_room)  # in this room's lobby
    for client in (outsider, stranger, visitor):
        client.call(FEED, "resync")
        # Wrong types, extra arguments, odd Unicode: dropped before Reflex.
        client.emit(f"{FEED}.resync", {"room": fresh_room})
        client.emit(f"{FEED}.resync", ["x"])
        client.emit(f"{FEED}.resync", {"\ud800": "x" * 200_000})
        client.sync()
    members_ids = {ada.participant, bob.participant}
    for client in (outsider, stranger):
        snapshot = client.var(FEED, "snapshot", {}) or {}
        ids = {u.get("id") for u in snapshot.get("users", [])}
        assert not ids & members_ids, snapshot
    # A lobby visitor sees the members (the lobby shows who is in), never
    # another visitor, and the members never see the visitor.
    seen = {u.get("id") for u in visitor.users()}
    assert members_ids <= seen
    other = raw("Val").enter(fresh_room)
    visitor.call(FEED, "resync")
    visitor.sync()
    assert other.participant not in {u.get("id") for u in visitor.users()}
    for member in (ada, bob):
        assert member.user(visitor.participant) is None
        assert member.user(other.participant) is None
    _hand_propagates(ada, bob)


# ---- 9. renaming from the lobby: one's own name only, validated ---------------------


def test_rename_changes_only_ones_own_name_and_refuses_bad_ones(
    raw, members, fresh_room
):
    ada, bob = members(fresh_room, 2)
    bad_forms = [
        None,
        "Mallory",
        ["display_name", "Mallory"],
        {"display_name": 5},
        {"display_name": ""},
        {"display_name": "x" * 51},
        {"display_name": "Eve\u202e"},
        {"display_name": "M" * 200_000},
    ]
    for form in bad_forms:
        ada.emit(f"{PROFILE}.rename", {"form": form})
    ada.emit(f"{PROFILE}.rename", {"form": {"display_name": "\ud800"}})
    ada.emit(f"{PROFILE}.rename", {"form": {}, "target": bob.participant})
    ada.sync()
    names = {u.get("id"): u.get("name") for u in bob.users()}
    assert names == {ada.participant: "Ada", bob.participant: "Bob"}, names
    # Someone outside the room renaming reaches nobody in it.
    outsider = raw("Mallory").enter(new_room_id())
    outsider.call(PROFILE, "rename", form={"display_name": "Bob"})
    stranger = raw("Eve")
    stranger.connect("/")
    stranger.call(PROFILE, "rename", form={"display_name": "Ada"})
    for client in (outsider, stranger):
        client.sync()
    # Naming someone else in the form renames the caller, never them.
    ada.call(PROFILE, "rename", form={"display_name": "Bob", "id": bob.participant})
    bob.wait_for(
        lambda: (bob.user(ada.participant) or {}).get("name") == "Bob",
        what="the caller's own rename",
    )
    assert (bob.user(bob.participant) or {}).get("name") == "Bob"
    # A good rename changes the caller's own entry, and only that.
    ada.call(PROFILE, "rename", form={"display_name": "  Ada Two "})
    bob.wait_for(
        lambda: (bob.user(ada.participant) or {}).get("name") == "Ada Two",
        what="the new name to reach the other member",
    )
    names = {u.get("id"): u.get("name") for u in bob.users()}
    assert names == {ada.participant: "Ada Two", bob.participant: "Bob"}, names
    _hand_propagates(ada, bob)
