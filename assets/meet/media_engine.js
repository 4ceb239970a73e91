// The media engine: one RTCPeerConnection per tab, talking to Calls only
// through our server (each Calls request is a Reflex event; the server checks
// it, adds the secret and hands the answer back through `resolve`).
//
// One engine lives per tab (module singleton, `window.meetMedia`), so the
// media published in the lobby carries over to the meeting page.
import {
  DeadTrackMonitor,
  PullFailures,
  RecoveryPacer,
  SerialQueue,
  SessionWatch,
  SpeakingDetector,
  LossMonitor,
  backoffDelay,
  chooseDevice,
  chunked,
  classifyMediaError,
  connectionQuality,
  diffPulls,
  disconnectAction,
  iceServersFrom,
  isRetryable,
  isSessionLost,
  negotiatedCodecs,
  parseTrackId,
  rateLimitDelay,
  readPullAnswer,
  shortenForHistory,
  trackIdOf,
} from "./media_logic.js";
import { watchReflexSocket } from "./reflex_socket.js";

const VIDEO = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { max: 24 } };
const HISTORY = 100;
const REPLY_TIMEOUT_MS = 20000;
// A request sent on a socket that dropped and is still unanswered this long
// after the socket is back is given up (its worker may have died with it).
const LOST_AFTER_RECONNECT_MS = 4000;
const LOST_REPLY = {
  status: 0,
  error: { code: "bridge_lost", description: "The connection to the server dropped before it answered." },
};
// A rate-limited request waits and is sent again at most this many times.
const RATE_LIMIT_RETRIES = 8;
const STATS_MS = 500;
const STORAGE = "meet.device.";

export class CallsRequestError extends Error {
  constructor(problem, status) {
    super(`${problem.code}: ${problem.description}`);
    this.code = problem.code;
    this.description = problem.description;
    this.status = status || 0;
  }
}

function wait(ms) {
  return new Promise((resolve) => window.setTimeout(resolve, ms));
}

function readPreference(kind) {
  try {
    return window.localStorage.getItem(STORAGE + kind) || "";
  } catch (_) {
    return "";
  }
}

function writePreference(kind, id) {
  try {
    window.localStorage.setItem(STORAGE + kind, id || "");
  } catch (_) {
    /* private mode: not remembered */
  }
}

/** Silent audio and black video that keep a sender's track name alive. */
class Placeholders {
  constructor() {
    this.audio = null;
    this.video = null;
    this.timer = null;
  }

  silentAudio() {
    if (this.audio && this.audio.readyState === "live") return this.audio;
    const context = new AudioContext();
    const destination = context.createMediaStreamDestination();
    // A running graph (a muted oscillator) makes the track produce real
    // silent frames, so packets keep flowing while muted.
    const silence = context.createGain();
    silence.gain.value = 0;
    const tone = context.createOscillator();
    tone.connect(silence).connect(destination);
    tone.start();
    context.resume?.().catch(() => {});
    this.context = context;
    this.audio = destination.stream.getAudioTracks()[0];
    return this.audio;
  }

  blackVideo() {
    if (this.video && this.video.readyState === "live") return this.video;
    const canvas = Object.assign(document.createElement("canvas"), { width: 320, height: 180 });
    const paint = canvas.getContext("2d");
    const draw = () => {
      paint.fillStyle = "#000";
      paint.fillRect(0, 0, canvas.width, canvas.height);
    };
    draw();
    // Keep frames flowing so the track never looks dead (Calls drops a track
    // that sends nothing for 30 s).
    this.timer = window.setInterval(draw, 250);
    this.video = canvas.captureStream(4).getVideoTracks()[0];
    return this.video;
  }

  stop() {
    window.clearInterval(this.timer);
    this.audio?.stop();
    this.video?.stop();
    this.context?.close();
    this.audio = this.video = this.context = null;
  }
}

export class MediaEngine {
  constructor() {
    this.listeners = new Set();
    this.version = 0;
    this.transport = null;
    this.pendingSends = [];
    this.replies = new Map();
    this.sentBeforeDrop = new Set();
    this.socketDrops = 0;
    this.lostAfterReconnectMs = LOST_AFTER_RECONNECT_MS;
    this.requestSeq = 0;
    this.history = [];
    this.queue = new SerialQueue();
    this.placeholders = new Placeholders();
    this.onAnnounce = null;
    this.onEvent = null;
    this.onDeadTrack = null;
    this.reset();
    this.micTrack = null;
    this.cameraTrack = null;
    this.screenTrack = null;
    this.deviceError = "";
    // Why the microphone ("audio") or camera ("video") could not be opened
    // (a classifyMediaError code, "" when it works): its button is off and
    // disabled, and the others see it off.
    this.problems = { audio: "", video: "" };
    this.devices = [];
    this.micEnabled = true;
    this.cameraEnabled = true;
    this.wantedAudio = new Set();
    this.wantedVideo = new Set();
    this.room = "";
    this.levels = new Map();
    this.speaking = new Set();
    this.selfLevel = 0;
    this.sinkId = readPreference("audiooutput");
    this.pacer = new RecoveryPacer();
    this.sessionWatch = new SessionWatch();
    this.serverSession = null;
  }

