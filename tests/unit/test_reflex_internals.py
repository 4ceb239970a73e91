"""The Reflex internals security.reflex_guard relies on (reflex==0.10.1).

Each test pins one fact; if a Reflex upgrade changes it, the test fails
loudly here rather than the guard silently letting a room token through.
"""

from __future__ import annotations

import asyncio
import functools
import importlib.metadata
import inspect
import json
import uuid
from pathlib import Path

import pytest
from reflex.app import EventNamespace
from socketio.exceptions import ConnectionRefusedError as SocketRefusedError

from reflex_meet.security import reflex_guard
from reflex_meet.security.tokens import is_client_token, room_token


def test_reflex_version_is_the_pinned_one():
    assert importlib.metadata.version("reflex") == "0.10.1"


def test_on_connect_takes_sid_environ_auth():
    original = inspect.unwrap(EventNamespace.on_connect)
    assert list(inspect.signature(original).parameters) == [
        "self",
        "sid",
        "environ",
        "auth",
    ]


def test_on_event_takes_sid_and_the_raw_data():
    original = inspect.unwrap(EventNamespace.on_event)
    assert list(inspect.signature(original).parameters) == ["self", "sid", "data"]
    # The data is the parsed JSON of the socket.io packet, unchecked.
    assert "Event(**" in inspect.getsource(original)


def _send(data: object) -> list[object]:
    seen: list[object] = []

    async def original(self, sid, data):
        seen.append(data)

    asyncio.run(reflex_guard.guarded_events(original)(None, "sid-1", data))
    return seen


def test_events_with_a_lone_surrogate_are_dropped():
    good = {"name": "state.x.set_hand", "payload": {"raised": "👩\u200d💻 ok"}}
    assert _send(good) == [good]
    lone = "\ud800"
    assert json.loads('"\\ud800"') == lone  # what a raw socket can send
    for bad in (
        {"name": "state.x.send", "payload": {"message": {"text": f"a{lone}b"}}},
        {"name": "state.x.send", "payload": {"message": {"text": "a\udfffb"}}},
        {"name": "state.x.send", "payload": {lone: 1}},
        {"name": f"state.{lone}", "payload": {}},
        {"name": "x", "payload": {"a": [[[[lone]]]]}},
        {"name": "x", "router_data": {"pathname": f"/{lone}"}},
    ):
        assert _send(bad) == [], bad


def test_reflex_reads_the_client_token_from_the_token_query_parameter():
    source = inspect.getsource(inspect.unwrap(EventNamespace.on_connect))
    assert 'query_params.get("token"' in source
    assert "link_token_to_sid" in source


def test_the_frontend_makes_version_4_uuid_tokens():
    import reflex_base

    state_js = (
        Path(reflex_base.__file__).parent / ".templates" / "web" / "utils" / "state.js"
    ).read_text()
    assert '"xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"' in state_js
    assert "(r & 0x7) | 0x8" in state_js  # the variant digit: any of 8-f


def test_duplicate_tabs_get_uuid4_tokens():
    from reflex.utils import token_manager

    source = inspect.getsource(token_manager)
    assert "str(uuid.uuid4())" in source
    assert is_client_token(str(uuid.uuid4()))


def _connect(token: str | None) -> list[str]:
    calls: list[str] = []

    async def original(self, sid, environ, auth=None):
        calls.append(sid)

    query = "" if token is None else f"token={token}&EIO=4"
    asyncio.run(reflex_guard.guarded(original)(None, "sid-1", {"QUERY_STRING": query}))
    return calls


def test_the_guard_lets_client_tokens_through_and_refuses_the_rest(monkeypatch):
    monkeypatch.setenv("MEET_SECRET_KEY", "s" * 40)
    from reflex_meet.security.tokens import server_secret

    server_secret.cache_clear()
    assert _connect(str(uuid.uuid4())) == ["sid-1"]
    for bad in (
        "room-standup",
        room_token("standup"),
        "presence-standup",
        "",
        None,
        "x" * 5000,
    ):
        with pytest.raises(SocketRefusedError):
            _connect(bad)
    server_secret.cache_clear()


def test_the_app_installs_the_guard():
    import app.app

    assert reflex_guard.installed()
    assert getattr(EventNamespace.on_event, "_meet_guarded", False)
    # The app's Socket.IO server was made before the kit was added to the
    # app: its engine.io packet handler is the guarded one all the same.
    from app.app import app

    handler = app.sio.eio.handlers["message"]
    assert getattr(handler.__func__, "_meet_guarded", False)


