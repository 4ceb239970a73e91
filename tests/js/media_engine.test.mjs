// The media engine's one retry layer (MediaEngine.api), run in Node with a
// fake transport standing in for the server (run by tests/unit/test_js_logic.py).
import assert from "node:assert/strict";
import { test } from "node:test";

globalThis.window = globalThis;
const { MediaEngine } = await import("../../assets/meet/media_engine.js");

/** An engine whose server answers with `replies` in order (then 200 {}). */
function engineAnswering(replies) {
  const engine = new MediaEngine();
  const sent = [];
  engine.setTransport((request) => {
    sent.push({ ...request, at: Date.now() });
    const reply = replies.shift() || { status: 200, body: {} };
    setTimeout(() => engine.resolve(request.id, reply), 1);
  });
  return { engine, sent };
}

const limited = (retryAfter) => ({
  status: 429,
  error: { code: "rate_limited", description: "Too many requests.", retryAfter },
});

test("a rate-limited request waits retryAfter and is sent again, unchanged", async () => {
  const { engine, sent } = engineAnswering([limited(0.3), { status: 200, body: { ok: 1 } }]);
  const body = { tracks: [{ location: "remote", sessionId: "s", trackName: "mic" }] };
  assert.deepEqual(await engine.api("tracks/new", "own", body), { ok: 1 });
  assert.equal(sent.length, 2);
  assert.deepEqual([sent[1].op, sent[1].sessionId, sent[1].body], ["tracks/new", "own", body]);
  const waited = sent[1].at - sent[0].at;
  assert.ok(waited >= 290, waited); // never sooner than the server asked
});

test("rate limits are not retried for ever, and not like transient failures", async () => {
  const { engine, sent } = engineAnswering([limited(0.2), limited(0.2), limited(0.2)]);
  await assert.rejects(
    engine.api("session", "own", null, { rateLimitRetries: 2 }),
    (err) => err.code === "rate_limited" && err.status === 429,
  );
  assert.equal(sent.length, 3);
});

test("a refusal saying our session is gone starts one recovery; an old session's does not", async () => {
  const { engine } = engineAnswering([
    { status: 403, error: { code: "no_session", description: "Create a media session first." } },
    { status: 410, error: { code: "session_error", description: "closed" } },
  ]);
  const asked = [];
  engine.requestRecovery = () => asked.push(engine.sessionId);
  engine.status = "ready";
  engine.room = "r";
  engine.sessionId = "current";
  await assert.rejects(engine.api("tracks/close", "current", { tracks: [{ mid: "0" }] }));
  await assert.rejects(engine.api("tracks/close", "old", { tracks: [{ mid: "0" }] }));
  assert.deepEqual(asked, ["current"]);
});

test("transient failures are retried with backoff, refusals are not", async () => {
  const { engine, sent } = engineAnswering([
    { status: 503, error: { code: "backend_error", description: "" } },
    { status: 200, body: { fine: true } },
    { status: 403, error: { code: "track_not_in_room", description: "" } },
  ]);
  assert.deepEqual(await engine.api("session", "own", null), { fine: true });
  await assert.rejects(engine.api("session", "own", null), (err) => err.code === "track_not_in_room");
  assert.equal(sent.length, 3);
});

// ---- Reflex's socket drops (a worker died) and comes back ----------------------

const { watchReflexSocket } = await import("../../assets/meet/reflex_socket.js");

/** An engine whose server never answers the first request, then answers 200. */
function engineLosingTheFirst() {
  const engine = new MediaEngine();
  engine.lostAfterReconnectMs = 50;
  const sent = [];
  engine.setTransport((request) => {
    sent.push(request);
    if (sent.length > 1) setTimeout(() => engine.resolve(request.id, { status: 200, body: { n: sent.length } }), 1);
  });
  return { engine, sent };
}

test("a request sent before the socket dropped, unanswered after it is back, is sent again", async () => {
  const { engine, sent } = engineLosingTheFirst();
  const started = Date.now();
  const answer = engine.api("tracks/new", "own", { tracks: [] });
  await new Promise((resolve) => setTimeout(resolve, 5));
  engine.socketDropped();
  engine.socketConnected();
  assert.deepEqual(await answer, { n: 2 });
  assert.equal(sent.length, 2);
  assert.deepEqual([sent[1].op, sent[1].sessionId], ["tracks/new", "own"]);
  assert.ok(Date.now() - started < 5000); // not the 20 s reply timeout
  assert.equal(engine.history.filter((e) => e.error?.code === "bridge_lost").length, 1);
});

test("an answer arriving after the socket is back is taken; nothing is sent twice", async () => {
  const engine = new MediaEngine();
  engine.lostAfterReconnectMs = 100;
  const sent = [];
  engine.setTransport((request) => sent.push(request));
  const answer = engine.api("tracks/new", "own", { tracks: [] });
  await new Promise((resolve) => setTimeout(resolve, 5));
  engine.socketDropped();
  engine.socketConnected();
  setTimeout(() => engine.resolve(sent[0].id, { status: 200, body: { late: true } }), 20);
  assert.deepEqual(await answer, { late: true });
  await new Promise((resolve) => setTimeout(resolve, 150));
  assert.equal(sent.length, 1);
});

test("requests made after the drop are not given up when the socket comes back", async () => {
  const engine = new MediaEngine();
  engine.lostAfterReconnectMs = 10;
  const sent = [];
  engine.setTransport((request) => sent.push(request));
  engine.socketDropped();
  const answer = engine.api("tracks/new", "own", { tracks: [] });
  engine.socketConnected();
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(sent.length, 1);
  engine.resolve(sent[0].id, { status: 200, body: { ok: 1 } });
  assert.deepEqual(await answer, { ok: 1 });
});

test("the socket watch chains onto hooks installed before it", () => {
  const seen = [];
  globalThis.__reflex_otel = {
    onSocketDisconnect: (reason) => seen.push(`earlier drop ${reason}`),
    onEventSend: () => {},
  };
  watchReflexSocket({ onDrop: (reason) => seen.push(`drop ${reason}`), onConnect: () => seen.push("connect") });
  globalThis.__reflex_otel.onSocketDisconnect("transport close");
  globalThis.__reflex_otel.onSocketConnect();
  assert.deepEqual(seen, ["earlier drop transport close", "drop transport close", "connect"]);
  assert.equal(typeof globalThis.__reflex_otel.onEventSend, "function");
  delete globalThis.__reflex_otel;
});
