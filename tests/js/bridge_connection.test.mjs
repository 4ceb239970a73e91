// connection.js: the Calls RPC (sent once, one budget, the proxy's rate
// limit), socket drops, and negotiations one at a time (run by
// tests/unit/test_js_logic.py).
import assert from "node:assert/strict";
import { test } from "node:test";

import { FakePeerConnection, fakeEngine, fakePlaceholders, tick } from "./fake_webrtc.mjs";

globalThis.window = globalThis;
const { Connection, RATE_LIMIT_WAITS } = await import("../../assets/meet/connection.js");
const { DEFAULT_REPLY_TIMEOUT_MS, REPLY_MARGIN_MS, serverWorstCaseMs } = await import("../../assets/meet/media_logic.js");
const { watchReflexSocket } = await import("../../assets/meet/reflex_socket.js");

/** A connection whose server answers with `replies` in order (then 200 {}). */
function answering(replies, hooks = {}) {
  const connection = new Connection(hooks);
  const sent = [];
  connection.setTransport((request) => {
    sent.push({ ...request, at: Date.now() });
    const reply = replies.shift() || { status: 200, body: {} };
    if (reply !== "never") setTimeout(() => connection.resolve(request.id, reply), 1);
  });
  return { connection, sent };
}

const limited = (retryAfter) => ({ status: 429, error: { code: "rate_limited", description: "Too many requests.", retryAfter } });

// ---- one retry layer: the server's ------------------------------------------------

test("a transient failure is not retried by the page: one request, the server's error", async () => {
  for (const reply of [
    { status: 503, error: { code: "backend_error", description: "" } },
    { status: 502, error: { code: "retryable_transient_error", description: "" } },
    { status: 425, error: { code: "session_error", description: "" } },
  ]) {
    const { connection, sent } = answering([reply]);
    await assert.rejects(connection.rpc("tracks/new", "own", { tracks: [] }), (err) => err.code === reply.error.code);
    assert.equal(sent.length, 1, reply.error.code);
  }
});

test("a request the server never answers fails after the budget, sent once", async () => {
  const { connection, sent } = answering(["never"]);
  connection.setReplyTimeout(40);
  const started = Date.now();
  await assert.rejects(connection.rpc("tracks/new", "own", {}), (err) => err.code === "bridge_timeout");
  assert.ok(Date.now() - started >= 39);
  assert.equal(sent.length, 1);
  assert.equal(connection.replies.size, 0);
});

test("the budget: the server's worst case (4 x 10 s + 3 x 10 s) plus the margin", async () => {
  assert.equal(serverWorstCaseMs({ timeoutS: 10, attempts: 4, backoffMaxS: 10 }), 70000);
  assert.equal(DEFAULT_REPLY_TIMEOUT_MS, serverWorstCaseMs({ timeoutS: 10, attempts: 4, backoffMaxS: 10 }) + REPLY_MARGIN_MS);
  assert.equal(new Connection().replyTimeoutMs, 75000);
  assert.equal(serverWorstCaseMs({ timeoutS: 2.5, attempts: 1, backoffMaxS: 10 }), 2500);
  for (const bad of [{ timeoutS: -1, attempts: 4, backoffMaxS: 10 }, { timeoutS: 10, attempts: 0, backoffMaxS: 10 }, { timeoutS: 10, attempts: 1.5, backoffMaxS: 1 }]) {
    assert.throws(() => serverWorstCaseMs(bad), RangeError);
  }
  // The server's own budget, handed over by the bridge, wins.
  const { engine } = await fakeEngine({ replyTimeoutMs: 95000 });
  assert.equal(engine.connection.replyTimeoutMs, 95000);
  assert.throws(() => engine.attach({ replyTimeoutMs: -5 }), RangeError);
  assert.throws(() => engine.attach({ replyTimeoutMs: Number.NaN }), RangeError);
});