  reset() {
    this.pc = null;
    this.sessionId = "";
    this.status = "idle"; // idle | starting | ready | failed | stopped
    this.connection = "new";
    this.senders = {}; // name -> RTCRtpTransceiver
    this.published = {}; // name -> track id (announced)
    this.pulled = new Map(); // track id -> { mid, kind }
    this.remote = new Map(); // track id -> MediaStreamTrack
    this.midToTrack = new Map();
    this.failedPulls = new PullFailures();
    window.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.detectors = new Map();
    this.lossMonitor = new LossMonitor();
    this.deadTracks = new DeadTrackMonitor();
    this.resubscribed = new Set();
    this.quality = new Map();
    this.disconnectedSince = null;
    this.notified = false;
    this.generation = (this.generation || 0) + 1;
  }

  // ---- store for React (useSyncExternalStore) -------------------------------

  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  getVersion() {
    return this.version;
  }

  changed() {
    this.version += 1;
    for (const listener of [...this.listeners]) listener();
  }

  emit(kind, detail = {}) {
    this.onEvent?.(kind, detail);
  }

  // ---- Calls through the server ---------------------------------------------

  setTransport(send) {
    this.transport = send;
    if (send) {
      const queued = this.pendingSends.splice(0);
      queued.forEach((request) => send(request));
    }
  }

  /** Reflex's websocket dropped: what was sent on it may never be answered. */
  socketDropped() {
    this.socketDrops += 1;
    for (const id of this.replies.keys()) this.sentBeforeDrop.add(id);
  }

  /**
   * Reflex's websocket is connected again, perhaps to another worker. A
   * request whose worker died with the old socket is never answered; a
   * surviving worker's answer still arrives (Reflex forwards it to the new
   * socket). So what is still unanswered a little later is given up as lost
   * and sent again (`bridge_lost` is retried like a timeout), instead of
   * holding up the tab's negotiations for the whole reply timeout.
   */
  socketConnected() {
    const suspects = [...this.sentBeforeDrop];
    this.sentBeforeDrop.clear();
    if (!suspects.length) return;
    window.setTimeout(() => {
      suspects.forEach((id) => this.resolve(id, LOST_REPLY));
    }, this.lostAfterReconnectMs);
  }

  /** Called by the server (via call_script) with the answer to a request. */
  resolve(id, reply) {
    this.sentBeforeDrop.delete(id);
    const waiter = this.replies.get(id);
    if (!waiter) return;
    this.replies.delete(id);
    waiter(reply);
  }

  record(entry) {
    this.history.push({ at: new Date().toISOString(), ...shortenForHistory(entry) });
    if (this.history.length > HISTORY) this.history.splice(0, this.history.length - HISTORY);
  }

  sendOnce(op, sessionId, body) {
    const id = `r${++this.requestSeq}`;
    const request = { id, op, sessionId: sessionId || null, body: body || null };
    this.record({ direction: "request", id, op, sessionId, body });
    return new Promise((resolve) => {
      const timer = window.setTimeout(() => {
        this.replies.delete(id);
        this.sentBeforeDrop.delete(id);
        resolve({ status: 0, error: { code: "bridge_timeout", description: "The server did not answer in time." } });
      }, REPLY_TIMEOUT_MS);
      this.replies.set(id, (reply) => {
        window.clearTimeout(timer);
        resolve(reply);
      });
      if (this.transport) this.transport(request);
      else this.pendingSends.push(request);
    }).then((reply) => {
      this.record({ direction: "response", id, op, ...reply });
      return reply;
    });
  }

  /**
   * One Calls request: the bridge's only retry layer. Transient failures are
   * retried with backoff (`attempts` sends in all); a rate limit waits the
   * server's `retryAfter` (with jitter) and sends the same request again; a
   * refusal saying our session is gone starts a recovery (new session).
   */
  async api(op, sessionId, body, { attempts = 4, rateLimitRetries = RATE_LIMIT_RETRIES } = {}) {
    let limited = 0;
    for (let attempt = 0; ; ) {
      const reply = await this.sendOnce(op, sessionId, body);
      if (!reply.error) {
        if (op === "sessions/new") this.iceServers = iceServersFrom(reply);
        return reply.body || {};
      }
      const pause = rateLimitDelay(reply, limited, Math.random());
      if (pause !== null && limited < rateLimitRetries) {
        limited += 1;
        this.emit("rate_limited", { op, waitMs: pause });
        await wait(pause);
        continue;
      }
      attempt += 1;
      if (pause === null && isRetryable(reply.status, reply.error.code) && attempt < attempts) {
        await wait(backoffDelay(attempt - 1));
        continue;
      }
      if (sessionId && sessionId === this.sessionId && isSessionLost(reply.status, reply.error.code)) {
        this.sessionLost(reply.error.code || String(reply.status));
      }
      throw new CallsRequestError(reply.error, reply.status);
    }
  }

  /** The server or Calls no longer has our session: recover with a new one. */
  sessionLost(reason) {
    if (this.status !== "ready" && this.status !== "failed") return;
    this.emit("session_lost", { reason });
    this.requestRecovery();
  }

  /** The session the server records for this tab (its roster entry; null: not in it). */
  setServerSession(sessionId) {
    this.serverSession = sessionId === undefined ? null : sessionId;
    this.checkServerSession();
  }

