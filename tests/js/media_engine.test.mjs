// The engine facade: attach/detach lifecycle (no timer), events with several
// listeners (run by tests/unit/test_js_logic.py).
import assert from "node:assert/strict";
import { test } from "node:test";

import { fakeEngine, ops, tick, until } from "./fake_webrtc.mjs";

globalThis.window = globalThis;
const { Emitter } = await import("../../assets/meet/media_logic.js");

const settled = (engine) => until(() => !engine.stopping, 2000, "the stop");

test("attach and start: one session, mic and camera published, announced to every listener", async () => {
  const { engine, server, pcs, detach } = await fakeEngine();
  const first = [];
  const second = [];
  engine.on("announce", (changes) => first.push(changes));
  engine.on("announce", (changes) => second.push(changes));
  await engine.start("r");
  assert.equal(engine.status, "ready");
  await until(() => first.length === 1, 2000, "the announcement");
  assert.deepEqual(first, second);
  assert.equal(first[0]["tracks.audio"], "s1/mic");
  assert.equal(first[0]["tracks.video"], "s1/camera");
  assert.deepEqual(ops(server.sent), ["sessions/new", "tracks/new"]);
  assert.equal(pcs.length, 1);
  assert.deepEqual(engine.published, { mic: "s1/mic", camera: "s1/camera" });
  detach();
  await tick(1);
  await settled(engine);
});

test("the last detach stops media: tracks closed on Calls, connection and devices stopped", async () => {
  const { engine, server, pcs, media, detach } = await fakeEngine();
  await engine.start("r");
  await until(() => engine.published.camera);
  detach();
  assert.equal(engine.status, "ready"); // not at once: an owner may come back in this commit
  await tick(1);
  await settled(engine);
  assert.equal(engine.status, "stopped");
  const close = server.sent.find((r) => r.op === "tracks/close");
  assert.equal(close.body.tracks.length, 2);
  assert.ok(pcs[0].closed);
  assert.ok(media.opened.every((track) => track.readyState === "ended"));
  assert.equal(engine.room, "");
  assert.equal(engine.monitors.running, false);
});

test("detach is idempotent: a second call does not take another owner's place", async () => {
  const { engine, server, detach } = await fakeEngine();
  const other = engine.attach({ send: server.send });
  await engine.start("r");
  detach();
  detach();
  await tick(5);
  assert.equal(engine.status, "ready");
  assert.ok(engine.attached);
  other();
  other();
  await tick(1);
  await settled(engine);
  assert.equal(engine.status, "stopped");
});

test("StrictMode's mount, unmount, mount: one session, nothing stopped", async () => {
  const { engine, server, pcs } = await fakeEngine({ attach: false });
  let detach = engine.attach({ send: server.send });
  const starting = engine.start("r");
  detach(); // StrictMode unmounts ...
  detach = engine.attach({ send: server.send }); // ... and mounts again, in the same flush
  engine.start("r");
  await starting;
  await tick(5);
  assert.equal(engine.status, "ready");
  assert.equal(server.sent.filter((r) => r.op === "sessions/new").length, 1);
  assert.equal(pcs.length, 1);
  assert.ok(!pcs[0].closed);
  detach();
  await tick(1);
  await settled(engine);
});

test("lobby -> meeting: the meeting's bridge takes over the lobby's media", async () => {
  const { engine, server, pcs, detach: lobby } = await fakeEngine();
  await engine.start("r");
  await until(() => engine.published.camera);
  const mic = engine.micTrack;
  const meetingServer = [];
  lobby();
  const meeting = engine.attach({
    send: (request) => {
      meetingServer.push(request.op);
      server.send(request);
    },
  });
  await engine.start("r");
  await tick(5);
  assert.equal(engine.status, "ready");
  assert.equal(engine.micTrack, mic);
  assert.equal(mic.readyState, "live");
  assert.equal(pcs.length, 1);
  // The new owner's transport carries what follows.
  engine.want(["p1/mic"], []);
  await until(() => engine.pulled.size === 1);
  assert.deepEqual(meetingServer, ["tracks/new", "renegotiate"]);
  meeting();
  await tick(1);
  await settled(engine);
});

