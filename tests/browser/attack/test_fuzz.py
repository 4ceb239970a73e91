"""Fuzz every websocket event handler and every HTTP route of the app.

A raw client that is a joined member of room A sends each event handler the
app registers (every substate of the root state) a batch of random and
boundary arguments — wrong types, None, huge strings, deep nesting, lone
surrogates, NaN and Infinity (raw JSON literals a browser would never send),
huge numbers, missing and extra arguments, non-object payloads — and a batch
of malformed Socket.IO frames; then every ``/_meet`` route gets random methods,
bodies and headers. Room B has members of its own. Afterwards:

* the server log shows no unhandled exception or error;
* room B's members received nothing at all (room B unchanged);
* room A still works for its members (a raised hand and a chat message reach
  the others, and a newcomer can join).

The randomness is seeded: the seed is printed, and ``MEET_FUZZ_SEED`` replays it.
"""

from __future__ import annotations

import inspect
import json
import math
import os
import random
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
from reflex.state import State

from launch.raw_client import (
    CHAT,
    NAMESPACE,
    PROFILE,
    ROOM,
    SESSION,
    RawClient,
    run_async,
)
from tests.browser.attack.conftest import room_changes, room_snapshot

SEED = int(os.environ.get("MEET_FUZZ_SEED") or time.time_ns() % 2**32)
HUGE = "x" * 900_000  # under Engine.IO's 1,000,000-character frame limit
PER_HANDLER_RANDOM = 2
PER_PARAM_SAMPLE = 5

# Handlers that take the tab out of room A; fuzzed last.
_LEAVING = {"leave", "enter", "hydrate_and_load", "on_load_internal", "hydrate"}


def _nested_list(depth: int) -> Any:
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


def _nested_dict(depth: int) -> Any:
    value: Any = {}
    for _ in range(depth):
        value = {"a": value}
    return value


def boundary_values(names: dict[str, str]) -> list[Any]:
    """Values every argument gets (``names`` adds ids and rooms of the test)."""
    return [
        None,
        True,
        False,
        0,
        -1,
        2**31,
        2**63,
        -(2**63) - 1,
        10**40,
        1.5,
        -0.0,
        1e308,
        math.nan,
        math.inf,
        -math.inf,
        "",
        " ",
        "\ud800",
        "\udfff",
        "a\udbffb",
        "\x00",
        "\x07\x1b[2J",
        "\u202eevil",
        "👩‍💻",
        "<img src=x onerror=alert(1)>",
        "../../etc/passwd",
        "toggle_mic",
        "toggle_camera",
        "room-" + names["room_a"],
        names["room_a"],
        *names["ids"],
        [],
        {},
        [None],
        {"": None},
        {"__proto__": {"x": 1}},
        _nested_list(400),
        _nested_dict(400),
        list(range(5000)),
        {str(n): n for n in range(2000)},
        {"raisedHand": True, "tracks.audio": "x/y", "name": "Bob", "joined": True},
        {"text": "\ud800", "to": names["ids"][0]},
        {"id": "z1", "op": "tracks/new", "sessionId": "a" * 32, "body": {}},
        {"id": "z2", "op": "sessions/new", "sessionId": None, "body": None},
    ]


def random_text(rng: random.Random) -> str:
    """A short string of random code points, surrogates and controls included."""
    ranges = [
        (0, 0x20),
        (0x20, 0x7F),
        (0xD800, 0xE000),
        (0x200B, 0x2070),
        (0, 0x10FFFF),
    ]
    out = []
    for _ in range(rng.randint(0, 40)):
        low, high = rng.choice(ranges)
        out.append(chr(rng.randrange(low, high)))
    return "".join(out)