  checkServerSession() {
    if (this.status !== "ready") {
      this.sessionWatch.sample("", null, Date.now());
      return;
    }
    if (this.sessionWatch.sample(this.sessionId, this.serverSession, Date.now())) {
      this.sessionLost("server_forgot_session");
    }
  }

  // ---- devices ----------------------------------------------------------------

  async refreshDevices() {
    if (!navigator.mediaDevices?.enumerateDevices) return;
    this.devices = await navigator.mediaDevices.enumerateDevices();
    this.changed();
  }

  preferred(kind) {
    return chooseDevice(this.devices, kind, readPreference(kind));
  }

  async openTrack(kind) {
    const deviceId = this.preferred(kind === "audio" ? "audioinput" : "videoinput");
    const base = kind === "audio" ? {} : { ...VIDEO };
    if (deviceId) base.deviceId = { exact: deviceId };
    const constraints = kind === "audio" ? { audio: deviceId ? base : true } : { video: base };
    const stream = await navigator.mediaDevices.getUserMedia(constraints);
    return kind === "audio" ? stream.getAudioTracks()[0] : stream.getVideoTracks()[0];
  }

  /**
   * Whether the browser will ask for the camera or microphone ("prompt"),
   * from the Permissions API where there is one ("unknown" otherwise).
   */
  async permissionState() {
    if (!navigator.permissions?.query) return "unknown";
    try {
      const states = await Promise.all(
        ["camera", "microphone"].map((name) => navigator.permissions.query({ name }).then((r) => r.state)),
      );
      return states.includes("prompt") ? "prompt" : "decided";
    } catch (_) {
      return "unknown";
    }
  }

  /** The person read the explainer and goes on to the browser's prompt. */
  consent() {
    this.consented = true;
    this.awaitingConsent = false;
    const waiter = this.consentWaiter;
    this.consentWaiter = null;
    waiter?.();
    this.changed();
  }

  /** Open microphone and camera once; a missing device does not cost the other. */
  async openDevices() {
    if (this.devicesOpened) return this.devicesOpened;
    this.devicesOpened = (async () => {
      if (!navigator.mediaDevices?.getUserMedia) {
        this.deviceError = "unsupported";
        this.problems = { audio: "unsupported", video: "unsupported" };
        this.changed();
        return;
      }
      if (!this.deviceWatch) {
        this.deviceWatch = () => this.onDeviceChange();
        navigator.mediaDevices.addEventListener?.("devicechange", this.deviceWatch);
      }
      await this.refreshDevices().catch(() => {});
      // The lobby explains why before the browser asks (the first time only).
      if (this.explainBeforePrompt && !this.consented && (await this.permissionState()) === "prompt") {
        this.awaitingConsent = true;
        this.changed();
        await new Promise((resolve) => {
          this.consentWaiter = resolve;
        });
      }
      const errors = [];
      for (const kind of ["audio", "video"]) {
        try {
          const track = await this.openTrack(kind);
          if (kind === "audio") this.micTrack = track;
          else {
            this.cameraTrack = track;
            this.hasCamera = true;
          }
          this.problems = { ...this.problems, [kind]: "" };
        } catch (err) {
          const code = classifyMediaError(err);
          errors.push(code);
          this.problems = { ...this.problems, [kind]: code };
        }
      }
      this.deviceError = errors.find((code) => code !== "no_device") || (errors.length === 2 ? "no_device" : "");
      if (!this.cameraEnabled) this.stopCamera();
      this.devicesReady = true;
      await this.refreshDevices().catch(() => {});
      this.changed();
    })();
    return this.devicesOpened;
  }

  async onDeviceChange() {
    const before = new Set(this.devices.map((d) => `${d.kind}:${d.deviceId}`));
    await this.refreshDevices().catch(() => {});
    // A device in use that went away: fall back to what is there now.
    const gone = (track) => track && track.readyState === "ended";
    if (gone(this.micTrack)) await this.switchDevice("audioinput", readPreference("audioinput"), false);
    if (gone(this.cameraTrack) && this.cameraEnabled) await this.switchDevice("videoinput", readPreference("videoinput"), false);
    const after = new Set(this.devices.map((d) => `${d.kind}:${d.deviceId}`));
    if ([...after].some((d) => !before.has(d)) || [...before].some((d) => !after.has(d))) this.emit("devices_changed");
  }

  /** Use another camera, microphone or speaker (remembered for next time). */
  async switchDevice(kind, deviceId, remember = true) {
    if (remember) writePreference(kind, deviceId);
    if (kind === "audiooutput") {
      this.sinkId = deviceId;
      this.changed();
      return;
    }
    const media = kind === "audioinput" ? "audio" : "video";
    try {
      const track = await this.openTrack(media);
      if (media === "audio") {
        this.micTrack?.stop();
        this.micTrack = track;
        if (this.micEnabled) await this.senders.mic?.sender.replaceTrack(track);
      } else {
        this.cameraTrack?.stop();
        this.cameraTrack = track;
        if (this.cameraEnabled) await this.senders.camera?.sender.replaceTrack(track);
        else this.stopCamera();
      }
      this.deviceError = "";
      this.problems = { ...this.problems, [media]: "" };
    } catch (err) {
      this.deviceError = classifyMediaError(err);
      this.emit("device_error", { code: this.deviceError });
    }
    this.changed();
  }

