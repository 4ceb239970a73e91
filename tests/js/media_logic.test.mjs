// Unit tests of the media bridge's pure helpers (run by tests/unit/test_js_logic.py).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  LossMonitor,
  SerialQueue,
  SpeakingDetector,
  backoffDelay,
  chooseDevice,
  classifyMediaError,
  connectionQuality,
  diffPulls,
  disconnectAction,
  isRetryable,
  parseTrackId,
  shortenForHistory,
} from "../../assets/meet/media_logic.js";

test("track ids", () => {
  assert.deepEqual(parseTrackId("s1/mic"), { sessionId: "s1", trackName: "mic" });
  for (const bad of ["", "s1", "/mic", "s1/", "a/b/c", 12, null]) assert.equal(parseTrackId(bad), null);
});

test("diffPulls subscribes what is wanted and drops the rest", () => {
  const { subscribe, unsubscribe } = diffPulls(["a/1", "b/1"], ["b/1", "c/1", "bad"]);
  assert.deepEqual(subscribe, ["c/1"]);
  assert.deepEqual(unsubscribe, ["a/1"]);
});

test("diffPulls waits before pulling a failed track again", () => {
  const failed = new Map([["c/1", 1000]]);
  assert.deepEqual(diffPulls([], ["c/1"], failed, 2000).subscribe, []);
  assert.deepEqual(diffPulls([], ["c/1"], failed, 3000).subscribe, ["c/1"]);
});

test("backoff doubles from 250 ms up to 10 s", () => {
  assert.deepEqual([0, 1, 2, 3, 10].map((n) => backoffDelay(n)), [250, 500, 1000, 2000, 10000]);
});

test("retryable failures", () => {
  assert.ok(isRetryable(425, "session_error"));
  assert.ok(isRetryable(503, "backend_error"));
  assert.ok(isRetryable(200, "retryable_transient_error"));
  assert.ok(!isRetryable(406, "session_error"));
  assert.ok(!isRetryable(403, "not_your_session"));
});

test("connection quality grades", () => {
  assert.equal(connectionQuality(0), "good");
  assert.equal(connectionQuality(0.01), "good");
  assert.equal(connectionQuality(0.02), "fair");
  assert.equal(connectionQuality(0.04), "poor");
  assert.equal(connectionQuality(0.06), "bad");
});

test("loss above 5% for 5 s is unstable, and recovery is reported", () => {
  const monitor = new LossMonitor();
  assert.equal(monitor.sample(0, 0, 0), null);
  let verdict = null;
  for (let t = 1; t <= 6; t += 1) {
    const v = monitor.sample(t * 10, t * 90, t * 1000);
    if (v) verdict = [v, t];
  }
  assert.deepEqual(verdict, ["unstable", 6]);
  assert.equal(monitor.sample(60, 640, 7000), "stable");
  assert.equal(monitor.sample(60, 700, 8000), null);
});

test("short loss bursts are not unstable", () => {
  const monitor = new LossMonitor();
  monitor.sample(0, 0, 0);
  assert.equal(monitor.sample(50, 50, 1000), null);
  assert.equal(monitor.sample(50, 150, 2000), null);
  assert.equal(monitor.sample(100, 200, 3000), null);
  assert.equal(monitor.unstable, false);
});

test("speaking has a hang-over", () => {
  const detector = new SpeakingDetector({ threshold: 0.1, hangMs: 500 });
  assert.equal(detector.update(0.0, 0), false);
  assert.equal(detector.update(0.3, 100), true);
  assert.equal(detector.update(0.0, 500), true);
  assert.equal(detector.update(0.0, 700), false);
});

test("disconnect: notify after 2 s, recover after 7 s or at once on failure", () => {
  assert.equal(disconnectAction("connected", null, 0), "none");
  assert.equal(disconnectAction("disconnected", 0, 1000), "none");
  assert.equal(disconnectAction("disconnected", 0, 2500), "notify");
  assert.equal(disconnectAction("disconnected", 0, 7001), "recover");
  assert.equal(disconnectAction("failed", null, 0), "recover");
});

test("device errors in few words", () => {
  assert.equal(classifyMediaError({ name: "NotAllowedError" }), "permission_denied");
  assert.equal(classifyMediaError({ name: "NotFoundError" }), "no_device");
  assert.equal(classifyMediaError({ name: "NotReadableError" }), "device_busy");
  assert.equal(classifyMediaError(null), "unknown");
});

test("remembered device only while plugged in", () => {
  const devices = [{ kind: "videoinput", deviceId: "cam1" }, { kind: "audioinput", deviceId: "mic1" }];
  assert.equal(chooseDevice(devices, "videoinput", "cam1"), "cam1");
  assert.equal(chooseDevice(devices, "videoinput", "cam2"), "");
  assert.equal(chooseDevice(devices, "videoinput", "mic1"), "");
});

test("history shortens SDP", () => {
  const out = shortenForHistory({ body: { sessionDescription: { sdp: "x".repeat(500), type: "offer" } }, list: [{ sdp: "short" }] }, 10);
  assert.equal(out.body.sessionDescription.sdp, "xxxxxxxxxx… (500 chars)");
  assert.equal(out.body.sessionDescription.type, "offer");
  assert.equal(out.list[0].sdp, "short");
});

test("the queue runs tasks one after another, even after a failure", async () => {
  const queue = new SerialQueue();
  const order = [];
  const slow = queue.run(async () => {
    order.push("a-start");
    await new Promise((r) => setTimeout(r, 20));
    order.push("a-end");
  });
  const failing = queue.run(async () => {
    order.push("b");
    throw new Error("boom");
  });
  const last = queue.run(async () => order.push("c"));
  await slow;
  await assert.rejects(failing);
  await last;
  assert.deepEqual(order, ["a-start", "a-end", "b", "c"]);
});

test("a pulled track whose bytes stop for 10 s is dead, once", async () => {
  const { DeadTrackMonitor } = await import("../../assets/meet/media_logic.js");
  const monitor = new DeadTrackMonitor({ deadMs: 10000 });
  assert.equal(monitor.sample("a/1", 100, 0), false);
  assert.equal(monitor.sample("a/1", 200, 1000), false);
  assert.equal(monitor.sample("a/1", 200, 10000), false);
  assert.equal(monitor.sample("a/1", 200, 11000), true);
  assert.equal(monitor.sample("a/1", 200, 20000), false);
  // Bytes flow again, then stop again: dead again.
  assert.equal(monitor.sample("a/1", 300, 21000), false);
  assert.equal(monitor.sample("a/1", 300, 31000), true);
  monitor.forget("a/1");
  assert.equal(monitor.sample("a/1", 300, 50000), false);
});
