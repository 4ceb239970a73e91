// Devices: microphone and camera (getUserMedia), the device lists, the
// preferred devices (remembered per browser) and the placeholders (silence,
// black video) that keep a sender alive while its device is off.
import { chooseDevice, classifyMediaError } from "./media_logic.js";

const VIDEO = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { max: 24 } };
const STORAGE = "meet.device.";

export function readPreference(kind) {
  try {
    return globalThis.localStorage?.getItem(STORAGE + kind) || "";
  } catch (_) {
    return "";
  }
}

export function writePreference(kind, id) {
  try {
    globalThis.localStorage?.setItem(STORAGE + kind, id || "");
  } catch (_) {
    /* private mode: not remembered */
  }
}

/** Silent audio and black video that keep a sender's track name alive. */
export class Placeholders {
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
    this.timer = globalThis.setInterval(draw, 250);
    this.video = canvas.captureStream(4).getVideoTracks()[0];
    return this.video;
  }

  stop() {
    globalThis.clearInterval(this.timer);
    this.audio?.stop();
    this.video?.stop();
    this.context?.close();
    this.audio = this.video = this.context = null;
  }
}

export class Devices {
  /**
   * @param {object} options
   * @param {() => void} options.changed the store changed (React re-renders)
   * @param {(kind: string, detail: object) => void} options.emit public events
   * @param {(media: "audio"|"video", track: MediaStreamTrack) => Promise<void>} options.swapped
   *   a device was switched: the publisher sends the new track
   * @param {() => boolean} options.cameraWanted whether the camera is on (publisher)
   * @param {object} [options.media] navigator.mediaDevices (tests pass a fake)
   */
  constructor({ changed, emit, swapped = async () => {}, cameraWanted = () => true, media } = {}) {
    this.changed = changed || (() => {});
    this.emit = emit || (() => {});
    this.swapped = swapped;
    this.cameraWanted = cameraWanted;
    this.mediaOverride = media;
    this.placeholders = new Placeholders();
    this.sinkId = readPreference("audiooutput");
    this.clear();
  }

  /** navigator.mediaDevices (or the fake given). */
  get media() {
    return this.mediaOverride || globalThis.navigator?.mediaDevices;
  }

  /** Forget the opened devices (they are stopped by `stop`). */
  clear() {
    this.micTrack = null;
    this.cameraTrack = null;
    this.deviceError = "";
    // Why the microphone ("audio") or camera ("video") could not be opened
    // (a classifyMediaError code, "" when it works): its button is off and
    // disabled, and the others see it off.
    this.problems = { audio: "", video: "" };
    this.devices = this.devices || [];
    this.devicesOpened = null;
    this.devicesReady = false;
    this.hasCamera = false;
    this.cameraOpening = null;
  }

  async refreshDevices() {
    if (!this.media?.enumerateDevices) return;
    this.devices = await this.media.enumerateDevices();
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
    const stream = await this.media.getUserMedia(constraints);
    return kind === "audio" ? stream.getAudioTracks()[0] : stream.getVideoTracks()[0];
  }

  /**
   * Whether the browser will ask for the camera or microphone ("prompt"),
   * from the Permissions API where there is one ("unknown" otherwise).
   */
  async permissionState() {
    const permissions = globalThis.navigator?.permissions;
    if (!permissions?.query) return "unknown";
    try {
      const states = await Promise.all(
        ["camera", "microphone"].map((name) => permissions.query({ name }).then((r) => r.state)),
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
      if (!this.media?.getUserMedia) {
        this.deviceError = "unsupported";
        this.problems = { audio: "unsupported", video: "unsupported" };
        this.changed();
        return;
      }
      if (!this.deviceWatch) {
        this.deviceWatch = () => this.onDeviceChange();
        this.media.addEventListener?.("devicechange", this.deviceWatch);
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
      if (!this.cameraWanted()) this.stopCamera();
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
    if (gone(this.cameraTrack) && this.cameraWanted()) await this.switchDevice("videoinput", readPreference("videoinput"), false);
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
      } else {
        this.cameraTrack?.stop();
        this.cameraTrack = track;
      }
      await this.swapped(media, track);
      if (media === "video" && !this.cameraWanted()) this.stopCamera();
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

  /** Open the camera again (it is stopped while off); one opening at a time. */
  reopenCamera() {
    if (!this.cameraOpening) {
      this.cameraOpening = this.openTrack("video")
        .then((track) => {
          if (this.cameraWanted()) {
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

  /** Stop every device track and placeholder; the lists and preferences stay. */
  stop() {
    this.micTrack?.stop();
    this.stopCamera();
    this.placeholders.stop();
    this.clear();
  }
}
