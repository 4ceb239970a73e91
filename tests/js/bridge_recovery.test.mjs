// recovery.js: ICE failure, a lost session, a server that forgot us, an
// unknown outcome; paced, never after leaving (run by tests/unit/test_js_logic.py).
import assert from "node:assert/strict";
import { test } from "node:test";

import { FakeTrack, fakeEngine, tick, until } from "./fake_webrtc.mjs";

globalThis.window = globalThis;
const { RecoveryPacer } = await import("../../assets/meet/media_logic.js");

async function ready(options) {
  const made = await fakeEngine(options);
  const { engine } = made;
  made.events = [];
  engine.on("*", (detail, kind) => made.events.push(kind));
  made.announced = [];
  engine.on("announce", (changes) => made.announced.push(changes));
  await engine.start("r");
  await until(() => engine.published.camera, 2000, "the announcement");
  engine.monitors.stop();
  made.done = async () => {
    made.detach();
    await tick(1);
    await until(() => !engine.stopping);
  };
  return made;
}

const newSessions = (server) => server.sent.filter((r) => r.op === "sessions/new").length;

test("ICE failed: connection lost, a new session, republished and announced, reconnected", async () => {
  const { engine, server, pcs, events, announced, done } = await ready();
  pcs[0].setState("failed");
  await until(() => engine.sessionId === "s2" && engine.status === "ready", 2000, "the recovery");
  assert.ok(pcs[0].closed);
  await until(() => announced.some((c) => c["tracks.audio"] === "s2/mic"));
  assert.ok(events.includes("connection_lost"));
  assert.ok(events.includes("reconnected"));
  assert.equal(newSessions(server), 2);
  assert.equal(engine.connectionState, "new");
  await done();
});

test("disconnected: told after 2 s, recovered after 7 s, not before", async () => {
  const { engine, server, pcs, events, done } = await ready();
  const t0 = Date.now();
  pcs[0].iceConnectionState = "disconnected";
  engine.recovery.onConnectionState(t0);
  engine.recovery.tick(t0 + 1000);
  assert.ok(!events.includes("connection_lost"));
  engine.recovery.tick(t0 + 2500);
  assert.equal(events.filter((e) => e === "connection_lost").length, 1);
  engine.recovery.tick(t0 + 5000);
  await tick(20);
  assert.equal(newSessions(server), 1);
  engine.recovery.tick(t0 + 7500);
  await until(() => engine.sessionId === "s2" && engine.status === "ready");
  assert.equal(events.filter((e) => e === "connection_lost").length, 1);
  await done();
});

test("back to connected before 7 s: no recovery, reconnected told", async () => {
  const { engine, server, pcs, events, done } = await ready();
  const t0 = Date.now();
  pcs[0].iceConnectionState = "disconnected";
  engine.recovery.onConnectionState(t0);
  engine.recovery.tick(t0 + 2500);
  pcs[0].iceConnectionState = "connected";
  engine.recovery.onConnectionState(t0 + 3000);
  engine.recovery.tick(t0 + 9000);
  await tick(20);
  assert.equal(newSessions(server), 1);
  assert.deepEqual(events.filter((e) => e === "connection_lost" || e === "reconnected"), ["connection_lost", "reconnected"]);
  await done();
});

test("a refusal saying our session is gone: session_lost and a new session", async () => {
  const { engine, server, events, done } = await ready({
    answer: (request) =>
      request.op === "tracks/new" && request.sessionId === "s1" && request.body.tracks[0].location === "remote"
        ? { status: 403, error: { code: "no_session", description: "gone" } }
        : null,
  });
  engine.want(["p1/mic"], []);
  await until(() => engine.sessionId === "s2" && engine.status === "ready", 2000, "the recovery");
  assert.ok(events.includes("session_lost"));
  await until(() => engine.pulled.has("p1/mic"), 2000, "the pull on the new session");
  assert.ok(server.sent.some((r) => r.op === "tracks/new" && r.sessionId === "s2" && r.body.tracks[0].location === "remote"));
  await done();
});

test("the server forgot our session (an app restart): a new one after the grace", async () => {
  const { engine, events, done } = await ready();
  const t0 = Date.now();
  engine.setServerSession("s1");
  engine.recovery.tick(t0 + 5000);
  assert.ok(!events.includes("session_lost"));
  engine.setServerSession("");
  engine.recovery.checkServerSession(t0);
  engine.recovery.checkServerSession(t0 + 1000);
  assert.ok(!events.includes("session_lost"));
  engine.recovery.checkServerSession(t0 + 2500);
  assert.ok(events.includes("session_lost"));
  await until(() => engine.sessionId === "s2" && engine.status === "ready");
  await done();
});

test("an unknown outcome (the answer was lost): not re-sent, a new session republishes the screen", async () => {
  let lose = true;
  const made = await ready({
    answer: (request) => {
      if (lose && request.op === "tracks/new" && request.body.tracks[0].trackName === "screen") {
        lose = false;
        return "never";
      }
      return null;
    },
  });
  const { engine, server, announced, done } = made;
  engine.connection.lostAfterReconnectMs = 5;
  const sharing = engine.startScreenShare(new FakeTrack("video", "screen"));
  await until(() => engine.replies.size === 1);
  engine.socketDropped();
  engine.socketConnected();
  await sharing;
  await until(() => engine.sessionId === "s2" && engine.status === "ready", 2000, "the recovery");
  await until(() => announced.some((c) => c["tracks.screenshare"] === "s2/screen"), 2000, "the screen again");
  const screens = server.sent.filter((r) => r.op === "tracks/new" && r.body.tracks.some((t) => t.trackName === "screen"));
  assert.deepEqual(
    screens.map((r) => r.sessionId),
    ["s1", "s2"],
  );
  assert.equal(engine.history.filter((e) => e.error?.code === "bridge_lost").length, 1);
  await done();
});

test("a recovery that fails is tried again, paced; none after leaving", async () => {
  let refuse = 0;
  const { engine, server, pcs, detach } = await ready({
    answer: (request) => (request.op === "sessions/new" && refuse-- > 0 ? { status: 503, error: { code: "calls_unavailable", description: "down" } } : null),
  });
  engine.recovery.pacer = new RecoveryPacer({ baseMs: 10, maxMs: 40 });
  refuse = 2;
  pcs[0].setState("failed");
  await until(() => engine.sessionId === "s2" && engine.status === "ready", 3000, "the third try");
  assert.equal(newSessions(server), 4); // the first, two refused, the one that worked
  detach();
  await tick(1);
  await until(() => !engine.stopping);
  const before = server.sent.length;
  engine.recovery.sessionLost("late");
  engine.recovery.request("late");
  await tick(30);
  assert.equal(server.sent.length, before);
  assert.equal(engine.status, "stopped");
});
