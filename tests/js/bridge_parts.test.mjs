// publisher.js, devices.js, monitors.js: own tracks, devices, stats (run by
// tests/unit/test_js_logic.py).
import assert from "node:assert/strict";
import { test } from "node:test";

import { FakeTrack, fakeEngine, ops, tick, until } from "./fake_webrtc.mjs";

globalThis.window = globalThis;

async function ready(options) {
  const made = await fakeEngine(options);
  await made.engine.start("r");
  await until(() => made.engine.published.camera || made.engine.published.mic, 2000, "the announcement");
  made.engine.monitors.stop(); // samples are taken by hand below
  made.done = async () => {
    made.detach();
    await tick(1);
    await until(() => !made.engine.stopping);
  };
  return made;
}

// ---- publisher -------------------------------------------------------------------

test("mute swaps silence into the mic sender: no request, the same track id", async () => {
  const { engine, server, done } = await ready();
  const count = server.sent.length;
  const sender = engine.senders.mic.sender;
  await engine.setMicEnabled(false);
  assert.equal(sender.track.label, "silence");
  await engine.setMicEnabled(true);
  assert.equal(sender.track, engine.micTrack);
  assert.equal(server.sent.length, count);
  assert.equal(engine.published.mic, "s1/mic");
  await done();
});

test("camera off: black video sent and the camera stopped; on: a camera opened again", async () => {
  const { engine, media, done } = await ready();
  const sender = engine.senders.camera.sender;
  const first = engine.cameraTrack;
  await engine.setCameraEnabled(false);
  assert.equal(sender.track.label, "black");
  assert.equal(first.readyState, "ended");
  assert.equal(engine.trackFor("self:camera"), null);
  await engine.setCameraEnabled(true);
  assert.equal(sender.track, engine.cameraTrack);
  assert.notEqual(engine.cameraTrack, first);
  assert.equal(media.opened.filter((t) => t.kind === "video").length, 2);
  assert.equal(engine.trackFor("self:camera"), engine.cameraTrack);
  await done();
});

test("a screen share is published and announced; stopping it closes its track on Calls", async () => {
  const { engine, server, done } = await ready();
  const announced = [];
  engine.on("announce", (changes) => announced.push(changes));
  const screen = new FakeTrack("video", "screen");
  assert.equal(await engine.startScreenShare(screen), true);
  await until(() => announced.length === 1);
  assert.equal(announced[0]["tracks.screenshare"], "s1/screen");
  assert.equal(announced[0]["tracks.screenShareEnabled"], true);
  const mid = engine.senders.screen.mid;
  screen.end(); // the browser's "stop sharing"
  await until(() => server.sent.some((r) => r.op === "tracks/close"));
  assert.deepEqual(announced[1], { "tracks.screenShareEnabled": false, "tracks.screenshare": null });
  assert.deepEqual(server.sent.find((r) => r.op === "tracks/close").body.tracks, [{ mid }]);
  assert.equal(engine.screenTrack, null);
  await done();
});

test("track ids are announced only once bytes flow", async () => {
  const made = await fakeEngine({ pc: { sending: false } });
  const { engine, pcs } = made;
  const announced = [];
  engine.on("announce", (changes) => announced.push(changes));
  try {
    await engine.start("r");
    await tick(250);
    assert.deepEqual(announced, []);
    assert.deepEqual(engine.published, {});
    pcs[0].sending = true;
    await until(() => announced.length === 1);
    assert.equal(announced[0]["tracks.audio"], "s1/mic");
  } finally {
    made.detach();
    await tick(1);
    await until(() => !engine.stopping);
  }
});

test("push-to-talk: published once wanted, the mic only while held", async () => {
  const { engine, server, done } = await ready();
  await engine.setPttWanted(true);
  const ptt = engine.senders.ptt.sender;
  assert.equal(ptt.track.label, "silence");
  await engine.setPttTalking(true);
  assert.equal(ptt.track.kind, "audio");
  assert.notEqual(ptt.track, engine.micTrack); // its own copy: muting the mic does not touch it
  await engine.setMicEnabled(false);
  assert.equal(ptt.track.readyState, "live");
  await engine.setPttTalking(false);
  assert.equal(ptt.track.label, "silence");
  await until(() => engine.pttReady);
  assert.equal(ops(server.sent).filter((op) => op === "tracks/new").length, 2);
  await done();
});

test("a refused screen publish is a media error, not a recovery", async () => {
  const { engine, server, done } = await ready({
    answer: (request) =>
      request.op === "tracks/new" && request.body.tracks[0].trackName === "screen" ? { status: 403, error: { code: "invalid_params", description: "no" } } : null,
  });
  const errors = [];
  engine.on("media_error", (detail) => errors.push(detail.code));
  let recoveries = 0;
  engine.recovery.request = () => (recoveries += 1);
  await engine.startScreenShare(new FakeTrack("video", "screen"));
  assert.deepEqual(errors, ["invalid_params"]);
  assert.equal(recoveries, 0);
  assert.equal(server.sent.filter((r) => r.body?.tracks?.[0]?.trackName === "screen").length, 1);
  await done();
});

// ---- devices ---------------------------------------------------------------------

test("devices are opened once; a missing microphone keeps the camera and is announced off", async () => {
  const made = await fakeEngine({ fail: { audio: "NotFoundError" } });
  const { engine, media } = made;
  const announced = [];
  engine.on("announce", (changes) => announced.push(changes));
  await Promise.all([engine.openDevices(), engine.openDevices()]);
  assert.equal(media.opened.length, 1);
  assert.equal(engine.micTrack, null);
  assert.equal(engine.cameraTrack.kind, "video");
  assert.deepEqual(engine.problems, { audio: "no_device", video: "" });
  assert.equal(engine.deviceError, "");
  await engine.start("r");
  assert.equal(announced[0]["tracks.audioEnabled"], false);
  assert.equal(announced[0]["tracks.audioUnavailable"], true);
  await until(() => announced.length === 2);
  assert.equal(announced[1]["tracks.video"], "s1/camera");
  assert.equal(engine.senders.mic, undefined);
  made.detach();
  await tick(1);
  await until(() => !engine.stopping);
});