  stopCamera() {
    this.cameraTrack?.stop();
    this.cameraTrack = null;
  }

  // ---- session, publishing ----------------------------------------------------

  /**
   * The roster changes saying which devices could not be opened: a
   * microphone that is not there is off (others see it off), a camera too.
   */
  unavailableChanges() {
    const changes = {};
    if (this.problems.audio && !this.micTrack) {
      changes["tracks.audioEnabled"] = false;
      changes["tracks.audioUnavailable"] = true;
    }
    if (this.problems.video && !this.cameraTrack && !this.hasCamera) changes["tracks.videoEnabled"] = false;
    return changes;
  }

  /** Start media for a room: devices, session, publish mic and camera. */
  async start(room) {
    if (this.room === room && (this.status === "starting" || this.status === "ready")) return;
    if (this.room && this.room !== room) await this.stop();
    this.room = room;
    this.status = "starting";
    this.changed();
    await this.openDevices();
    const missing = this.unavailableChanges();
    if (Object.keys(missing).length) this.onAnnounce?.(missing);
    try {
      await this.connect();
    } catch (err) {
      this.status = "failed";
      this.emit("media_error", { code: err.code || "unknown", description: err.description || String(err) });
      this.changed();
      this.requestRecovery();
    }
  }

  async connect() {
    const generation = this.generation;
    const { sessionId } = await this.api("sessions/new", null, null);
    if (generation !== this.generation) return;
    this.sessionId = sessionId;
    const pc = new RTCPeerConnection({ bundlePolicy: "max-bundle", iceServers: this.iceServers || [] });
    this.pc = pc;
    pc.ontrack = (event) => this.onTrack(event);
    pc.onconnectionstatechange = () => this.onConnectionState();
    pc.oniceconnectionstatechange = () => this.onConnectionState();
    if (this.cameraOpening) await this.cameraOpening;
    // Which track each sender gets is decided when it is added (see
    // outgoing): a mute or camera switch meanwhile is not lost.
    await this.queue.run(() => this.publish([["mic"], ["camera"], ["screen"], ["ptt"]]));
    this.status = "ready";
    this.changed();
    this.startStats();
    this.reconcile();
  }

  /** What a sender sends now: the device, a placeholder while off, or nothing. */
  outgoing(name) {
    if (name === "mic") {
      if (!this.micTrack) return null;
      return this.micEnabled ? this.micTrack : this.placeholders.silentAudio();
    }
    if (name === "camera") {
      // A camera that exists is always published (black while off), so turning
      // it on later only swaps the track: nobody re-subscribes.
      if (!this.hasCamera && !this.cameraTrack) return null;
      return this.cameraEnabled && this.cameraTrack ? this.cameraTrack : this.placeholders.blackVideo();
    }
    if (name === "ptt") {
      // Push-to-talk to the AI: the microphone while held, silence otherwise.
      if (!this.pttWanted) return null;
      return this.pttTalking && this.pttMic() ? this.pttMic() : this.placeholders.silentAudio();
    }
    return name === "screen" ? this.screenTrack : null;
  }

  /** The push-to-talk copy of the microphone (its own track: muting the mic does not touch it). */
  pttMic() {
    if (!this.micTrack || this.micTrack.readyState !== "live") return null;
    if (!this.pttMicTrack || this.pttMicTrack.readyState !== "live") this.pttMicTrack = this.micTrack.clone();
    return this.pttMicTrack;
  }

  /** Publish the push-to-talk track (silent until held) once an AI is in the room. */
  async setPttWanted(wanted) {
    if (!wanted || this.pttWanted) return;
    this.pttWanted = true;
    if (this.status === "ready" && !this.senders.ptt) await this.queue.run(() => this.publish([["ptt"]]));
    this.changed();
  }

  /** Hold (mic) or release (silence) push-to-talk: only the sender's track is swapped. */
  async setPttTalking(talking) {
    this.pttTalking = !!talking;
    const sender = this.senders.ptt?.sender;
    if (sender) await sender.replaceTrack(this.outgoing("ptt"));
    this.changed();
  }

  /** Whether the push-to-talk track is published and its bytes flow. */
  get pttReady() {
    return !!this.published.ptt;
  }

  /** Publish `[name, track?]` entries (a missing track: what `outgoing` says). */
  async publish(requested) {
    const entries = requested
      .map(([name, track]) => [name, track || this.outgoing(name)])
      .filter(([, track]) => track);
    if (!entries.length) return;
    const pc = this.pc;
    const transceivers = entries.map(([name, track]) => {
      const transceiver = pc.addTransceiver(track, { direction: "sendonly" });
      this.senders[name] = transceiver;
      return [name, transceiver];
    });
    await pc.setLocalDescription(await pc.createOffer());
    const body = {
      sessionDescription: { type: "offer", sdp: pc.localDescription.sdp },
      tracks: transceivers.map(([name, t]) => ({ location: "local", mid: t.mid, trackName: name })),
    };
    const answer = await this.api("tracks/new", this.sessionId, body);
    await pc.setRemoteDescription(answer.sessionDescription);
    const failed = (answer.tracks || []).filter((t) => t.errorCode);
    if (failed.length) throw new CallsRequestError({ code: failed[0].errorCode, description: failed[0].errorDescription || "" });
    const names = transceivers.map(([name]) => name);
    this.announceWhenFlowing(names);
  }