test("our proxy's rate limit: waits retryAfter and sends the same request again", async () => {
  const events = [];
  const { connection, sent } = answering([limited(0.3), { status: 200, body: { ok: 1 } }], { emit: (kind, detail) => events.push([kind, detail.op]) });
  const body = { tracks: [{ location: "remote", sessionId: "s", trackName: "mic" }] };
  assert.deepEqual(await connection.rpc("tracks/new", "own", body), { ok: 1 });
  assert.equal(sent.length, 2);
  assert.deepEqual([sent[1].op, sent[1].sessionId, sent[1].body], ["tracks/new", "own", body]);
  assert.ok(sent[1].at - sent[0].at >= 290, sent[1].at - sent[0].at); // never sooner than asked
  assert.deepEqual(events, [["rate_limited", "tracks/new"]]);
});

test("rate-limit waits are bounded; Calls' own 429 (the server gave up) is not re-sent", async () => {
  const { connection, sent } = answering([limited(0.05), limited(0.05), limited(0.05)]);
  await assert.rejects(connection.rpc("session", "own", null, { rateLimitWaits: 2 }), (err) => err.code === "rate_limited" && err.status === 429);
  assert.equal(sent.length, 3);
  assert.equal(RATE_LIMIT_WAITS, 8);
  const upstream = answering([{ status: 429, error: { code: "http_429", description: "Calls: slow down" } }]);
  await assert.rejects(upstream.connection.rpc("tracks/new", "own", {}), (err) => err.status === 429);
  assert.equal(upstream.sent.length, 1);
});

test("a refusal saying our session is gone tells the recovery; an old session's does not", async () => {
  const lost = [];
  const { connection } = answering(
    [
      { status: 403, error: { code: "no_session", description: "Create a media session first." } },
      { status: 410, error: { code: "session_error", description: "closed" } },
      { status: 403, error: { code: "track_not_in_room", description: "" } },
    ],
    { onSessionLost: (reason) => lost.push(reason) },
  );
  connection.sessionId = "current";
  await assert.rejects(connection.rpc("tracks/close", "current", {}));
  await assert.rejects(connection.rpc("tracks/close", "old", {}));
  await assert.rejects(connection.rpc("tracks/close", "current", {}));
  assert.deepEqual(lost, ["no_session"]);
});

test("requests made before the transport are sent once it is there", async () => {
  const connection = new Connection();
  const answer = connection.rpc("sessions/new", null, null);
  await tick(5);
  const sent = [];
  connection.setTransport((request) => {
    sent.push(request);
    connection.resolve(request.id, { status: 201, body: { sessionId: "x" }, iceServers: [{ urls: "stun:stun.example:3478" }] });
  });
  assert.deepEqual(await answer, { sessionId: "x" });
  assert.equal(sent.length, 1);
  assert.deepEqual(connection.iceServers, [{ urls: ["stun:stun.example:3478"] }]);
});

// ---- Reflex's socket drops (a worker died) and comes back -------------------------

test("a request lost with its worker is given up soon, not re-sent; the recovery is told", async () => {
  const unknown = [];
  const { connection, sent } = answering(["never"], { onOutcomeUnknown: (op) => unknown.push(op) });
  connection.sessionId = "own";
  connection.lostAfterReconnectMs = 50;
  const started = Date.now();
  const answer = connection.rpc("tracks/new", "own", { tracks: [] });
  await tick(5);
  connection.socketDropped();
  connection.socketConnected();
  await assert.rejects(answer, (err) => err.code === "bridge_lost");
  assert.ok(Date.now() - started < 2000); // not the reply budget
  await tick(60);
  assert.equal(sent.length, 1);
  assert.deepEqual(unknown, ["tracks/new"]);
  assert.equal(connection.history.filter((e) => e.error?.code === "bridge_lost").length, 1);
  assert.equal(connection.socketDrops, 1);
});

test("an answer arriving after the socket is back is taken; nothing is sent twice", async () => {
  const connection = new Connection();
  connection.lostAfterReconnectMs = 100;
  const sent = [];
  connection.setTransport((request) => sent.push(request));
  const answer = connection.rpc("tracks/new", "own", { tracks: [] });
  await tick(5);
  connection.socketDropped();
  connection.socketConnected();
  setTimeout(() => connection.resolve(sent[0].id, { status: 200, body: { late: true } }), 20);
  assert.deepEqual(await answer, { late: true });
  await tick(150);
  assert.equal(sent.length, 1);
});

