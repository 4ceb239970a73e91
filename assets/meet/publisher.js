// The publisher: this tab's own tracks on Calls (microphone, camera, screen,
// push-to-talk). A sender stays for the whole session; muting or turning the
// camera off swaps a placeholder in, so nobody has to pull again.
import { classifyMediaError, trackIdOf } from "./media_logic.js";
import { CallsRequestError } from "./connection.js";

const wait = (ms) => new Promise((resolve) => globalThis.setTimeout(resolve, ms));
const ROSTER_FIELD = { mic: "tracks.audio", camera: "tracks.video", screen: "tracks.screenshare" };

export class Publisher {
  /**
   * @param {object} host the engine: `connection`, `devices`, `status`,
   *   `generation`, `changed()`, `emit(kind, detail)` ("announce" carries the
   *   roster changes to send).
   */
  constructor(host) {
    this.host = host;
    this.micEnabled = true;
    this.cameraEnabled = true;
    this.screenTrack = null;
    this.pttWanted = false;
    this.pttTalking = false;
    this.pttMicTrack = null;
    this.reset();
  }

  /** A new session: no sender, nothing announced. */
  reset() {
    this.senders = {}; // name -> RTCRtpTransceiver
    this.published = {}; // name -> track id (announced)
  }

  get devices() {
    return this.host.devices;
  }

  get connection() {
    return this.host.connection;
  }

  /** What a sender sends now: the device, a placeholder while off, or nothing. */
  outgoing(name) {
    const devices = this.devices;
    if (name === "mic") {
      if (!devices.micTrack) return null;
      return this.micEnabled ? devices.micTrack : devices.placeholders.silentAudio();
    }
    if (name === "camera") {
      // A camera that exists is always published (black while off), so turning
      // it on later only swaps the track: nobody re-subscribes.
      if (!devices.hasCamera && !devices.cameraTrack) return null;
      return this.cameraEnabled && devices.cameraTrack ? devices.cameraTrack : devices.placeholders.blackVideo();
    }
    if (name === "ptt") {
      // Push-to-talk to the AI: the microphone while held, silence otherwise.
      if (!this.pttWanted) return null;
      return this.pttTalking && this.pttMic() ? this.pttMic() : devices.placeholders.silentAudio();
    }
    return name === "screen" ? this.screenTrack : null;
  }

  /** The push-to-talk copy of the microphone (its own track: muting the mic does not touch it). */
  pttMic() {
    const mic = this.devices.micTrack;
    if (!mic || mic.readyState !== "live") return null;
    if (!this.pttMicTrack || this.pttMicTrack.readyState !== "live") this.pttMicTrack = mic.clone();
    return this.pttMicTrack;
  }

  /** Publish the push-to-talk track (silent until held) once an AI is in the room. */
  async setPttWanted(wanted) {
    if (!wanted || this.pttWanted) return;
    this.pttWanted = true;
    if (this.host.status === "ready" && !this.senders.ptt) await this.connection.negotiate(() => this.publish([["ptt"]]));
    this.host.changed();
  }

  /** Hold (mic) or release (silence) push-to-talk: only the sender's track is swapped. */
  async setPttTalking(talking) {
    this.pttTalking = !!talking;
    const sender = this.senders.ptt?.sender;
    if (sender) await sender.replaceTrack(this.outgoing("ptt"));
    this.host.changed();
  }

  /** Whether the push-to-talk track is published and its bytes flow. */
  get pttReady() {
    return !!this.published.ptt;
  }

  /**
   * Publish `[name, track?]` entries (a missing track: what `outgoing` says)
   * in one offer. A step of a negotiation: call it inside `negotiate`.
   */
  async publish(requested) {
    const entries = requested.map(([name, track]) => [name, track || this.outgoing(name)]).filter(([, track]) => track);
    if (!entries.length) return;
    const connection = this.connection;
    const pc = connection.pc;
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
    const answer = await connection.rpc("tracks/new", connection.sessionId, body);
    await pc.setRemoteDescription(answer.sessionDescription);
    const failed = (answer.tracks || []).filter((t) => t.errorCode);
    if (failed.length) throw new CallsRequestError({ code: failed[0].errorCode, description: failed[0].errorDescription || "" });
    this.announceWhenFlowing(transceivers.map(([name]) => name));
  }