  /** Announce track ids only once bytes flow, so nobody pulls a silent track. */
  async announceWhenFlowing(names) {
    const generation = this.generation;
    for (let i = 0; i < 100 && generation === this.generation; i += 1) {
      const sent = await this.bytesSentByMid();
      const flowing = names.filter((name) => sent.get(this.senders[name]?.mid) > 0);
      if (flowing.length === names.length) break;
      await wait(100);
    }
    if (generation !== this.generation) return;
    const changes = {};
    for (const name of names) {
      const id = trackIdOf(this.sessionId, name);
      this.published[name] = id;
      const field = { mic: "tracks.audio", camera: "tracks.video", screen: "tracks.screenshare" }[name];
      if (field) changes[field] = id; // ptt is not a roster field (see state/ai.py)
    }
    if (names.includes("screen")) changes["tracks.screenShareEnabled"] = true;
    if (!this.micTrack) changes["tracks.audioUnavailable"] = true;
    const all = { ...changes, ...this.unavailableChanges() };
    if (Object.keys(all).length) this.onAnnounce?.(all);
    this.changed();
  }

  async bytesSentByMid() {
    const result = new Map();
    if (!this.pc) return result;
    const stats = await this.pc.getStats();
    stats.forEach((report) => {
      if (report.type === "outbound-rtp" && report.mid !== undefined) result.set(report.mid, report.bytesSent || 0);
    });
    return result;
  }

  /** Mute or unmute by swapping a silent placeholder in: nobody re-subscribes. */
  async setMicEnabled(enabled) {
    this.micEnabled = !!enabled;
    const sender = this.senders.mic?.sender;
    if (sender) await sender.replaceTrack(this.micEnabled && this.micTrack ? this.micTrack : this.placeholders.silentAudio());
    this.changed();
  }

  async setCameraEnabled(enabled) {
    const on = !!enabled;
    if (on === this.cameraEnabled && (!on || this.cameraTrack)) return;
    this.cameraEnabled = on;
    // Not while the devices are still being opened (they open the camera
    // themselves, and may be waiting for the person: see openDevices).
    if (on && !this.cameraTrack && this.devicesReady) await this.reopenCamera();
    if (this.cameraEnabled !== on) return; // switched again meanwhile
    const sender = this.senders.camera?.sender;
    if (sender) await sender.replaceTrack(on && this.cameraTrack ? this.cameraTrack : this.placeholders.blackVideo());
    if (!on) this.stopCamera();
    this.changed();
  }

  /** Open the camera again (it is stopped while off); one opening at a time. */
  reopenCamera() {
    if (!this.cameraOpening) {
      this.cameraOpening = this.openTrack("video")
        .then((track) => {
          if (this.cameraEnabled) {
            this.cameraTrack = track;
            this.hasCamera = true;
            this.deviceError = "";
          } else {
            track.stop();
          }
        })
        .catch((err) => {
          this.deviceError = classifyMediaError(err);
          this.problems = { ...this.problems, video: this.deviceError };
          this.emit("device_error", { code: this.deviceError });
        })
        .finally(() => {
          this.cameraOpening = null;
        });
    }
    return this.cameraOpening;
  }

  /** Share a screen (or, for tests, any video track given). */
  async startScreenShare(track) {
    if (this.screenTrack) return true;
    let screen = track;
    if (!screen) {
      try {
        const stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
        screen = stream.getVideoTracks()[0];
      } catch (err) {
        if (err?.name !== "NotAllowedError") this.emit("device_error", { code: classifyMediaError(err) });
        return false;
      }
    }
    this.screenTrack = screen;
    screen.addEventListener("ended", () => this.stopScreenShare());
    this.changed();
    if (this.status === "ready") await this.queue.run(() => this.publish([["screen", screen]]));
    return true;
  }

  async stopScreenShare() {
    if (!this.screenTrack) return;
    const track = this.screenTrack;
    this.screenTrack = null;
    track.stop();
    const transceiver = this.senders.screen;
    delete this.senders.screen;
    delete this.published.screen;
    this.onAnnounce?.({ "tracks.screenShareEnabled": false, "tracks.screenshare": null });
    this.changed();
    if (transceiver && this.pc) await this.queue.run(() => this.closeMids([transceiver]));
  }

  // ---- subscribing ------------------------------------------------------------

  /** Set what to pull: everyone's audio, video only of the tiles on stage. */
  want(audio, video) {
    this.wantedAudio = new Set(audio || []);
    this.wantedVideo = new Set(video || []);
    this.reconcile();
  }

  reconcile() {
    if (this.reconcileScheduled) return;
    this.reconcileScheduled = true;
    window.setTimeout(() => {
      this.reconcileScheduled = false;
      if (this.status !== "ready" || !this.pc) return;
      this.queue.run(() => this.reconcileNow()).catch((err) => {
        this.emit("media_error", { code: err.code || "unknown", description: err.description || String(err) });
      });
    }, 0);
  }

