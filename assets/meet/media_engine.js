// The media engine: the facade the React components use. It composes the
// bridge's parts (each its own module, unit-tested in tests/js):
//
//   connection.js  the one RTCPeerConnection, negotiations one at a time, the
//                  Calls RPC through our server (a Reflex event each; sent
//                  once: the server's CallsClient is the only retry layer)
//   devices.js     microphone, camera, device lists, preferences, placeholders
//   publisher.js   this tab's own tracks (mic, camera, screen, push-to-talk)
//   subscriber.js  pulling and closing remote tracks
//   monitors.js    stats: speaking levels, packet loss, dead tracks
//   recovery.js    ICE failure, lost session, unknown outcomes: a new session
//
// Lifecycle: the components that own the meeting (MediaBridge, on the lobby
// and on the meeting page) call `attach()` when they mount and the returned
// `detach()` when they unmount. When the last owner detaches, media stops as
// soon as the current React commit is done, unless an owner attached again
// meanwhile (a StrictMode re-mount, or lobby -> meeting: the meeting page's
// bridge mounts in the same commit the lobby's unmounts, so the media
// published in the lobby carries over). No timer decides the lifetime.
//
// Events: `on(kind, fn)` returns the unsubscribe; any number of listeners
// per event ("*" hears every event). The store for React is
// `subscribe(fn)` / `getVersion()` (useSyncExternalStore).
//
// One engine lives per tab (module singleton, `window.meetMedia`).
import { Emitter } from "./media_logic.js";
import { CallsRequestError, Connection } from "./connection.js";
import { Devices } from "./devices.js";
import { Publisher } from "./publisher.js";
import { Subscriber } from "./subscriber.js";
import { Monitors } from "./monitors.js";
import { Recovery } from "./recovery.js";
import { watchReflexSocket } from "./reflex_socket.js";

export { CallsRequestError };

/** The events the engine emits (documented for listeners; others are refused). */
export const EVENTS = Object.freeze([
  "*",
  "announce", // roster changes to send: { "tracks.audio": id, ... }
  "dead_track", // { trackId }: a pulled track stopped receiving
  "connection_lost",
  "reconnected",
  "unstable",
  "stable",
  "device_error", // { code }
  "devices_changed",
  "media_error", // { code, description }
  "rate_limited", // { op, waitMs }: our proxy asked to wait
  "session_lost", // { reason }: a recovery starts
]);

export class MediaEngine {
  /**
   * @param {object} [options]
   * @param {(config: object) => RTCPeerConnection} [options.createPeerConnection] tests pass a fake
   * @param {object} [options.media] navigator.mediaDevices (tests pass a fake)
   */
  constructor({ createPeerConnection, media } = {}) {
    this.events = new Emitter();
    this.storeListeners = new Set();
    this.version = 0;
    this.status = "idle"; // idle | starting | ready | failed | stopped
    this.room = "";
    this.generation = 0;
    this.owners = new Set();
    this.stopping = null;
    const emit = (kind, detail) => this.emit(kind, detail);
    const changed = () => this.changed();
    this.connection = new Connection({
      emit,
      createPeerConnection,
      onSessionLost: (reason) => this.recovery.sessionLost(reason),
      onOutcomeUnknown: (op) => this.recovery.outcomeUnknown(op),
    });
    this.devices = new Devices({
      changed,
      emit,
      media,
      swapped: (kind, track) => this.publisher.swapped(kind, track),
      cameraWanted: () => this.publisher.cameraEnabled,
    });
    this.publisher = new Publisher(this);
    this.subscriber = new Subscriber(this);
    this.monitors = new Monitors(this);
    this.recovery = new Recovery(this);
  }

  // ---- store for React (useSyncExternalStore) ---------------------------------

  subscribe(listener) {
    this.storeListeners.add(listener);
    return () => this.storeListeners.delete(listener);
  }

  getVersion() {
    return this.version;
  }

  changed() {
    this.version += 1;
    for (const listener of [...this.storeListeners]) listener();
  }

  // ---- events -----------------------------------------------------------------

  /** Listen to `kind` (see EVENTS); returns the unsubscribe. */
  on(kind, fn) {
    if (!EVENTS.includes(kind)) throw new RangeError(`no media event "${kind}" (one of ${EVENTS.join(", ")})`);
    return this.events.on(kind, fn);
  }