def random_value(rng: random.Random, pool: list[Any], depth: int = 0) -> Any:
    """A random JSON-ish value: from the pool, or built."""
    kind = rng.randrange(6 if depth < 3 else 3)
    if kind == 0:
        return rng.choice(pool)
    if kind == 1:
        return random_text(rng)
    if kind == 2:
        return rng.choice([rng.randint(-(2**70), 2**70), rng.random() * 1e9, None])
    if kind == 3:
        return [random_value(rng, pool, depth + 1) for _ in range(rng.randint(0, 5))]
    return {
        random_text(rng): random_value(rng, pool, depth + 1)
        for _ in range(rng.randint(0, 5))
    }


def app_handlers() -> Iterator[tuple[str, str, list[str]]]:
    """Every event handler the app registers: (state full name, name, params)."""

    def walk(cls: type[State]) -> Iterator[type[State]]:
        yield cls
        for sub in sorted(cls.get_substates(), key=lambda c: c.get_full_name()):
            yield from walk(sub)

    found = []
    for cls in walk(State):
        for name, handler in sorted(cls.event_handlers.items()):
            params = [
                p
                for p in inspect.signature(handler.fn).parameters
                if p not in ("self", "args", "kwargs")
            ]
            found.append((cls.get_full_name(), name, params))
    found.sort(key=lambda h: h[1] in _LEAVING)
    return iter(found)


def payloads(rng: random.Random, params: list[str], pool: list[Any]) -> Iterator[Any]:
    """The batch of payloads one handler gets.

    Every argument gets the values that broke the app before (None, a lone
    surrogate, NaN, deep nesting, an object) and ~1 MB of text, plus a seeded
    sample of the other boundary values; then missing, extra and non-object
    arguments.
    """
    core = [None, "\ud800", math.nan, math.inf, _nested_dict(400), {"x": [1]}]
    for param in params:
        for value in [*core, *rng.sample(pool, PER_PARAM_SAMPLE), HUGE]:
            others = {p: random_value(rng, pool) for p in params if p != param}
            yield {param: value, **others}
    for _ in range(PER_HANDLER_RANDOM):
        yield {p: random_value(rng, pool) for p in params}
    yield {}
    yield {"zzz": 1, **{p: rng.choice(pool) for p in params}}
    yield from rng.sample(
        [[1, 2], "payload", 5, None, math.nan, {random_text(rng): 1}], 2
    )


class Fuzzer:
    """The attacking member of room A; replaced when the server drops it."""

    def __init__(self, raw, room: str, client: RawClient) -> None:
        self.raw, self.room = raw, room
        self.dropped: list[str] = []
        self.client = client

    def _new(self) -> RawClient:
        client = self.raw("Fuzz").join(self.room)
        client.start_heartbeats()
        return client

    def emit(self, name: str, payload: Any, **kwargs: Any) -> None:
        if self.client.closed:
            self.replace(name)
        self.client.emit(name, payload, **kwargs)

    def replace(self, during: str) -> None:
        """Record that the server closed the socket, and join anew."""
        self.dropped.append(f"{during}: {self.client.close_reason}")
        print(f"  the server closed the fuzzer's socket during {during}")
        self.client.close()
        self.client = self._new()

    def settle(self, during: str) -> None:
        """Wait for the batch; stay a joined member of room A."""
        self.client.sync(timeout=300)
        if self.client.closed:
            self.replace(during)
            return
        client = self.client
        if client.var(SESSION, "room") != self.room or not (client.me() or {}).get(
            "joined"
        ):
            client.navigate(f"/{self.room}/room")
            client.sync(timeout=300)