  /** Announce track ids only once bytes flow, so nobody pulls a silent track. */
  async announceWhenFlowing(names) {
    const generation = this.host.generation;
    for (let i = 0; i < 100 && generation === this.host.generation; i += 1) {
      const sent = await this.bytesSentByMid();
      const flowing = names.filter((name) => sent.get(this.senders[name]?.mid) > 0);
      if (flowing.length === names.length) break;
      await wait(100);
    }
    if (generation !== this.host.generation) return;
    const changes = {};
    for (const name of names) {
      const id = trackIdOf(this.connection.sessionId, name);
      this.published[name] = id;
      if (ROSTER_FIELD[name]) changes[ROSTER_FIELD[name]] = id; // ptt is not a roster field (see state/ai.py)
    }
    if (names.includes("screen")) changes["tracks.screenShareEnabled"] = true;
    if (!this.devices.micTrack) changes["tracks.audioUnavailable"] = true;
    const all = { ...changes, ...this.devices.unavailableChanges() };
    if (Object.keys(all).length) this.host.emit("announce", all);
    this.host.changed();
  }

  async bytesSentByMid() {
    const result = new Map();
    const pc = this.connection.pc;
    if (!pc) return result;
    const stats = await pc.getStats();
    stats.forEach((report) => {
      if (report.type === "outbound-rtp" && report.mid !== undefined) result.set(report.mid, report.bytesSent || 0);
    });
    return result;
  }

  /** A device was switched: send the new track where it is on (devices.js). */
  async swapped(media, track) {
    if (media === "audio" && this.micEnabled) await this.senders.mic?.sender.replaceTrack(track);
    if (media === "video" && this.cameraEnabled) await this.senders.camera?.sender.replaceTrack(track);
  }

  /** Mute or unmute by swapping a silent placeholder in: nobody re-subscribes. */
  async setMicEnabled(enabled) {
    this.micEnabled = !!enabled;
    const mic = this.devices.micTrack;
    const sender = this.senders.mic?.sender;
    if (sender) await sender.replaceTrack(this.micEnabled && mic ? mic : this.devices.placeholders.silentAudio());
    this.host.changed();
  }

  async setCameraEnabled(enabled) {
    const on = !!enabled;
    const devices = this.devices;
    if (on === this.cameraEnabled && (!on || devices.cameraTrack)) return;
    this.cameraEnabled = on;
    // Not while the devices are still being opened (they open the camera
    // themselves, and may be waiting for the person: see openDevices).
    if (on && !devices.cameraTrack && devices.devicesReady) await devices.reopenCamera();
    if (this.cameraEnabled !== on) return; // switched again meanwhile
    const sender = this.senders.camera?.sender;
    if (sender) await sender.replaceTrack(on && devices.cameraTrack ? devices.cameraTrack : devices.placeholders.blackVideo());
    if (!on) devices.stopCamera();
    this.host.changed();
  }

  /** Share a screen (or, for tests, any video track given). */
  async startScreenShare(track) {
    if (this.screenTrack) return true;
    let screen = track;
    if (!screen) {
      try {
        const stream = await globalThis.navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
        screen = stream.getVideoTracks()[0];
      } catch (err) {
        if (err?.name !== "NotAllowedError") this.host.emit("device_error", { code: classifyMediaError(err) });
        return false;
      }
    }
    this.screenTrack = screen;
    screen.addEventListener("ended", () => this.stopScreenShare());
    this.host.changed();
    if (this.host.status === "ready") {
      // A failure is the recovery's (it republishes the screen with the rest).
      await this.connection.negotiate(() => this.publish([["screen", screen]])).catch((err) => this.host.failed(err));
    }
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
    this.host.emit("announce", { "tracks.screenShareEnabled": false, "tracks.screenshare": null });
    this.host.changed();
    if (transceiver && this.connection.pc) {
      await this.connection.negotiate(() => this.connection.closeTransceivers([transceiver])).catch((err) => this.host.failed(err));
    }
  }

  /** Every sender's transceiver (closed when leaving). */
  localTransceivers() {
    return Object.values(this.senders);
  }

  /** Stop what only the publisher holds (leaving): screen and push-to-talk. */
  stop() {
    this.screenTrack?.stop();
    this.pttMicTrack?.stop();
    this.screenTrack = this.pttMicTrack = null;
    this.pttWanted = this.pttTalking = false;
    this.reset();
  }
}
