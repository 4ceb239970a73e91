// Pulls and closes of any size: split under the proxy's track limit, one
// chunk after another with its own renegotiation (run by tests/unit/test_js_logic.py).
import assert from "node:assert/strict";
import { test } from "node:test";

import { MAX_TRACKS_PER_REQUEST, chunked, negotiatedCodecs, readPullAnswer } from "../../assets/meet/media_logic.js";

globalThis.window = globalThis;
globalThis.RTCRtpReceiver = {
  getCapabilities: (kind) => ({
    codecs:
      kind === "audio"
        ? [{ mimeType: "audio/opus" }, { mimeType: "audio/G722" }, { mimeType: "audio/PCMU" }]
        : [{ mimeType: "video/VP8" }, { mimeType: "video/rtx" }, { mimeType: "video/H264" }],
  }),
};
const { MediaEngine } = await import("../../assets/meet/media_engine.js");

const LIMIT = MAX_TRACKS_PER_REQUEST;

// ---- pure helpers ---------------------------------------------------------------

test("chunked splits in order, never above the size, never an empty chunk", () => {
  assert.deepEqual(chunked([], 3), []);
  assert.deepEqual(chunked([1, 2, 3], 3), [[1, 2, 3]]);
  assert.deepEqual(chunked([1, 2, 3, 4, 5, 6, 7], 3), [[1, 2, 3], [4, 5, 6], [7]]);
  assert.deepEqual(chunked(new Set(["a", "b"]), 1), [["a"], ["b"]]);
  const ids = Array.from({ length: 2 * LIMIT + 1 }, (_, i) => `s/${i}`);
  const parts = chunked(ids);
  assert.deepEqual(parts.map((p) => p.length), [LIMIT, LIMIT, 1]);
  assert.deepEqual(parts.flat(), ids);
  for (const bad of [0, -1, 1.5, NaN, "2"]) assert.throws(() => chunked([1], bad), RangeError);
});

test("readPullAnswer: errors, missing mids and missing tracks failed; strangers ignored", () => {
  const answer = [
    { sessionId: "a", trackName: "mic", mid: "4" },
    { sessionId: "b", trackName: "mic", errorCode: "not_found_track_error", mid: "5" },
    { sessionId: "c", trackName: "mic" },
    { sessionId: "x", trackName: "mic", mid: "9" },
    null,
    { sessionId: "a", trackName: "mic", mid: "7" },
  ];
  assert.deepEqual(readPullAnswer(["a/mic", "b/mic", "c/mic", "d/mic"], answer), {
    pulled: [{ id: "a/mic", mid: "4" }],
    failed: ["b/mic", "c/mic", "d/mic"],
  });
  assert.deepEqual(readPullAnswer(["a/mic"], undefined), { pulled: [], failed: ["a/mic"] });
});

test("negotiatedCodecs keeps the receiver's capabilities the negotiation chose", () => {
  const caps = [
    { mimeType: "video/VP8", clockRate: 90000 },
    { mimeType: "video/rtx", clockRate: 90000, sdpFmtpLine: "apt=96" },
    { mimeType: "video/VP9", clockRate: 90000, sdpFmtpLine: "profile-id=0" },
    { mimeType: "video/H264", clockRate: 90000 },
    { mimeType: "video/red", clockRate: 90000 },
  ];
  assert.deepEqual(negotiatedCodecs(caps, [{ mimeType: "video/vp8" }, { mimeType: "video/rtx" }]), caps.slice(0, 2));
  // Nothing negotiated yet, or only a helper codec: change nothing.
  assert.deepEqual(negotiatedCodecs(caps, []), []);
  assert.deepEqual(negotiatedCodecs(caps, undefined), []);
  assert.deepEqual(negotiatedCodecs(caps, [{ mimeType: "video/rtx" }, { mimeType: "video/red" }]), []);
  assert.deepEqual(negotiatedCodecs(undefined, [{ mimeType: "video/VP8" }]), []);
});

// ---- the engine against a fake Calls (through the fake proxy) and a fake connection --