test("attached again after leaving: a new session with devices opened afresh", async () => {
  const { engine, server, detach } = await fakeEngine();
  await engine.start("r");
  detach();
  await tick(1);
  await settled(engine);
  const again = engine.attach({ send: server.send });
  await engine.start("r");
  assert.equal(engine.status, "ready");
  assert.equal(engine.sessionId, "s2");
  assert.equal(engine.micTrack.readyState, "live");
  again();
  await tick(1);
  await settled(engine);
});

test("joining again while the stop is still closing tracks waits for it", async () => {
  const { engine, server, detach } = await fakeEngine({ delayMs: 20 });
  await engine.start("r");
  await until(() => engine.published.camera);
  detach();
  await tick(1);
  assert.ok(engine.stopping);
  const again = engine.attach({ send: server.send });
  await engine.start("r");
  assert.equal(engine.status, "ready");
  assert.equal(engine.sessionId, "s2");
  assert.equal(engine.micTrack.readyState, "live"); // not stopped by the old stop
  again();
  await tick(1);
  await settled(engine);
});

test("a change of room stops the old room's media first", async () => {
  const { engine, server, detach } = await fakeEngine();
  await engine.start("a");
  await engine.start("b");
  assert.equal(engine.room, "b");
  assert.equal(engine.sessionId, "s2");
  assert.ok(server.sent.some((r) => r.op === "tracks/close" && r.sessionId === "s1"));
  await assert.rejects(engine.start(""), TypeError);
  detach();
  await tick(1);
  await settled(engine);
});

// ---- events ------------------------------------------------------------------------

test("several listeners per event; unsubscribe; '*' hears every event with its name", async () => {
  const { engine, detach } = await fakeEngine();
  const a = [];
  const b = [];
  const all = [];
  const offA = engine.on("device_error", (detail) => a.push(detail.code));
  engine.on("device_error", (detail) => b.push(detail.code));
  engine.on("*", (detail, kind) => all.push(kind));
  engine.emit("device_error", { code: "device_busy" });
  offA();
  offA();
  engine.emit("device_error", { code: "no_device" });
  engine.emit("unstable");
  assert.deepEqual(a, ["device_busy"]);
  assert.deepEqual(b, ["device_busy", "no_device"]);
  assert.deepEqual(all, ["device_error", "device_error", "unstable"]);
  assert.throws(() => engine.on("no_such_event", () => {}), RangeError);
  assert.throws(() => engine.on("announce", "not a function"), TypeError);
  detach();
  await tick(1);
  await settled(engine);
});

test("a listener that throws does not keep the others from hearing", () => {
  const emitter = new Emitter();
  const heard = [];
  const errors = console.error;
  console.error = () => {};
  try {
    emitter.on("x", () => {
      throw new Error("boom");
    });
    emitter.on("x", (detail) => heard.push(detail));
    const fn = (detail) => heard.push(detail);
    const off1 = emitter.on("x", fn);
    emitter.on("x", fn); // the same function twice: two subscriptions
    emitter.emit("x", 1);
    off1();
    emitter.emit("x", 2);
  } finally {
    console.error = errors;
  }
  assert.deepEqual(heard, [1, 1, 1, 2, 2]);
  assert.equal(emitter.count("x"), 3);
  assert.equal(emitter.count("y"), 0);
});

test("the store: every change reaches every subscriber, unsubscribe works", async () => {
  const { engine, detach } = await fakeEngine();
  let one = 0;
  let two = 0;
  const off = engine.subscribe(() => (one += 1));
  engine.subscribe(() => (two += 1));
  const before = engine.getVersion();
  engine.changed();
  off();
  engine.changed();
  assert.equal(engine.getVersion(), before + 2);
  assert.deepEqual([one, two], [1, 2]);
  detach();
  await tick(1);
  await settled(engine);
});