test("denied devices: permission_denied for both, nothing published", async () => {
  const made = await fakeEngine({ fail: { audio: "NotAllowedError", video: "NotAllowedError" } });
  await made.engine.start("r");
  assert.equal(made.engine.deviceError, "permission_denied");
  assert.deepEqual(made.engine.problems, { audio: "permission_denied", video: "permission_denied" });
  assert.deepEqual(made.engine.senders, {});
  made.detach();
  await tick(1);
  await until(() => !made.engine.stopping);
});

test("switching the microphone sends the new one and remembers it", async () => {
  const stored = new Map();
  globalThis.localStorage = { getItem: (k) => stored.get(k) ?? null, setItem: (k, v) => stored.set(k, v) };
  try {
    const { engine, done } = await ready();
    await engine.refreshDevices();
    const old = engine.micTrack;
    await engine.switchDevice("audioinput", "mic1");
    assert.equal(stored.get("meet.device.audioinput"), "mic1");
    assert.equal(old.readyState, "ended");
    assert.equal(engine.senders.mic.sender.track, engine.micTrack);
    assert.equal(engine.preferred("audioinput"), "mic1");
    await engine.switchDevice("audiooutput", "spk");
    assert.equal(engine.sinkId, "spk");
    await done();
  } finally {
    delete globalThis.localStorage;
  }
});

// ---- monitors --------------------------------------------------------------------

async function pulling(ids) {
  const made = await ready();
  made.engine.want(ids, []);
  await until(() => made.engine.pulled.size === ids.length, 2000, "the pulls");
  return made;
}

test("a pulled track whose bytes stop for 10 s is reported once and pulled again once", async () => {
  const { engine, server, pcs, done } = await pulling(["p1/mic"]);
  const dead = [];
  engine.on("dead_track", ({ trackId }) => dead.push(trackId));
  engine.on("dead_track", () => dead.push("second listener"));
  const mid = engine.pulled.get("p1/mic").mid;
  pcs[0].inbound.set(mid, { kind: "audio", bytesReceived: 500, packetsReceived: 5 });
  const t0 = Date.now();
  await engine.monitors.sample(t0);
  await engine.monitors.sample(t0 + 9000);
  assert.deepEqual(dead, []);
  await engine.monitors.sample(t0 + 10000);
  assert.deepEqual(dead, ["p1/mic", "second listener"]);
  await until(() => server.sent.filter((r) => r.op === "tracks/new").length === 3, 2000, "the pull again");
  assert.ok(server.sent.some((r) => r.op === "tracks/close" && r.body.tracks[0].mid === mid));
  await until(() => engine.pulled.size === 1);
  // Dead again: reported, not pulled a third time.
  const again = engine.pulled.get("p1/mic").mid;
  pcs[0].inbound.set(again, { kind: "audio", bytesReceived: 7 });
  await engine.monitors.sample(t0 + 20000);
  await engine.monitors.sample(t0 + 31000);
  await tick(20);
  assert.equal(dead.filter((id) => id === "p1/mic").length, 2);
  assert.equal(server.sent.filter((r) => r.op === "tracks/new").length, 3);
  await done();
});

test("bytes that keep coming: never dead", async () => {
  const { engine, pcs, done } = await pulling(["p1/mic"]);
  const dead = [];
  engine.on("dead_track", ({ trackId }) => dead.push(trackId));
  const mid = engine.pulled.get("p1/mic").mid;
  const t0 = Date.now();
  for (let i = 0; i < 30; i += 1) {
    pcs[0].inbound.set(mid, { kind: "audio", bytesReceived: 100 * i });
    await engine.monitors.sample(t0 + i * 1000);
  }
  assert.deepEqual(dead, []);
  await done();
});

test("speaking from audio levels, own level from the media source, packet loss per track", async () => {
  const { engine, pcs, done } = await pulling(["p1/mic", "p2/mic"]);
  const [one, two] = ["p1/mic", "p2/mic"].map((id) => engine.pulled.get(id).mid);
  const events = [];
  engine.on("unstable", () => events.push("unstable"));
  const t0 = Date.now();
  const stats = (i, lost) => {
    pcs[0].inbound.set(one, { kind: "audio", audioLevel: 0.3, bytesReceived: i * 10, packetsReceived: i * 100, packetsLost: 0 });
    pcs[0].inbound.set(two, { kind: "audio", audioLevel: 0.0, bytesReceived: i * 10, packetsReceived: i * 100, packetsLost: lost * i });
    pcs[0].extraStats = [{ type: "media-source", kind: "audio", audioLevel: 0.5 }];
  };
  for (let i = 1; i <= 13; i += 1) {
    stats(i, 20);
    await engine.monitors.sample(t0 + i * 500);
  }
  assert.ok(engine.speaking.has("p1/mic"));
  assert.ok(!engine.speaking.has("p2/mic"));
  assert.ok(engine.speaking.has("self:audio"));
  assert.equal(engine.quality.get("p1/mic"), "good");
  assert.equal(engine.quality.get("p2/mic"), "bad");
  assert.deepEqual(events, ["unstable"]);
  const inbound = await engine.inboundStats();
  assert.deepEqual(Object.keys(inbound).sort(), ["p1/mic", "p2/mic"]);
  assert.equal(inbound["p1/mic"].packetsReceived, 1300);
  await done();
});
