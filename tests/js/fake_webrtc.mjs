// A small fake of WebRTC and of the server's Calls proxy, for the bridge's
// unit tests (node --test; no browser). Strict where the bridge relies on
// order: a negotiation started while another is open throws, like a real
// RTCPeerConnection refusing a description in the wrong signaling state.
import { after } from "node:test";

// Every engine made here is silenced when its test file ends, so a failed
// test (which skipped its own clean-up) fails fast instead of leaving a timer
// that keeps Node running.
const engines = [];
after(() => {
  for (const engine of engines) {
    engine.owners.clear();
    engine.status = "stopped";
    engine.room = "";
    engine.generation += 1;
    engine.monitors.stop();
    engine.recovery.stop();
    clearTimeout(engine.subscriber.retryTimer);
    for (const id of [...engine.replies.keys()]) engine.resolve(id, { status: 0, error: { code: "test_over", description: "" } });
  }
});

/** A MediaStreamTrack stand-in. */
export class FakeTrack {
  constructor(kind, label = kind) {
    this.kind = kind;
    this.label = label;
    this.readyState = "live";
    this.listeners = new Map();
  }

  stop() {
    this.readyState = "ended";
  }

  clone() {
    return new FakeTrack(this.kind, `${this.label} copy`);
  }

  addEventListener(name, fn) {
    if (!this.listeners.has(name)) this.listeners.set(name, []);
    this.listeners.get(name).push(fn);
  }

  end() {
    this.readyState = "ended";
    (this.listeners.get("ended") || []).forEach((fn) => fn());
  }
}