  async reconcileNow() {
    if (this.status !== "ready" || !this.pc) return;
    const wanted = new Set([...this.wantedAudio, ...this.wantedVideo]);
    const now = Date.now();
    const { subscribe, unsubscribe, retryAt } = diffPulls(this.pulled.keys(), wanted, this.failedPulls, now);
    this.scheduleRetry(retryAt);
    let failure = null;
    if (unsubscribe.length) {
      const transceivers = unsubscribe
        .map((id) => this.pc.getTransceivers().find((t) => t.mid === this.pulled.get(id)?.mid))
        .filter(Boolean);
      unsubscribe.forEach((id) => this.dropRemote(id));
      // A close that failed does not keep the newcomers' tracks from being pulled.
      if (transceivers.length) await this.closeMids(transceivers).catch((err) => (failure = err));
    }
    try {
      if (subscribe.length && !(failure && isSessionLost(failure.status, failure.code))) await this.pull(subscribe);
    } finally {
      if (this.failedPulls.size) {
        const next = diffPulls(this.pulled.keys(), wanted, this.failedPulls, Date.now());
        this.scheduleRetry(next.retryAt);
      }
    }
    if (failure) throw failure;
  }

  /** One timer for the next pull of a failed track (backing off, see PullFailures). */
  scheduleRetry(at) {
    window.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (at === null) return;
    const generation = this.generation;
    this.retryTimer = window.setTimeout(() => {
      this.retryTimer = null;
      if (generation === this.generation) this.reconcile();
    }, Math.max(0, at - Date.now()) + 50);
  }

  /**
   * Pull `ids` in requests of at most MAX_TRACKS_PER_REQUEST tracks (the
   * proxy refuses more), one after another on our one session, each with its
   * own renegotiation. A chunk that fails costs only its own tracks (they back
   * off in `failedPulls`); the others go on. Throws the first failure after
   * every chunk was tried, or at once when the session is gone.
   */
  async pull(ids) {
    const generation = this.generation;
    let failure = null;
    try {
      for (const part of chunked(ids)) {
        if (generation !== this.generation || this.status !== "ready" || !this.pc) break;
        try {
          await this.pullChunk(part);
        } catch (err) {
          failure = failure || err;
          if (isSessionLost(err.status, err.code)) break; // a recovery takes over
        }
      }
    } finally {
      this.changed();
    }
    if (failure) throw failure;
  }

  /** One `tracks/new` of at most MAX_TRACKS_PER_REQUEST remote tracks, then its renegotiation. */
  async pullChunk(ids) {
    const tracks = ids.map((id) => ({ location: "remote", ...parseTrackId(id) }));
    let answer;
    try {
      answer = await this.api("tracks/new", this.sessionId, { tracks });
    } catch (err) {
      // Refused as a whole (after the api's own retries): these tracks back
      // off like a per-track failure, so they are tried again later, not never.
      const now = Date.now();
      ids.forEach((id) => this.failedPulls.failed(id, now));
      throw err;
    }
    const { pulled, failed } = readPullAnswer(ids, answer.tracks);
    const now = Date.now();
    failed.forEach((id) => this.failedPulls.failed(id, now));
    for (const { id, mid } of pulled) {
      this.failedPulls.succeeded(id);
      this.pulled.set(id, { mid });
      this.midToTrack.set(mid, id);
    }
    if (!answer.requiresImmediateRenegotiation || !answer.sessionDescription) return;
    const pc = this.pc;
    try {
      await pc.setRemoteDescription(answer.sessionDescription);
      await pc.setLocalDescription(await pc.createAnswer());
      this.keepNegotiatedCodecs(pc, new Set(pulled.map(({ mid }) => mid)));
      await this.api("renegotiate", this.sessionId, {
        sessionDescription: { type: "answer", sdp: pc.localDescription.sdp },
      });
    } catch (err) {
      // Calls never got our answer: these tracks would not flow. Give them
      // back (closed, backing off) so a later pull asks for them afresh.
      await this.abandonPulls(pulled.map(({ id }) => id), err);
      throw err;
    }
  }

  /** Later offers list only the codecs these pulled transceivers were negotiated with. */
  keepNegotiatedCodecs(pc, mids) {
    const Receiver = globalThis.RTCRtpReceiver;
    if (!Receiver?.getCapabilities) return;
    for (const transceiver of pc.getTransceivers()) {
      if (!mids.has(transceiver.mid) || !transceiver.setCodecPreferences) continue;
      try {
        const kind = transceiver.receiver.track.kind;
        const keep = negotiatedCodecs(Receiver.getCapabilities(kind)?.codecs, transceiver.receiver.getParameters().codecs);
        if (keep.length) transceiver.setCodecPreferences(keep);
      } catch (_) {
        /* an optimisation only: the offer stays as the browser makes it */
      }
    }
  }

  /** Tracks whose pull could not be completed: back off, forget, close their transceivers. */
  async abandonPulls(ids, err) {
    const pc = this.pc;
    const now = Date.now();
    const mids = new Set(ids.map((id) => this.pulled.get(id)?.mid));
    ids.forEach((id) => {
      this.failedPulls.failed(id, now);
      this.dropRemote(id);
    });
    if (!pc || isSessionLost(err.status, err.code)) return;
    try {
      // Not awaited (see closeChunk): the operations chain orders it first.
      if (pc.signalingState === "have-remote-offer") pc.setLocalDescription({ type: "rollback" }).catch(() => {});
      const transceivers = pc.getTransceivers().filter((t) => t.mid !== null && mids.has(t.mid));
      if (transceivers.length) await this.closeMids(transceivers);
    } catch (_) {
      /* best effort: the next negotiation starts from whatever is left */
    }
  }