class FakeTransceiver {
  constructor(mid, kind = "audio") {
    this.mid = mid;
    this.stopped = false;
    this.preferences = null;
    this.receiver = {
      track: { kind },
      getParameters: () => ({ codecs: [{ mimeType: kind === "audio" ? "audio/opus" : "video/VP8" }] }),
    };
  }

  setCodecPreferences(codecs) {
    this.preferences = codecs;
  }

  stop() {
    this.stopped = true;
  }
}

/** Just enough of RTCPeerConnection: transceivers by mid, signaling states. */
class FakePc {
  constructor() {
    this.transceivers = [];
    this.signalingState = "stable";
    this.localDescription = null;
    this.log = [];
  }

  getTransceivers() {
    return this.transceivers;
  }

  async setRemoteDescription(description) {
    this.log.push(`remote ${description.type}`);
    if (description.type === "offer") {
      for (const mid of description.mids || []) this.transceivers.push(new FakeTransceiver(mid));
      this.signalingState = "have-remote-offer";
    } else {
      this.transceivers = this.transceivers.filter((t) => !t.stopped);
      this.signalingState = "stable";
    }
  }

  async createAnswer() {
    return { type: "answer", sdp: "v=0 answer" };
  }

  async createOffer() {
    const stopped = this.transceivers.filter((t) => t.stopped).map((t) => t.mid);
    return { type: "offer", sdp: `v=0 offer stopping ${stopped.join(",")}` };
  }

  async setLocalDescription(description) {
    this.log.push(`local ${description.type}`);
    if (description.type === "rollback") {
      this.signalingState = "stable";
      return;
    }
    this.localDescription = description;
    this.signalingState = description.type === "offer" ? "have-local-offer" : "stable";
  }
}

/**
 * An engine with a fake connection, whose requests a fake server answers like
 * Calls behind our proxy: `refuse(request, index)` may return an error reply.
 */
function engineWithCalls({ refuse = () => null, perTrack = () => null } = {}) {
  const engine = new MediaEngine();
  const pc = new FakePc();
  Object.assign(engine.connection, { pc, sessionId: "own" });
  Object.assign(engine, { status: "ready", room: "r" });
  engine.recovery.request = () => {};
  const sent = [];
  let nextMid = 100;
  engine.connection.setTransport((request) => {
    const index = sent.length;
    sent.push(request);
    const tracks = request.body?.tracks || [];
    let reply = refuse(request, index);
    if (!reply && tracks.length > LIMIT) {
      reply = { status: 403, error: { code: "invalid_params", description: `At most ${LIMIT} tracks per request.` } };
    }
    if (!reply && request.op === "tracks/new") {
      const answered = tracks.map((t) => {
        const error = perTrack(`${t.sessionId}/${t.trackName}`);
        return error ? { ...t, errorCode: error } : { ...t, mid: String(nextMid++) };
      });
      const mids = answered.filter((t) => t.mid).map((t) => t.mid);
      reply = {
        status: 200,
        body: {
          tracks: answered,
          requiresImmediateRenegotiation: mids.length > 0,
          sessionDescription: mids.length ? { type: "offer", sdp: "v=0 sfu offer", mids } : undefined,
        },
      };
    }
    if (!reply && request.op === "tracks/close") {
      reply = { status: 200, body: { tracks: tracks.map((t) => ({ mid: t.mid })), sessionDescription: { type: "answer", sdp: "v=0 sfu answer" } } };
    }
    reply = reply || { status: 200, body: {} };
    setTimeout(() => engine.resolve(request.id, reply), 1);
  });
  const done = () => {
    engine.generation += 1; // a pending retry timer does nothing any more
    clearTimeout(engine.subscriber.retryTimer);
  };
  return { engine, pc, sent, done };
}

const ids = (n, prefix = "p") => Array.from({ length: n }, (_, i) => `${prefix}${i}/mic`);
const sizes = (sent, op) => sent.filter((r) => r.op === op).map((r) => r.body.tracks.length);
const refused = (code = "invalid_params") => ({ status: 403, error: { code, description: "no" } });