  emit(kind, detail = {}) {
    this.events.emit(kind, detail);
  }

  // ---- lifecycle --------------------------------------------------------------

  /**
   * A component owns the meeting from now on. `send(request)` hands a Calls
   * request to the server (a Reflex event); `replyTimeoutMs` is the server's
   * reply budget. Returns `detach` (idempotent).
   */
  attach({ send, replyTimeoutMs } = {}) {
    if (send !== undefined && typeof send !== "function") throw new TypeError("send must be a function");
    const owner = Symbol("media owner");
    this.owners.add(owner);
    if (send) this.connection.setTransport(send);
    this.connection.setReplyTimeout(replyTimeoutMs);
    return () => this.detach(owner);
  }

  /**
   * An owner is done (idempotent: a second call does nothing). The last one
   * stops media once the current commit is done, unless an owner attached
   * again meanwhile. The transport stays: closing our tracks after leaving
   * still goes through the server.
   */
  detach(owner) {
    if (!this.owners.delete(owner) || this.owners.size) return;
    globalThis.queueMicrotask(() => {
      if (!this.owners.size) this.stop();
    });
  }

  get attached() {
    return this.owners.size > 0;
  }

  /** Start media for a room: devices, session, publish mic and camera. */
  async start(room) {
    if (typeof room !== "string" || !room) throw new TypeError("start needs a room name");
    if (this.stopping) await this.stopping;
    if (this.room === room && (this.status === "starting" || this.status === "ready")) return;
    if (this.room && this.room !== room) await this.stop();
    this.room = room;
    this.status = "starting";
    this.changed();
    await this.devices.openDevices();
    if (this.room !== room || this.status !== "starting") return; // stopped meanwhile
    const missing = this.devices.unavailableChanges();
    if (Object.keys(missing).length) this.emit("announce", missing);
    try {
      await this.connect();
    } catch (err) {
      if (this.room !== room || this.status === "stopped") return;
      this.status = "failed";
      this.failed(err);
      this.changed();
      this.recovery.request("start_failed");
    }
  }

  /** A session, its connection, our tracks published; then pull what is wanted. */
  async connect() {
    const generation = this.generation;
    const pc = await this.connection.open(
      { track: (event) => this.subscriber.onTrack(event), state: () => this.recovery.onConnectionState() },
      () => generation === this.generation,
    );
    if (!pc) return;
    if (this.devices.cameraOpening) await this.devices.cameraOpening;
    // Which track each sender gets is decided when it is added (see
    // Publisher.outgoing): a mute or camera switch meanwhile is not lost.
    await this.connection.negotiate(() => this.publisher.publish([["mic"], ["camera"], ["screen"], ["ptt"]]));
    if (generation !== this.generation) return;
    this.status = "ready";
    this.changed();
    this.monitors.start();
    this.subscriber.reconcile();
  }

  /** Forget the session (recovery and leaving): the parts start afresh. */
  resetSession() {
    this.monitors.stop();
    this.monitors.reset();
    this.connection.close();
    this.publisher.reset();
    this.subscriber.reset();
    this.recovery.reset();
    this.generation += 1;
  }

  /** The recovery's new session (throws when it cannot be made). */
  async restart() {
    this.resetSession();
    this.status = "starting";
    this.changed();
    try {
      await this.connect();
    } catch (err) {
      if (this.status !== "stopped") {
        this.status = "failed";
        this.changed();
      }
      throw err;
    }
  }

  /** Close our tracks on Calls, the connection and the devices (once at a time). */
  stop() {
    if (!this.stopping) {
      this.stopping = this.stopNow().finally(() => {
        this.stopping = null;
      });
    }
    return this.stopping;
  }

  async stopNow() {
    const local = this.publisher.localTransceivers();
    const open = !!(this.connection.pc && this.connection.sessionId);
    this.status = "stopped";
    this.monitors.stop();
    this.recovery.stop();
    this.generation += 1; // pending announcements and pull retries are dropped
    if (open && local.length) {
      await this.connection.negotiate(() => this.connection.closeTransceivers(local)).catch(() => {});
    }
    this.resetSession();
    this.status = "stopped";
    this.devices.stop();
    this.publisher.stop();
    this.subscriber.stop();
    this.room = "";
    this.changed();
  }