MALFORMED_FRAMES = [
    "42" + NAMESPACE + ",not json",
    "42" + NAMESPACE + ',["event", "string"]',
    "42" + NAMESPACE + ',["event", "{\\"name\\": 1}"]',
    "42" + NAMESPACE + ',["event", 5]',
    "42" + NAMESPACE + ',["event", null]',
    "42" + NAMESPACE + ',["event", []]',
    "42" + NAMESPACE + ',["event", {}]',
    "42" + NAMESPACE + ',["event", {"name": 5}]',
    "42" + NAMESPACE + ',["event", {"name": null, "payload": {}}]',
    "42"
    + NAMESPACE
    + ',["event", {"name": "'
    + ROOM
    + '.set_hand", "payload": [true]}]',
    "42"
    + NAMESPACE
    + ',["event", {"name": "'
    + ROOM
    + '.set_hand", "payload": {"raised": true}, "router_data": "x"}]',
    "42"
    + NAMESPACE
    + ',["event", {"name": "'
    + ROOM
    + '.set_hand", "payload": {"raised": true}, "router_data": {"pathname": 5, "query": [1]}}]',
    "42"
    + NAMESPACE
    + ',["event", {"name": "'
    + ROOM
    + '._add_chat_message", "payload": {"message": {}}}]',
    "42" + NAMESPACE + ',["event", {"name": "' + ROOM + '._apply", "payload": {}}]',
    "42" + NAMESPACE + ',["event", {"name": "' + ROOM + '.__init__", "payload": {}}]',
    "42"
    + NAMESPACE
    + ',["event", {"name": "reflex___state____state.reflex_meet___state___media____media_state._calls_session"}]',
    "42" + NAMESPACE + ',["event", {"name": "' + "a." * 5000 + '"}]',
    "42"
    + NAMESPACE
    + ',["event", {"name": "'
    + CHAT
    + '.send", "payload": {"message": {"text": NaN}}}]',
    "42" + NAMESPACE + ',["client_error", 5]',
    "42" + NAMESPACE + ',["client_error", {"message": "\\ud800", "stack": []}]',
    "42" + NAMESPACE + ',["ping"]',
    "42" + NAMESPACE + ',["nonexistent_socket_event", {}]',
    "42" + NAMESPACE + ",[]",
    "42" + NAMESPACE + ",{}",
    "42" + NAMESPACE + ",12[",
    "43" + NAMESPACE + ",1[]",
    "4" + "9" * 5,
]


def _set_up(raw, members, names: tuple[str, str]) -> dict[str, Any]:
    room_a, room_b = names
    a2, a_watch = members(room_a, 2)
    b1, b2 = members(room_b, 2)
    fuzzer = raw("Fuzz").join(room_a)
    fuzzer.start_heartbeats()
    for person in (a2, a_watch):
        person.wait_for(lambda p=person: p.user(fuzzer.participant), what="the fuzzer")
    b1.quiet(1.0)
    return {
        "a": (a2, a_watch),
        "b": (b1, b2),
        "fuzzer": fuzzer,
        "b_marks": {p.token: (p.mark(), room_snapshot(p)) for p in (b1, b2)},
        "pool": boundary_values(
            {
                "room_a": room_a,
                "ids": [
                    a2.participant,
                    b1.participant,
                    b1.beacon()["key"],
                    fuzzer.token,
                    b1.token,
                ],
            }
        ),
    }


def _room_a_works(setup: dict, raw, room_a: str) -> None:
    """A newcomer joins room A; a raised hand and a message reach the others."""
    a2, a_watch = setup["a"]
    newcomer = raw("Newcomer").join(room_a)
    a2.call(ROOM, "set_hand", raised=True)
    for person in (a_watch, newcomer):
        person.wait_for(
            lambda p=person: (p.user(a2.participant) or {}).get("raisedHand"),
            what="a raised hand in room A after the fuzz",
        )
    a2.wait_for(lambda: a2.user(newcomer.participant), what="the newcomer")
    a2.call(CHAT, "send", message={"text": "after the fuzz", "to": ""})
    newcomer.wait_for(
        lambda: any(
            m.get("text") == "after the fuzz"
            for m in newcomer.var(ROOM, "chat_recent", []) or []
        ),
        what="chat in room A after the fuzz",
    )