test("a pull of 73 tracks: three requests under the limit, each renegotiated before the next", async () => {
  const { engine, pc, sent, done } = engineWithCalls();
  const wanted = ids(73);
  await engine.subscriber.pull(wanted);
  assert.deepEqual(sizes(sent, "tracks/new"), [LIMIT, LIMIT, 73 - 2 * LIMIT]);
  assert.deepEqual(
    sent.map((r) => r.op),
    ["tracks/new", "renegotiate", "tracks/new", "renegotiate", "tracks/new", "renegotiate"],
  );
  assert.deepEqual(sent.filter((r) => r.op === "tracks/new").flatMap((r) => r.body.tracks.map((t) => `${t.sessionId}/${t.trackName}`)), wanted);
  assert.deepEqual(pc.log, ["remote offer", "local answer", "remote offer", "local answer", "remote offer", "local answer"]);
  assert.equal(engine.pulled.size, 73);
  assert.equal(engine.failedPulls.size, 0);
  // Later offers keep each pulled transceiver to its negotiated codec.
  assert.ok(pc.transceivers.every((t) => t.preferences?.map((c) => c.mimeType).join() === "audio/opus"));
  for (const id of wanted) assert.equal(engine.midToTrack.get(engine.pulled.get(id).mid), id);
  done();
});

test("a chunk refused as a whole backs off alone; the chunks after it are still pulled", async () => {
  const { engine, sent, done } = engineWithCalls({
    refuse: (request) => (request.op === "tracks/new" && request.body.tracks[0].sessionId === `p${LIMIT}` ? refused() : null),
  });
  const wanted = ids(2 * LIMIT + 5);
  const before = Date.now();
  await assert.rejects(engine.subscriber.pull(wanted), (err) => err.code === "invalid_params");
  assert.deepEqual(sizes(sent, "tracks/new"), [LIMIT, LIMIT, 5]);
  const lost = wanted.slice(LIMIT, 2 * LIMIT);
  assert.deepEqual([...engine.pulled.keys()], [...wanted.slice(0, LIMIT), ...wanted.slice(2 * LIMIT)]);
  assert.equal(engine.failedPulls.size, LIMIT);
  for (const id of lost) assert.ok(engine.failedPulls.readyAt(id) > before, id);
  done();
});

test("tracks failing inside a chunk back off; the rest of the chunk is pulled", async () => {
  const { engine, done } = engineWithCalls({ perTrack: (id) => (id === "p3/mic" || id === "p40/mic" ? "not_found_track_error" : null) });
  await engine.subscriber.pull(ids(45));
  assert.equal(engine.pulled.size, 43);
  assert.deepEqual([...engine.subscriber.failedPulls.entries.keys()], ["p3/mic", "p40/mic"]);
  done();
});

test("a failed renegotiation gives its chunk's tracks back (closed, backing off), others stay", async () => {
  const { engine, pc, sent, done } = engineWithCalls({
    refuse: (request, index) => (request.op === "renegotiate" && index === 1 ? refused("invalid_session_description") : null),
  });
  const wanted = ids(LIMIT + 4);
  await assert.rejects(engine.subscriber.pull(wanted), (err) => err.code === "invalid_session_description");
  assert.deepEqual(
    sent.map((r) => r.op),
    ["tracks/new", "renegotiate", "tracks/close", "tracks/new", "renegotiate"],
  );
  assert.equal(sent[2].body.tracks.length, LIMIT);
  assert.deepEqual([...engine.pulled.keys()], wanted.slice(LIMIT));
  assert.deepEqual([...engine.subscriber.failedPulls.entries.keys()], wanted.slice(0, LIMIT));
  assert.equal(engine.midToTrack.size, 4);
  assert.equal(pc.transceivers.length, 4); // the abandoned ones are gone
  assert.equal(pc.signalingState, "stable");
  done();
});

test("a lost session stops the pull at once: no request after the refused one", async () => {
  const { engine, sent, done } = engineWithCalls({ refuse: (request) => (request.op === "tracks/new" ? refused("no_session") : null) });
  await assert.rejects(engine.subscriber.pull(ids(3 * LIMIT)), (err) => err.code === "no_session");
  assert.equal(sent.length, 1);
  done();
});