def test_malformed_events_are_named_and_well_formed_ones_pass():
    from app.app import app
    from reflex_meet.state import ProfileState, RoomState, SessionState

    root = app._state
    room = RoomState.get_full_name()
    problem = functools.partial(reflex_guard.event_problem, root)
    assert problem({"name": f"{room}.set_hand", "payload": {"raised": True}}) is None
    assert problem({"name": f"{room}.enter", "payload": {}}) is None
    assert problem({"name": f"{root.get_full_name()}.hydrate"}) is None
    setvar = f"{ProfileState.get_full_name()}.setvar"
    hydrate = f"{root.get_full_name()}.hydrate"
    updater = next(
        f"{s.get_full_name()}.update_vars_internal"
        for s in root.get_substates()
        if "update_vars_internal" in s.event_handlers
    )
    exception = next(
        f"{s.get_full_name()}.handle_frontend_exception"
        for s in root.get_substates()
        if "handle_frontend_exception" in s.event_handlers
    )
    assert problem({"name": f"{hydrate}_and_load", "payload": {"vars": None}}) is None
    display = f"{ProfileState.get_full_name()}.display_name"
    assert problem({"name": updater, "payload": {"vars": {display: "Ada"}}}) is None
    assert (
        problem({"name": setvar, "payload": {"var_name": "name_draft", "value": "A"}})
        is None
    )
    cases = {
        "the event is not an object": ["x", 1, None, []],
        "the event has no valid name": [{"name": 5}, {"name": ""}, {"name": "a" * 600}],
        "the payload is not an object": [{"name": f"{room}.enter", "payload": [1]}],
        "router_data is not an object": [
            {"name": f"{room}.enter", "payload": {}, "router_data": "x"}
        ],
        "no such state": [{"name": "nope.enter"}, {"name": "enter"}],
        "no such handler": [
            {"name": f"{room}._add_chat_message", "payload": {"message": {}}},
            {"name": f"{room}.add_chat_message", "payload": {"message": {}}},
            {"name": f"{room}._apply", "payload": {}},
            {"name": f"{room}.users", "payload": {}},
            {"name": f"{room}._users", "payload": {}},
        ],
        "unknown arguments": [
            {"name": f"{room}.set_hand", "payload": {"raised": True, "who": "x"}}
        ],
        "missing arguments": [
            {"name": f"{room}.set_hand", "payload": {}},
            {
                "name": f"{SessionState.get_full_name()}.set_settings_open",
                "payload": {},
            },
        ],
        "setvar names no setter": [
            {"name": setvar, "payload": {"var_name": "x", "value": 1}},
            {"name": setvar, "payload": {"var_name": "‷", "value": 1}},
        ],
        "argument var_name has the wrong type": [
            {"name": setvar, "payload": {"var_name": ["x"], "value": 1}}
        ],
        "argument vars has the wrong type": [
            {"name": f"{hydrate}_and_load", "payload": {"vars": "x"}},
            {"name": f"{updater}", "payload": {"vars": 1.5}},
        ],
        "argument info has the wrong type": [
            {"name": exception, "payload": {"info": 1.0, "component_stack": ""}}
        ],
        "vars names no state": [
            {"name": f"{hydrate}_and_load", "payload": {"vars": {"x": 1}}},
            {"name": f"{updater}", "payload": {"vars": {"a.b.c": 1}}},
        ],
        "router_data.query is not an object": [
            {"name": f"{room}.enter", "router_data": {"query": "x"}}
        ],
    }
    for reason, events in cases.items():
        for event in events:
            assert problem(event) == reason, event
    assert "surrogate" in problem(
        {"name": f"{room}.set_hand", "payload": {"raised": "\udc00"}}
    )


def test_socketio_dispatches_packets_through_handle_eio_message():
    import socketio

    original = inspect.unwrap(socketio.AsyncServer._handle_eio_message)
    assert list(inspect.signature(original).parameters) == ["self", "eio_sid", "data"]
    assert "Unknown packet type." in inspect.getsource(original)
    with pytest.raises(ValueError):
        socketio.packet.Packet(encoded_packet='2["x", {')


def test_malformed_packets_are_dropped_not_raised():
    seen: list[str] = []

    async def original(self, eio_sid, data):
        seen.append(data)
        if data != "ok":
            raise {"v": ValueError, "k": KeyError, "i": IndexError}[data]("bad")

    wrapped = reflex_guard.guarded_packets(original)
    for data in ("v", "k", "i", "ok"):
        assert asyncio.run(wrapped(None, "eio-1", data)) is None
    assert seen == ["v", "k", "i", "ok"]

    async def other(self, eio_sid, data):
        raise RuntimeError("not a packet fault")

    with pytest.raises(RuntimeError):
        asyncio.run(reflex_guard.guarded_packets(other)(None, "eio-1", "x"))