def _failures_after(setup: dict, raw, room_a: str, log_watch) -> list[str]:
    """Everything that shows the fuzz did harm (empty when it did none)."""
    failures = []
    for person in setup["b"]:
        mark, snapshot = setup["b_marks"][person.token]
        if person.updates_since(mark) or room_changes(snapshot, person):
            failures.append(f"room B's member {person.participant} got updates")
    try:
        _room_a_works(setup, raw, room_a)
    except AssertionError as failure:
        failures.append(f"room A no longer works: {failure}")
    problems = log_watch.summary()
    if problems:
        failures.append(
            f"{sum(problems.values())} problems in the server log:\n"
            + "\n".join(f"{n:5} × {line}" for line, n in sorted(problems.items()))
        )
    return failures


def test_fuzz_every_event_handler(raw, members, log_watch, fresh_room):
    print(f"fuzz seed: {SEED} (replay with MEET_FUZZ_SEED={SEED})")
    rng = random.Random(SEED)
    room_a, room_b = fresh_room, fresh_room + "-b"
    setup = _set_up(raw, members, (room_a, room_b))
    fuzzer = Fuzzer(raw, room_a, setup["fuzzer"])
    pool = setup["pool"]
    handlers = list(app_handlers())
    assert len(handlers) > 20, "the app's handlers were not found"
    started = time.monotonic()
    sent = 0
    for state_name, name, params in handlers:
        for payload in payloads(rng, params, pool):
            fuzzer.emit(f"{state_name}.{name}", payload)
            sent += 1
        fuzzer.settle(name)
        print(f"  {name}: {time.monotonic() - started:.1f}s", flush=True)
    # Private methods and names that are no handler.
    for state_name, _name, _params in handlers[:: max(1, len(handlers) // 8)]:
        for private in ("_apply", "_add_chat_message", "_link_to", "get_state", "dict"):
            fuzzer.emit(f"{state_name}.{private}", {"message": {}})
    fuzzer.settle("private names")
    # Malformed frames, then random router data.
    for frame in MALFORMED_FRAMES:
        if fuzzer.client.closed:
            fuzzer.replace("malformed frames")
        fuzzer.client.send_frame(frame)
    fuzzer.settle("malformed frames")
    for _ in range(30):
        fuzzer.emit(
            f"{ROOM}.set_hand",
            {"raised": rng.choice([True, False])},
            router_data=random_value(rng, pool),
        )
    fuzzer.settle("random router data")
    print(
        f"sent {sent} events to {len(handlers)} handlers in {time.monotonic() - started:.0f}s"
    )
    # A frame over the transport's limit only costs the sender its socket.
    fuzzer.client.emit(f"{PROFILE}.set_name_draft", {"value": "y" * 1_100_000})
    fuzzer.client.quiet(1.0)
    fuzzer.client.close()
    failures = _failures_after(setup, raw, room_a, log_watch)
    if fuzzer.dropped:
        failures.append(
            "the server closed the fuzzer's socket (a member's own socket dies on "
            f"bad input) during: {fuzzer.dropped}"
        )
    assert failures == [], f"seed {SEED}:\n" + "\n\n".join(failures)


# ---- HTTP -------------------------------------------------------------------


ROUTES = [
    "/_meet/heartbeat",
    "/_meet/leave",
    "/_meet/bug-report",
    "/_meet/track-report",
    "/_meet/meetings/{x}",
    "/_meet/bug-reports/{x}",
    "/_meet/health",
    "/_meet/{x}",
    "/_meet/heartbeat/{x}",
]
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]


def _http_body(rng: random.Random, pool: list[Any], proof: dict) -> bytes:
    kind = rng.randrange(8)
    if kind == 0:  # a real tab's proof with one field broken
        broken = dict(proof)
        broken[rng.choice([*list(broken), "trackId", "meetingId", "text"])] = (
            random_value(rng, pool)
        )
        return json.dumps(broken, allow_nan=True).encode()
    if kind == 1:
        return rng.choice(
            [
                b"",
                b"{",
                b"\xff\xfe\x00",
                b"\xef\xbb\xbf{}",
                b"null",
                b"[]",
                b"1e999",
                b'{"a": NaN}',
                b'{"a": Infinity}',
                b'{"text": "\\ud800"}',
                b"{" * 5000,
            ]
        )
    if kind == 2:
        return json.dumps({"text": HUGE[:70_000], "diagnostics": {}}).encode()
    if kind == 3:
        return json.dumps(
            {"text": random_value(rng, pool), "diagnostics": random_value(rng, pool)},
            allow_nan=True,
        ).encode()
    value = random_value(rng, pool)
    try:
        return json.dumps(value, allow_nan=True).encode("utf-8", "surrogatepass")
    except (ValueError, RecursionError):
        return b"{}"


def _path_part(rng: random.Random) -> str:
    return rng.choice(
        [
            "x",
            "%00",
            "..%2f..%2fetc",
            "%ed%a0%80",
            "a" * 5000,
            "🙂",
            "%",
            uuid.uuid4().hex,
            "0",
            "-1",
        ]
    )


def test_fuzz_every_http_route(app_server, raw, members, log_watch, fresh_room):
    print(f"fuzz seed: {SEED} (replay with MEET_FUZZ_SEED={SEED})")
    rng = random.Random(SEED + 1)
    room_a, room_b = fresh_room, fresh_room + "-b"
    setup = _set_up(raw, members, (room_a, room_b))
    pool = setup["pool"]
    proof = setup["fuzzer"].beacon()
    requests = []
    for _ in range(700):
        path = rng.choice(ROUTES).replace("{x}", _path_part(rng))
        headers = {
            "content-type": rng.choice(
                [
                    "application/json",
                    "text/plain",
                    "multipart/form-data",
                    "",
                    "application/json; charset=latin-1",
                ]
            ),
        }
        if rng.random() < 0.3:
            headers["authorization"] = rng.choice(
                [
                    "Bearer",
                    "Bearer " + "a" * 10000,
                    "Basic x",
                    "Bearer " + uuid.uuid4().hex,
                ]
            )
        requests.append(
            (rng.choice(METHODS), path, headers, _http_body(rng, pool, proof))
        )

    async def send_all() -> list[tuple[str, str, httpx.Response]]:
        async with httpx.AsyncClient(base_url=app_server["url"], timeout=30) as http:
            answers = []
            for method, path, headers, body in requests:
                try:
                    answer = await http.request(
                        method, path, headers=headers, content=body
                    )
                except httpx.TransportError as failure:
                    # A server may close the connection on absurd requests
                    # (huge headers); whether it still works is checked below.
                    dropped.append((method, path[:60], repr(failure)))
                    continue
                answers.append((method, path, answer))
            return answers

    dropped: list[tuple[str, str, str]] = []
    answers = run_async(send_all(), timeout=300)
    print(f"{len(answers)} answers; connections closed without one: {dropped[:5]}")
    bad = []
    for method, path, answer in answers:
        if answer.status_code >= 500 and not path.startswith("/_meet/health"):
            bad.append((method, path[:60], answer.status_code, answer.text[:120]))
            continue
        if answer.status_code >= 400 and method != "HEAD":
            try:
                error = answer.json()["error"]
                assert isinstance(error["code"], str) and isinstance(
                    error["description"], str
                )
            except Exception:
                bad.append((method, path[:60], answer.status_code, answer.text[:120]))
    failures = _failures_after(setup, raw, room_a, log_watch)
    if bad:
        by_status: dict[int, int] = {}
        for _method, _path, status, _text in bad:
            by_status[status] = by_status.get(status, 0) + 1
        failures.append(
            f"{len(bad)} bad answers (by status {by_status}), e.g. {bad[:8]}"
        )
    assert failures == [], f"seed {SEED}:\n" + "\n\n".join(failures)