test("closing 40 transceivers: two requests, each with an offer stopping only its own", async () => {
  const { engine, pc, sent, done } = engineWithCalls();
  pc.transceivers = Array.from({ length: 40 }, (_, i) => new FakeTransceiver(String(i)));
  const stoppedWhenSent = [];
  const transport = engine.transport;
  engine.connection.setTransport((request) => {
    stoppedWhenSent.push(pc.transceivers.filter((t) => t.stopped).length);
    transport(request);
  });
  await engine.connection.closeTransceivers([...pc.transceivers]);
  assert.deepEqual(sizes(sent, "tracks/close"), [LIMIT, 40 - LIMIT]);
  assert.deepEqual(stoppedWhenSent, [LIMIT, 40 - LIMIT]);
  assert.deepEqual(sent[1].body.tracks.map((t) => t.mid), Array.from({ length: 40 - LIMIT }, (_, i) => String(LIMIT + i)));
  assert.ok(sent.every((r) => r.body.sessionDescription.type === "offer" && r.body.force === false));
  assert.equal(pc.transceivers.length, 0);
  assert.deepEqual(pc.log, ["local offer", "remote answer", "local offer", "remote answer"]);
  done();
});

test("a failed close chunk rolls back and does not keep the next chunk from closing", async () => {
  const { engine, pc, sent, done } = engineWithCalls({ refuse: (request, index) => (index === 0 ? refused("close_track_error") : null) });
  pc.transceivers = Array.from({ length: LIMIT + 3 }, (_, i) => new FakeTransceiver(String(i)));
  await assert.rejects(engine.connection.closeTransceivers([...pc.transceivers]), (err) => err.code === "close_track_error");
  assert.deepEqual(sizes(sent, "tracks/close"), [LIMIT, 3]);
  assert.deepEqual(pc.log, ["local offer", "local rollback", "local offer", "remote answer"]);
  assert.equal(pc.signalingState, "stable");
  done();
});

test("reconcile: a newcomer in a room of 50 pulls 49 audio and 9 video, then drops 20, all under the limit", async () => {
  const { engine, sent, done } = engineWithCalls();
  const audio = ids(49, "a");
  const video = ids(9, "v");
  engine.subscriber.wantedAudio = new Set(audio);
  engine.subscriber.wantedVideo = new Set(video);
  await engine.subscriber.reconcileNow();
  assert.equal(engine.pulled.size, 58);
  assert.deepEqual(sizes(sent, "tracks/new"), [LIMIT, 58 - LIMIT]);
  engine.subscriber.wantedAudio = new Set(audio.slice(20));
  sent.length = 0;
  await engine.subscriber.reconcileNow();
  assert.deepEqual(sizes(sent, "tracks/close"), [20]);
  assert.equal(engine.pulled.size, 38);
  engine.subscriber.wantedAudio = new Set();
  engine.subscriber.wantedVideo = new Set();
  sent.length = 0;
  await engine.subscriber.reconcileNow();
  assert.deepEqual(sizes(sent, "tracks/close"), [LIMIT, 38 - LIMIT]);
  assert.equal(engine.pulled.size, 0);
  assert.ok(sent.every((r) => (r.body?.tracks?.length || 0) <= LIMIT));
  done();
});

test("a failed close does not keep the newcomers' tracks from being pulled", async () => {
  const { engine, sent, done } = engineWithCalls({ refuse: (request) => (request.op === "tracks/close" ? refused("close_track_error") : null) });
  engine.subscriber.wantedAudio = new Set(ids(3, "a"));
  await engine.subscriber.reconcileNow();
  engine.subscriber.wantedAudio = new Set(ids(3, "b"));
  await assert.rejects(engine.subscriber.reconcileNow(), (err) => err.code === "close_track_error");
  assert.deepEqual([...engine.pulled.keys()], ids(3, "b"));
  assert.ok(sent.some((r) => r.op === "tracks/new" && r.body.tracks[0].sessionId === "b0"));
  done();
});