  // ---- what the parts ask of the engine -----------------------------------------

  /** A failure nobody else handles: a toast. */
  failed(err) {
    this.emit("media_error", { code: err?.code || "unknown", description: err?.description || String(err) });
  }

  /** A pulled track is gone (subscriber): forget its measurements. */
  forgetTrack(id) {
    this.monitors.forget(id);
  }

  /** A pulled track stopped receiving (monitors): report, pull it again once. */
  trackDead(id) {
    this.emit("dead_track", { trackId: id });
    this.subscriber.repull(id);
  }

  /** Once per stats sample (monitors): the recovery's checks. */
  tick() {
    this.recovery.tick();
  }

  // ---- the API the components (and tests) use -----------------------------------

  /** One Calls request through the server (sent once; see Connection.rpc). */
  api(op, sessionId, body, options) {
    return this.connection.rpc(op, sessionId, body, options);
  }

  sendOnce(op, sessionId, body) {
    return this.connection.sendOnce(op, sessionId, body);
  }

  /** Called by the server (via call_script) with the answer to a request. */
  resolve(id, reply) {
    this.connection.resolve(id, reply);
  }

  socketDropped() {
    this.connection.socketDropped();
  }

  socketConnected() {
    this.connection.socketConnected();
  }

  want(audio, video) {
    this.subscriber.want(audio, video);
  }

  setServerSession(sessionId) {
    this.recovery.setServerSession(sessionId);
  }

  /** The MediaStreamTrack for a track id ("self:camera" for one's own camera). */
  trackFor(id) {
    if (id === "self:camera") return this.publisher.cameraEnabled ? this.devices.cameraTrack : null;
    if (id === "self:screen") return this.publisher.screenTrack;
    return this.subscriber.trackFor(id);
  }

  inboundStats() {
    return this.monitors.inboundStats();
  }

  refreshDevices() {
    return this.devices.refreshDevices();
  }

  preferred(kind) {
    return this.devices.preferred(kind);
  }

  openDevices() {
    return this.devices.openDevices();
  }

  consent() {
    this.devices.consent();
  }

  switchDevice(kind, deviceId, remember) {
    return this.devices.switchDevice(kind, deviceId, remember);
  }

  setMicEnabled(enabled) {
    return this.publisher.setMicEnabled(enabled);
  }

  setCameraEnabled(enabled) {
    return this.publisher.setCameraEnabled(enabled);
  }

  startScreenShare(track) {
    return this.publisher.startScreenShare(track);
  }

  stopScreenShare() {
    return this.publisher.stopScreenShare();
  }

  setPttWanted(wanted) {
    return this.publisher.setPttWanted(wanted);
  }

  setPttTalking(talking) {
    return this.publisher.setPttTalking(talking);
  }

  get explainBeforePrompt() {
    return !!this.devices.explainBeforePrompt;
  }

  set explainBeforePrompt(value) {
    this.devices.explainBeforePrompt = !!value;
  }

  /** The ICE connection state ("failed", "connected", ...; "new" without one). */
  get connectionState() {
    return this.recovery.connection;
  }

  get deviceList() {
    return this.devices.devices;
  }
}

// Read-only views of the parts' state, for the components, the bug report,
// the debug overlay and the browser tests (`window.meetMedia.pulled`, ...).
const VIEWS = {
  connection: ["pc", "sessionId", "transport", "replies", "history", "queue", "socketDrops"],
  devices: ["micTrack", "cameraTrack", "hasCamera", "cameraOpening", "deviceError", "problems", "sinkId", "awaitingConsent", "devicesReady"],
  publisher: ["senders", "published", "micEnabled", "cameraEnabled", "screenTrack", "pttReady"],
  subscriber: ["pulled", "remote", "midToTrack", "failedPulls"],
  monitors: ["speaking", "levels", "selfLevel", "quality"],
  recovery: ["serverSession", "recovering"],
};
for (const [part, names] of Object.entries(VIEWS)) {
  for (const name of names) {
    Object.defineProperty(MediaEngine.prototype, name, {
      get() {
        return this[part][name];
      },
      configurable: true,
    });
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