test("requests made after the drop are not given up when the socket comes back", async () => {
  const connection = new Connection();
  connection.lostAfterReconnectMs = 10;
  const sent = [];
  connection.setTransport((request) => sent.push(request));
  connection.socketDropped();
  const answer = connection.rpc("tracks/new", "own", { tracks: [] });
  connection.socketConnected();
  await tick(60);
  assert.equal(sent.length, 1);
  connection.resolve(sent[0].id, { status: 200, body: { ok: 1 } });
  assert.deepEqual(await answer, { ok: 1 });
});

test("the socket watch chains onto hooks installed before it", () => {
  const seen = [];
  globalThis.__reflex_otel = { onSocketDisconnect: (reason) => seen.push(`earlier drop ${reason}`), onEventSend: () => {} };
  watchReflexSocket({ onDrop: (reason) => seen.push(`drop ${reason}`), onConnect: () => seen.push("connect") });
  globalThis.__reflex_otel.onSocketDisconnect("transport close");
  globalThis.__reflex_otel.onSocketConnect();
  assert.deepEqual(seen, ["earlier drop transport close", "drop transport close", "connect"]);
  assert.equal(typeof globalThis.__reflex_otel.onEventSend, "function");
  delete globalThis.__reflex_otel;
});

// ---- negotiations one at a time ------------------------------------------------------

test("a second negotiation waits for the first to settle (even a failed one)", async () => {
  const connection = new Connection();
  const log = [];
  let release;
  const first = connection.negotiate(async () => {
    log.push("first starts");
    await new Promise((resolve) => (release = resolve));
    log.push("first ends");
    throw new Error("first failed");
  });
  const second = connection.negotiate(async () => log.push("second starts"));
  await tick(10);
  assert.deepEqual(log, ["first starts"]);
  assert.equal(connection.queue.pending, 2);
  release();
  await assert.rejects(first, /first failed/);
  await second;
  assert.deepEqual(log, ["first starts", "first ends", "second starts"]);
  assert.equal(connection.queue.pending, 0);
});

test("a screen published while pulls are under way: the offers never overlap", async () => {
  const { engine, server, pcs } = await fakeEngine({ delayMs: 15 });
  const errors = [];
  engine.on("media_error", (detail) => errors.push(detail));
  await engine.start("r");
  engine.want(["p1/mic", "p2/mic"], ["p1/camera"]);
  await tick(1); // the reconcile is under way
  await engine.startScreenShare(new (await import("./fake_webrtc.mjs")).FakeTrack("video", "screen"));
  await tick(80);
  assert.deepEqual(errors, []);
  const pc = pcs[0];
  assert.ok(!pc.log.some((entry) => entry.includes("rollback")), pc.log.join());
  // Each negotiation's requests come after the previous one's answer.
  const requests = server.sent.slice(2).map((r) => [r.op, r.body?.tracks?.[0]?.location || ""]);
  assert.deepEqual(requests, [["tracks/new", "remote"], ["renegotiate", ""], ["tracks/new", "local"]]);
  assert.equal(engine.pulled.size, 3);
  assert.ok(engine.senders.screen);
  engine.generation += 1;
  engine.monitors.stop();
});

test("without the queue the fake connection refuses overlapping offers (the check can fail)", async () => {
  const { engine } = await fakeEngine({ delayMs: 15 });
  await engine.start("r");
  engine.monitors.stop();
  const { FakeTrack } = await import("./fake_webrtc.mjs");
  engine.publisher.screenTrack = new FakeTrack("video", "screen");
  const both = Promise.all([engine.publisher.publish([["screen"]]), engine.publisher.publish([["ptt", new FakeTrack("audio")]])]);
  await assert.rejects(both, /overlapped/);
  assert.ok(FakePeerConnection.created.length >= 1);
  assert.ok(fakePlaceholders().silentAudio());
  engine.generation += 1;
});