  /**
   * Stop transceivers and close their tracks on Calls, in requests of at most
   * MAX_TRACKS_PER_REQUEST mids, one after another, each with its own offer
   * (only that chunk's transceivers stopped in it). A failed chunk does not
   * keep the others from closing; the first failure is thrown at the end.
   */
  async closeMids(transceivers) {
    const pc = this.pc;
    const unnamed = transceivers.filter((t) => t.mid === null);
    unnamed.forEach((t) => t.stop());
    let failure = null;
    for (const part of chunked(transceivers.filter((t) => t.mid !== null))) {
      if (pc !== this.pc) break; // recovered meanwhile: the old connection is gone
      try {
        await this.closeChunk(pc, part);
      } catch (err) {
        failure = failure || err;
        if (isSessionLost(err.status, err.code)) break;
      }
    }
    if (failure) throw failure;
  }

  async closeChunk(pc, transceivers) {
    const mids = transceivers.map((t) => t.mid);
    transceivers.forEach((t) => t.stop());
    await pc.setLocalDescription(await pc.createOffer());
    let answer;
    try {
      answer = await this.api("tracks/close", this.sessionId, {
        tracks: mids.map((mid) => ({ mid })),
        sessionDescription: { type: "offer", sdp: pc.localDescription.sdp },
        force: false,
      });
    } catch (err) {
      // Leave the connection stable for the next negotiation. Not awaited: a
      // lost session makes a recovery close this connection, and an operation
      // of a closed RTCPeerConnection never settles (it would hold the queue,
      // and so the recovery's own publish, forever). The connection's own
      // operations chain puts the rollback before any later negotiation.
      if (!isSessionLost(err.status, err.code) && pc.signalingState === "have-local-offer") {
        pc.setLocalDescription({ type: "rollback" }).catch(() => {});
      }
      throw err;
    }
    if (answer.sessionDescription) await pc.setRemoteDescription(answer.sessionDescription);
  }

  /** A pulled track stopped receiving bytes for 10 s: report, re-pull once. */
  onDead(id) {
    this.onDeadTrack?.(id);
    this.emit("dead_track", { trackId: id });
    if (this.resubscribed.has(id)) return;
    this.resubscribed.add(id);
    const mid = this.pulled.get(id)?.mid;
    const transceiver = this.pc?.getTransceivers().find((t) => t.mid === mid);
    this.dropRemote(id);
    this.queue
      .run(async () => {
        if (transceiver) await this.closeMids([transceiver]);
      })
      .catch(() => {})
      .finally(() => this.reconcile());
  }

  dropRemote(id) {
    this.deadTracks.forget(id);
    const entry = this.pulled.get(id);
    if (entry) this.midToTrack.delete(entry.mid);
    this.pulled.delete(id);
    this.remote.delete(id);
    this.levels.delete(id);
    this.speaking.delete(id);
    this.detectors.delete(id);
    this.changed();
  }

  onTrack(event) {
    const mid = event.transceiver?.mid;
    const id = this.midToTrack.get(mid);
    if (!id) return;
    this.remote.set(id, event.track);
    event.track.addEventListener("ended", () => this.changed());
    this.changed();
  }

  /** The MediaStreamTrack for a track id ("self:camera" for one's own camera). */
  trackFor(id) {
    if (id === "self:camera") return this.cameraEnabled ? this.cameraTrack : null;
    if (id === "self:screen") return this.screenTrack;
    return this.remote.get(id) || null;
  }

  // ---- connection watch, recovery, stats ----------------------------------------

  onConnectionState() {
    const pc = this.pc;
    if (!pc) return;
    const state = pc.connectionState === "failed" ? "failed" : pc.iceConnectionState;
    this.connection = state;
    if (state === "disconnected") {
      if (this.disconnectedSince === null) this.disconnectedSince = Date.now();
    } else if (state === "connected" || state === "completed") {
      if (this.notified) this.emit("reconnected");
      this.disconnectedSince = null;
      this.notified = false;
    }
    this.checkConnection();
    this.changed();
  }

  checkConnection() {
    if (!this.pc || this.status !== "ready") return;
    const action = disconnectAction(this.connection, this.disconnectedSince, Date.now());
    if (action === "notify" && !this.notified) {
      this.notified = true;
      this.emit("connection_lost");
    } else if (action === "recover") {
      if (!this.notified) this.emit("connection_lost");
      this.notified = true;
      this.requestRecovery();
    }
  }

  /** Recover soon: at once after a calm spell, backing off when it repeats. */
  requestRecovery() {
    if (this.recoveryTimer || this.recovering || this.status === "stopped" || !this.room) return;
    this.recoveryTimer = window.setTimeout(() => {
      this.recoveryTimer = null;
      this.recover();
    }, this.pacer.next(Date.now()));
  }

