// Unit tests of the media bridge's pure helpers (run by tests/unit/test_js_logic.py).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  LossMonitor,
  PullFailures,
  RecoveryPacer,
  SerialQueue,
  SessionWatch,
  SpeakingDetector,
  chooseDevice,
  classifyMediaError,
  connectionQuality,
  diffPulls,
  disconnectAction,
  isOutcomeUnknown,
  isSessionLost,
  parseTrackId,
  rateLimitDelay,
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
  const failures = new PullFailures();
  failures.failed("c/1", 1000);
  assert.deepEqual(diffPulls([], ["c/1"], failures, 2000), { subscribe: [], unsubscribe: [], retryAt: 3000 });
  assert.deepEqual(diffPulls([], ["c/1"], failures, 3000).subscribe, ["c/1"]);
});

test("a track that keeps failing is pulled at 2, 4, 8, 16 s, then no more", () => {
  const failures = new PullFailures();
  const pulls = [];
  for (let now = 0; now <= 120000; now += 100) {
    const { subscribe } = diffPulls([], ["s/nope"], failures, now);
    if (subscribe.length) {
      pulls.push(now);
      failures.failed("s/nope", now); // per-track not_found_track_error
    }
  }
  assert.deepEqual(pulls, [0, 2000, 6000, 14000, 30000]);
  assert.equal(diffPulls([], ["s/nope"], failures, 10 ** 9).retryAt, null);
});

test("a newly announced track id starts afresh; ids nobody wants are forgotten", () => {
  const failures = new PullFailures({ maxAttempts: 2 });
  failures.failed("s/nope", 0);
  failures.failed("s/nope", 2000);
  assert.deepEqual(diffPulls([], ["s/nope", "s/mic"], failures, 60000).subscribe, ["s/mic"]);
  // The member announces another id: the old one is no longer wanted.
  assert.deepEqual(diffPulls([], ["s/mic2"], failures, 60001).subscribe, ["s/mic2"]);
  assert.equal(failures.size, 0);
});

test("a successful pull clears the failures of that track", () => {
  const failures = new PullFailures();
  failures.failed("s/mic", 0);
  failures.succeeded("s/mic");
  assert.deepEqual(diffPulls([], ["s/mic"], failures, 1).subscribe, ["s/mic"]);
});

test("outcomes the page cannot know: no answer, or Calls did not answer the server in time", () => {
  for (const code of ["bridge_timeout", "bridge_lost", "calls_timeout"]) assert.ok(isOutcomeUnknown(code), code);
  for (const code of ["backend_error", "rate_limited", "no_session", "invalid_params", undefined]) assert.ok(!isOutcomeUnknown(code), code);
});

test("a rate limit waits retryAfter plus up to 25 % jitter", () => {
  const limited = { status: 429, error: { code: "rate_limited", description: "slow down", retryAfter: 3 } };
  assert.equal(rateLimitDelay(limited, 0, 0), 3000);
  assert.equal(rateLimitDelay(limited, 0, 0.5), 3375);
  assert.equal(rateLimitDelay(limited, 5, 0.999), 3749);
  // Missing or absurd retryAfter: doubling from 1 s, clamped.
  const bare = { status: 429, error: { code: "rate_limited" } };
  assert.deepEqual([0, 1, 2, 9].map((n) => rateLimitDelay(bare, n, 0)), [1000, 2000, 4000, 32000]);
  const proxy = (retryAfter) => ({ status: 429, error: { code: "rate_limited", retryAfter } });
  assert.equal(rateLimitDelay(proxy(1e9), 0, 0), 60000);
  assert.equal(rateLimitDelay(proxy(0.01), 0, 0), 200);
  assert.equal(rateLimitDelay(proxy("soon"), 1, 0), 2000);
  // Calls' own 429, passed on once the server gave up: waited by the server, not here.
  assert.equal(rateLimitDelay({ status: 429, error: { code: "http_429", retryAfter: 3 } }, 0, 0), null);
  // Not a rate limit.
  assert.equal(rateLimitDelay({ status: 503, error: { code: "backend_error" } }, 0, 0), null);
  assert.equal(rateLimitDelay({ status: 200, body: {} }, 0, 0), null);
});

test("refusals that mean our session is gone", () => {
  assert.ok(isSessionLost(403, "no_session"));
  assert.ok(isSessionLost(403, "not_your_session"));
  assert.ok(isSessionLost(410, "session_error"));
  assert.ok(!isSessionLost(403, "track_not_in_room"));
  assert.ok(!isSessionLost(429, "rate_limited"));
  assert.ok(!isSessionLost(0, "bridge_timeout"));
});

test("recoveries: the first at once, repeated ones backing off, calm again later", () => {
  const pacer = new RecoveryPacer({ baseMs: 1000, maxMs: 8000, calmMs: 30000 });
  assert.deepEqual([0, 10, 20, 30, 40, 50].map((t) => pacer.next(t)), [0, 1000, 2000, 4000, 8000, 8000]);
  assert.equal(pacer.next(100000), 0);
});

test("the server forgetting our session is noticed after a grace period, once", () => {
  const watch = new SessionWatch({ graceMs: 2000 });
  assert.equal(watch.sample("s1", "s1", 0), false);
  // The roster may trail a new session for a moment.
  assert.equal(watch.sample("s2", "s1", 100), false);
  assert.equal(watch.sample("s2", "s2", 500), false);
  // Restarted server: our roster entry has no session.
  assert.equal(watch.sample("s2", "", 1000), false);
  assert.equal(watch.sample("s2", "", 2999), false);
  assert.equal(watch.sample("s2", "", 3000), true);
  assert.equal(watch.sample("s2", "", 9000), false);
  // Not in the roster at all (null), or no session of our own: nothing to say.
  assert.equal(watch.sample("s3", null, 10000), false);
  assert.equal(watch.sample("s3", null, 20000), false);
  assert.equal(watch.sample("", "", 30000), false);
  assert.equal(watch.sample("", "x", 40000), false);
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

test("ICE servers from the server's session reply: only usable ones", async () => {
  const { iceServersFrom } = await import("../../assets/meet/media_logic.js");
  assert.deepEqual(iceServersFrom({ body: {} }), []);
  assert.deepEqual(iceServersFrom(null), []);
  const reply = {
    iceServers: [
      { urls: "stun:stun.cloudflare.com:3478" },
      { urls: ["turn:turn.cloudflare.com:3478?transport=udp", "javascript:alert(1)"], username: "u", credential: "c" },
      { urls: ["turn:relay.example:3478"] }, // a relay without credentials
      { urls: [] },
      "stun:x",
      null,
    ],
  };
  assert.deepEqual(iceServersFrom(reply), [
    { urls: ["stun:stun.cloudflare.com:3478"] },
    { urls: ["turn:turn.cloudflare.com:3478?transport=udp"], username: "u", credential: "c" },
  ]);
});
