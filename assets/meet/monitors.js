// The monitors: every STATS_MS the connection's getStats() gives the audio
// levels (who is speaking), the packet loss (per track quality, a sustained
// loss warning) and the pulled tracks that stopped receiving (dead tracks).
import { DeadTrackMonitor, LossMonitor, SpeakingDetector, connectionQuality } from "./media_logic.js";

export const STATS_MS = 500;

export class Monitors {
  /**
   * @param {object} host the engine: `connection` (its `pc`), `subscriber`
   *   (its `midToTrack`), `publisher` (`micEnabled`), `changed()`,
   *   `emit(kind, detail)` ("unstable", "stable"), `trackDead(id)` and
   *   `tick()` (the recovery's checks, once per sample).
   */
  constructor(host) {
    this.host = host;
    this.timer = null;
    this.reset();
  }

  /** A new session: nothing measured yet. */
  reset() {
    this.levels = new Map();
    this.speaking = new Set();
    this.selfLevel = 0;
    this.detectors = new Map();
    this.lossMonitor = new LossMonitor();
    this.deadTracks = new DeadTrackMonitor();
    this.quality = new Map();
    this.lastPerTrack = new Map();
  }

  start() {
    this.stop();
    this.timer = globalThis.setInterval(() => this.sample().catch(() => {}), STATS_MS);
  }

  stop() {
    globalThis.clearInterval(this.timer);
    this.timer = null;
  }

  get running() {
    return this.timer !== null;
  }

  /** A pulled track is gone: forget what was measured of it. */
  forget(id) {
    this.deadTracks.forget(id);
    this.levels.delete(id);
    this.speaking.delete(id);
    this.detectors.delete(id);
    this.quality.delete(id);
  }

  async sample(now = Date.now()) {
    const pc = this.host.connection.pc;
    if (!pc) return;
    this.host.tick();
    const stats = await pc.getStats();
    if (pc !== this.host.connection.pc) return; // recovered meanwhile
    const midToTrack = this.host.subscriber.midToTrack;
    let lost = 0;
    let received = 0;
    const speaking = new Set();
    const perTrack = new Map();
    const dead = [];
    stats.forEach((report) => {
      if (report.type === "inbound-rtp") {
        const id = midToTrack.get(report.mid);
        if (!id) return;
        lost += report.packetsLost || 0;
        received += report.packetsReceived || 0;
        perTrack.set(id, report);
        if (this.deadTracks.sample(id, report.bytesReceived || 0, now)) dead.push(id);
        if (report.kind === "audio") {
          const level = report.audioLevel || 0;
          this.levels.set(id, level);
          if (!this.detectors.has(id)) this.detectors.set(id, new SpeakingDetector());
          if (this.detectors.get(id).update(level, now)) speaking.add(id);
        }
      } else if (report.type === "media-source" && report.kind === "audio") {
        const level = this.host.publisher.micEnabled ? report.audioLevel || 0 : 0;
        this.selfLevel = level;
        if (!this.detectors.has("self")) this.detectors.set("self", new SpeakingDetector());
        if (this.detectors.get("self").update(level, now)) speaking.add("self:audio");
      }
    });
    const verdict = this.lossMonitor.sample(lost, received, now);
    if (verdict === "unstable") this.host.emit("unstable");
    if (verdict === "stable") this.host.emit("stable");
    this.trackLoss(perTrack);
    const changed = speaking.size !== this.speaking.size || [...speaking].some((id) => !this.speaking.has(id));
    this.speaking = speaking;
    if (changed) this.host.changed();
    dead.forEach((id) => this.host.trackDead(id));
  }

  trackLoss(perTrack) {
    const previous = this.lastPerTrack;
    for (const [id, report] of perTrack) {
      const before = previous.get(id);
      if (!before) continue;
      const dLost = Math.max(0, (report.packetsLost || 0) - (before.packetsLost || 0));
      const dReceived = Math.max(0, (report.packetsReceived || 0) - (before.packetsReceived || 0));
      const quality = connectionQuality(dLost + dReceived ? dLost / (dLost + dReceived) : 0);
      if (this.quality.get(id) !== quality) {
        this.quality.set(id, quality);
        this.host.changed();
      }
    }
    this.lastPerTrack = perTrack;
  }

  /** Inbound media per pulled track id (tests and the debug overlay read this). */
  async inboundStats() {
    const result = {};
    const pc = this.host.connection.pc;
    if (!pc) return result;
    const midToTrack = this.host.subscriber.midToTrack;
    const stats = await pc.getStats();
    stats.forEach((report) => {
      if (report.type !== "inbound-rtp") return;
      const id = midToTrack.get(report.mid);
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
}