  /** New session, republish, resubscribe, announce the new track ids. */
  async recover() {
    if (this.status === "stopped" || !this.room || this.recovering) return;
    this.recovering = true;
    const old = this.pc;
    const told = this.notified;
    this.stopStats();
    this.reset();
    old?.close();
    this.status = "starting";
    this.changed();
    try {
      await this.connect();
      if (told) this.emit("reconnected");
    } catch (err) {
      this.status = "failed";
      this.changed();
    } finally {
      this.recovering = false;
    }
    if (this.status === "failed") this.requestRecovery();
  }

  startStats() {
    this.stopStats();
    this.statsTimer = window.setInterval(() => this.sampleStats().catch(() => {}), STATS_MS);
  }

  stopStats() {
    window.clearInterval(this.statsTimer);
    this.statsTimer = null;
  }

  async sampleStats() {
    const pc = this.pc;
    if (!pc) return;
    this.checkConnection();
    this.checkServerSession();
    const stats = await pc.getStats();
    const now = Date.now();
    let lost = 0;
    let received = 0;
    const speaking = new Set();
    const perTrack = new Map();
    stats.forEach((report) => {
      if (report.type === "inbound-rtp") {
        const id = this.midToTrack.get(report.mid);
        if (!id) return;
        lost += report.packetsLost || 0;
        received += report.packetsReceived || 0;
        perTrack.set(id, report);
        if (this.deadTracks.sample(id, report.bytesReceived || 0, now)) this.onDead(id);
        if (report.kind === "audio") {
          const level = report.audioLevel || 0;
          this.levels.set(id, level);
          if (!this.detectors.has(id)) this.detectors.set(id, new SpeakingDetector());
          if (this.detectors.get(id).update(level, now)) speaking.add(id);
        }
      } else if (report.type === "media-source" && report.kind === "audio") {
        const level = this.micEnabled ? report.audioLevel || 0 : 0;
        this.selfLevel = level;
        if (!this.detectors.has("self")) this.detectors.set("self", new SpeakingDetector());
        if (this.detectors.get("self").update(level, now)) speaking.add("self:audio");
      }
    });
    const verdict = this.lossMonitor.sample(lost, received, now);
    if (verdict === "unstable") this.emit("unstable");
    if (verdict === "stable") this.emit("stable");
    this.trackLoss(perTrack);
    const changed = speaking.size !== this.speaking.size || [...speaking].some((id) => !this.speaking.has(id));
    this.speaking = speaking;
    if (changed) this.changed();
  }

  trackLoss(perTrack) {
    const previous = this.lastPerTrack || new Map();
    for (const [id, report] of perTrack) {
      const before = previous.get(id);
      if (!before) continue;
      const dLost = Math.max(0, (report.packetsLost || 0) - (before.packetsLost || 0));
      const dReceived = Math.max(0, (report.packetsReceived || 0) - (before.packetsReceived || 0));
      const quality = connectionQuality(dLost + dReceived ? dLost / (dLost + dReceived) : 0);
      if (this.quality.get(id) !== quality) {
        this.quality.set(id, quality);
        this.changed();
      }
    }
    this.lastPerTrack = perTrack;
  }

  /** Inbound media per pulled track id (tests and the debug overlay read this). */
  async inboundStats() {
    const result = {};
    if (!this.pc) return result;
    const stats = await this.pc.getStats();
    stats.forEach((report) => {
      if (report.type !== "inbound-rtp") return;
      const id = this.midToTrack.get(report.mid);
      if (!id) return;
      result[id] = {
        kind: report.kind,
        mid: report.mid,
        packetsReceived: report.packetsReceived || 0,
        bytesReceived: report.bytesReceived || 0,
        framesDecoded: report.framesDecoded || 0,
        frameWidth: report.frameWidth || 0,
        totalAudioEnergy: report.totalAudioEnergy || 0,
        audioLevel: report.audioLevel || 0,
      };
    });
    return result;
  }

  // ---- leaving ----------------------------------------------------------------

  /** Close our tracks on Calls, the connection and the devices. */
  async stop() {
    const pc = this.pc;
    const local = Object.values(this.senders);
    this.status = "stopped";
    this.stopStats();
    window.clearTimeout(this.recoveryTimer);
    this.recoveryTimer = null;
    if (pc && this.sessionId && local.length) {
      await this.queue.run(() => this.closeMids(local)).catch(() => {});
    }
    pc?.close();
    this.reset();
    this.status = "stopped";
    this.micTrack?.stop();
    this.stopCamera();
    this.screenTrack?.stop();
    this.pttMicTrack?.stop();
    this.micTrack = this.screenTrack = this.pttMicTrack = null;
    this.pttWanted = this.pttTalking = false;
    this.devicesOpened = null;
    this.devicesReady = false;
    this.problems = { audio: "", video: "" };
    this.hasCamera = false;
    this.placeholders.stop();
    this.room = "";
    this.changed();
  }
}

export function mediaEngine() {
  if (typeof window === "undefined") return null;
  if (!window.meetMedia) {
    const engine = new MediaEngine();
    window.meetMedia = engine;
    watchReflexSocket({ onDrop: () => engine.socketDropped(), onConnect: () => engine.socketConnected() });
  }
  return window.meetMedia;
}