export class FakeTransceiver {
  constructor({ mid = null, kind = "audio", track = null, direction = "recvonly" } = {}) {
    this.mid = mid;
    this.direction = direction;
    this.stopped = false;
    this.preferences = null;
    this.sender = {
      track,
      replaceTrack: async (next) => {
        this.sender.track = next;
      },
    };
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

/** Just enough of RTCPeerConnection for the bridge. */
export class FakePeerConnection {
  static created = [];

  constructor(config = {}) {
    this.config = config;
    this.transceivers = [];
    this.signalingState = "stable";
    this.connectionState = "new";
    this.iceConnectionState = "new";
    this.localDescription = null;
    this.closed = false;
    this.log = [];
    this.nextMid = 0;
    this.inbound = new Map(); // mid -> partial inbound-rtp report
    this.extraStats = []; // more reports (media-source, ...)
    this.sending = true; // outbound bytes flow
    this.ontrack = null;
    this.onconnectionstatechange = null;
    this.oniceconnectionstatechange = null;
    FakePeerConnection.created.push(this);
  }

  checkOpen() {
    if (this.closed) throw Object.assign(new Error("closed"), { name: "InvalidStateError" });
  }

  addTransceiver(track, { direction } = {}) {
    this.checkOpen();
    const transceiver = new FakeTransceiver({ kind: track.kind, track, direction });
    this.transceivers.push(transceiver);
    return transceiver;
  }

  getTransceivers() {
    return this.transceivers;
  }

  async createOffer() {
    this.checkOpen();
    const stopped = this.transceivers.filter((t) => t.stopped).map((t) => t.mid);
    return { type: "offer", sdp: `v=0 offer stopping ${stopped.join(",")}` };
  }

  async createAnswer() {
    this.checkOpen();
    if (this.signalingState !== "have-remote-offer") throw Object.assign(new Error("no offer to answer"), { name: "InvalidStateError" });
    return { type: "answer", sdp: "v=0 answer" };
  }

  async setLocalDescription(description) {
    this.checkOpen();
    this.log.push(`local ${description.type}`);
    if (description.type === "rollback") {
      this.signalingState = "stable";
      return;
    }
    if (description.type === "offer") {
      if (this.signalingState !== "stable") {
        throw Object.assign(new Error(`a negotiation overlapped (${this.signalingState})`), { name: "InvalidStateError" });
      }
      for (const t of this.transceivers) if (t.mid === null && !t.stopped) t.mid = `l${this.nextMid++}`;
      this.signalingState = "have-local-offer";
    } else {
      this.signalingState = "stable";
    }
    this.localDescription = description;
  }

  async setRemoteDescription(description) {
    this.checkOpen();
    this.log.push(`remote ${description.type}`);
    if (description.type === "offer") {
      if (this.signalingState !== "stable") {
        throw Object.assign(new Error(`a negotiation overlapped (${this.signalingState})`), { name: "InvalidStateError" });
      }
      for (const mid of description.mids || []) {
        const transceiver = new FakeTransceiver({ mid, kind: description.kinds?.[mid] || "audio" });
        this.transceivers.push(transceiver);
        this.ontrack?.({ transceiver, track: new FakeTrack(transceiver.receiver.track.kind, mid) });
      }
      this.signalingState = "have-remote-offer";
    } else {
      this.transceivers = this.transceivers.filter((t) => !t.stopped);
      this.signalingState = "stable";
    }
  }

  async getStats() {
    const reports = new Map();
    for (const t of this.transceivers) {
      if (t.direction === "sendonly" && t.mid !== null) {
        reports.set(`out${t.mid}`, { type: "outbound-rtp", mid: t.mid, bytesSent: this.sending ? 1000 : 0 });
      }
    }
    for (const [mid, report] of this.inbound) reports.set(`in${mid}`, { type: "inbound-rtp", mid, ...report });
    this.extraStats.forEach((report, i) => reports.set(`x${i}`, report));
    return reports;
  }

  /** Move the connection to a state and fire its events. */
  setState(connectionState, iceConnectionState = connectionState) {
    this.connectionState = connectionState;
    this.iceConnectionState = iceConnectionState;
    this.onconnectionstatechange?.();
    this.oniceconnectionstatechange?.();
  }

  close() {
    this.closed = true;
    this.connectionState = "closed";
    this.signalingState = "closed";
  }
}

/** navigator.mediaDevices: a microphone and a camera (or `fail` per kind). */
export function fakeMediaDevices({ fail = {} } = {}) {
  const opened = [];
  return {
    opened,
    async enumerateDevices() {
      return [
        { kind: "audioinput", deviceId: "mic1", label: "Mic" },
        { kind: "videoinput", deviceId: "cam1", label: "Camera" },
      ];
    },
    async getUserMedia(constraints) {
      const kind = constraints.audio ? "audio" : "video";
      if (fail[kind]) throw Object.assign(new Error(fail[kind]), { name: fail[kind] });
      const track = new FakeTrack(kind);
      opened.push(track);
      return { getAudioTracks: () => (kind === "audio" ? [track] : []), getVideoTracks: () => (kind === "video" ? [track] : []) };
    },
    addEventListener() {},
  };
}

/** Placeholders without AudioContext or canvas. */
export function fakePlaceholders() {
  return {
    audio: null,
    video: null,
    silentAudio() {
      if (!this.audio || this.audio.readyState !== "live") this.audio = new FakeTrack("audio", "silence");
      return this.audio;
    },
    blackVideo() {
      if (!this.video || this.video.readyState !== "live") this.video = new FakeTrack("video", "black");
      return this.video;
    },
    stop() {
      this.audio?.stop();
      this.video?.stop();
      this.audio = this.video = null;
    },
  };
}

/**
 * The server's Calls proxy and Calls, as the bridge sees them: answers each
 * request like Calls would (after `delayMs`), unless `answer(request, index)`
 * returns a reply of its own (or `"never"`: no answer at all).
 */
export function fakeServer(engine, { answer = () => null, delayMs = 1 } = {}) {
  const sent = [];
  let sessions = 0;
  let remoteMid = 100;
  const send = (request) => {
    const index = sent.length;
    sent.push({ ...request, at: Date.now() });
    let reply = answer(request, index);
    if (reply === "never") return;
    const tracks = request.body?.tracks || [];
    if (!reply && request.op === "sessions/new") reply = { status: 201, body: { sessionId: `s${++sessions}` } };
    if (!reply && request.op === "tracks/new" && tracks[0]?.location === "local") {
      reply = {
        status: 200,
        body: { sessionDescription: { type: "answer", sdp: "v=0 sfu answer" }, tracks: tracks.map((t) => ({ ...t })) },
      };
    }
    if (!reply && request.op === "tracks/new") {
      const answered = tracks.map((t) => ({ ...t, mid: String(remoteMid++) }));
      const mids = answered.map((t) => t.mid);
      reply = {
        status: 200,
        body: { tracks: answered, requiresImmediateRenegotiation: true, sessionDescription: { type: "offer", sdp: "v=0 sfu offer", mids } },
      };
    }
    if (!reply && request.op === "tracks/close") {
      reply = { status: 200, body: { tracks: tracks.map((t) => ({ mid: t.mid })), sessionDescription: { type: "answer", sdp: "v=0 sfu answer" } } };
    }
    reply = reply || { status: 200, body: {} };
    setTimeout(() => engine.resolve(request.id, reply), delayMs);
  };
  return { sent, send };
}

export const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

/** Wait until `condition()` holds (polling), or fail after `ms`. */
export async function until(condition, ms = 2000, what = "a condition") {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await tick(2);
  }
}

/**
 * A MediaEngine on fakes: a fake RTCPeerConnection per session, fake
 * devices and placeholders, and a fake server (see fakeServer) attached as
 * its transport. Returns the engine, the server, the connections made and
 * the `detach` of its attachment.
 */
export async function fakeEngine({ answer, delayMs, fail, replyTimeoutMs, attach = true, pc: pcFields = {} } = {}) {
  globalThis.window = globalThis;
  const { MediaEngine } = await import("../../assets/meet/media_engine.js");
  const pcs = [];
  const media = fakeMediaDevices({ fail });
  const engine = new MediaEngine({
    createPeerConnection: (config) => {
      const pc = Object.assign(new FakePeerConnection(config), pcFields);
      pcs.push(pc);
      return pc;
    },
    media,
  });
  engine.devices.placeholders = fakePlaceholders();
  engines.push(engine);
  const server = fakeServer(engine, { answer, delayMs });
  const detach = attach ? engine.attach({ send: server.send, replyTimeoutMs }) : null;
  return { engine, server, pcs, media, detach };
}

/** The ops of the requests sent, in order. */
export const ops = (sent) => sent.map((r) => r.op);
