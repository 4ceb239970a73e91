"""A tab's Calls requests over its limits are answered on arrival, never processed."""

from __future__ import annotations

import asyncio
import json
import uuid

from reflex.app import EventNamespace
from reflex.state import StateUpdate

from reflex_meet.security import calls_throttle, rate_limits, reflex_guard


class Namespace:
    """What the throttle uses of Reflex's EventNamespace."""

    def __init__(self, sid: str, token: str) -> None:
        self.sid_to_token = {sid: token}
        self.sent: list[tuple[StateUpdate, str]] = []

    async def emit_update(self, update: StateUpdate, token: str) -> None:
        self.sent.append((update, token))


def calls_event(request: object) -> dict:
    return {
        "name": calls_throttle.calls_event_name(),
        "payload": {"request": request},
        "router_data": {},
    }


def test_the_event_name_is_the_handlers():
    from reflex_meet.state.media import MediaState

    name = calls_throttle.calls_event_name()
    path, _, handler = name.rpartition(".")
    assert handler == "calls_request"
    assert path == MediaState.get_full_name()


def test_a_burst_of_sessions_new_is_answered_429_past_the_limit():
    limit = rate_limits.CALLS_SESSIONS_NEW.amount
    token = str(uuid.uuid4())

    async def go() -> tuple[list[bool], Namespace, bool]:
        namespace = Namespace("sid-1", token)
        results = [
            await calls_throttle.refused(
                namespace, "sid-1", calls_event({"id": f"r{n}", "op": "sessions/new"})
            )
            for n in range(limit + 3)
        ]
        # Another tab is not affected.
        other = Namespace("sid-2", str(uuid.uuid4()))
        event = calls_event({"id": "x", "op": "sessions/new"})
        return results, namespace, await calls_throttle.refused(other, "sid-2", event)

    results, namespace, other = asyncio.run(go())
    assert results == [False] * limit + [True] * 3
    assert other is False
    assert len(namespace.sent) == 3
    update, to = namespace.sent[0]
    assert to == token and update.delta == {}
    (event,) = update.events
    assert event.name == "_call_script"
    script = event.payload["javascript_code"]
    assert script.startswith('window.meetMedia && window.meetMedia.resolve("r5", ')
    reply = json.loads(script.split('"r5", ', 1)[1].rstrip(")"))
    assert reply["status"] == 429 and "body" not in reply
    assert reply["error"]["code"] == "rate_limited"
    assert reply["error"]["description"]
    assert 0 < reply["error"]["retryAfter"] <= 60


def test_other_events_and_malformed_requests_pass_through_uncounted():
    token = str(uuid.uuid4())

    async def go() -> list[bool]:
        namespace = Namespace("sid", token)
        events = [
            {"name": "state.other.calls_request", "payload": {}},
            "not a dict",
            calls_event("not a dict"),
            calls_event({"id": "bad id!", "op": "sessions/new"}),
            calls_event({"op": "sessions/new"}),
        ]
        seen = [await calls_throttle.refused(namespace, "sid", e) for e in events * 10]
        # An unknown socket (no token) is Reflex's to drop.
        seen.append(
            await calls_throttle.refused(
                namespace, "nobody", calls_event({"id": "a", "op": "session"})
            )
        )
        assert namespace.sent == []
        return seen

    assert not any(asyncio.run(go()))


def test_the_guard_drops_refused_requests_and_passes_the_rest():
    token = str(uuid.uuid4())
    processed: list[object] = []

    async def on_event(self, sid, data):
        processed.append(data)

    checked = reflex_guard.guarded_events(on_event)

    async def go() -> Namespace:
        namespace = Namespace("sid", token)
        namespace.app = None  # no app: only the structural checks run
        for n in range(rate_limits.CALLS_TAB_PER_SECOND.amount + 5):
            await checked(namespace, "sid", calls_event({"id": f"s{n}", "op": "x"}))
        return namespace

    namespace = asyncio.run(go())
    assert len(processed) == rate_limits.CALLS_TAB_PER_SECOND.amount
    assert len(namespace.sent) == 5


def test_reflex_internals_the_throttle_relies_on():
    assert hasattr(EventNamespace, "sid_to_token")
    assert callable(EventNamespace.emit_update)
    assert StateUpdate(events=[]).delta == {}
