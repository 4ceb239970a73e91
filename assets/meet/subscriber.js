// The subscriber: pulls the remote tracks the page wants (everyone's audio,
// the video of the tiles on stage) and closes the ones it no longer wants,
// in requests under the proxy's track limit, each negotiation after the
// previous one. A track whose pull failed backs off (PullFailures).
import { PullFailures, chunked, diffPulls, isSessionLost, negotiatedCodecs, parseTrackId, readPullAnswer } from "./media_logic.js";

export class Subscriber {
  /**
   * @param {object} host the engine: `connection`, `status`, `generation`,
   *   `changed()`, `failed(err)` (a media_error), `forgetTrack(id)` (monitors).
   */
  constructor(host) {
    this.host = host;
    this.wantedAudio = new Set();
    this.wantedVideo = new Set();
    this.retryTimer = null;
    this.reset();
  }

  /** A new session: nothing pulled. */
  reset() {
    globalThis.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.pulled = new Map(); // track id -> { mid }
    this.remote = new Map(); // track id -> MediaStreamTrack
    this.midToTrack = new Map();
    this.failedPulls = new PullFailures();
    this.resubscribed = new Set();
  }

  get connection() {
    return this.host.connection;
  }

  ready() {
    return this.host.status === "ready" && !!this.connection.pc;
  }

  /** Set what to pull: everyone's audio, video only of the tiles on stage. */
  want(audio, video) {
    this.wantedAudio = new Set(audio || []);
    this.wantedVideo = new Set(video || []);
    this.reconcile();
  }

  /** Bring the pulls in line with the wanted tracks soon (once per turn). */
  reconcile() {
    if (this.reconcileScheduled) return;
    this.reconcileScheduled = true;
    globalThis.setTimeout(() => {
      this.reconcileScheduled = false;
      if (!this.ready()) return;
      this.connection.negotiate(() => this.reconcileNow()).catch((err) => this.host.failed(err));
    }, 0);
  }

  async reconcileNow() {
    if (!this.ready()) return;
    const pc = this.connection.pc;
    const wanted = new Set([...this.wantedAudio, ...this.wantedVideo]);
    const { subscribe, unsubscribe, retryAt } = diffPulls(this.pulled.keys(), wanted, this.failedPulls, Date.now());
    this.scheduleRetry(retryAt);
    let failure = null;
    if (unsubscribe.length) {
      const transceivers = unsubscribe
        .map((id) => pc.getTransceivers().find((t) => t.mid === this.pulled.get(id)?.mid))
        .filter(Boolean);
      unsubscribe.forEach((id) => this.dropRemote(id));
      // A close that failed does not keep the newcomers' tracks from being pulled.
      if (transceivers.length) await this.connection.closeTransceivers(transceivers).catch((err) => (failure = err));
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
    globalThis.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (at === null) return;
    const generation = this.host.generation;
    this.retryTimer = globalThis.setTimeout(() => {
      this.retryTimer = null;
      if (generation === this.host.generation) this.reconcile();
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
    const generation = this.host.generation;
    let failure = null;
    try {
      for (const part of chunked(ids)) {
        if (generation !== this.host.generation || !this.ready()) break;
        try {
          await this.pullChunk(part);
        } catch (err) {
          failure = failure || err;
          if (isSessionLost(err.status, err.code)) break; // a recovery takes over
        }
      }
    } finally {
      this.host.changed();
    }
    if (failure) throw failure;
  }

  /** One `tracks/new` of at most MAX_TRACKS_PER_REQUEST remote tracks, then its renegotiation. */
  async pullChunk(ids) {
    const connection = this.connection;
    const tracks = ids.map((id) => ({ location: "remote", ...parseTrackId(id) }));
    let answer;
    try {
      answer = await connection.rpc("tracks/new", connection.sessionId, { tracks });
    } catch (err) {
      // Refused as a whole: these tracks back off like a per-track failure,
      // so they are tried again later (a new request), not never.
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
    const pc = connection.pc;
    try {
      await pc.setRemoteDescription(answer.sessionDescription);
      await pc.setLocalDescription(await pc.createAnswer());
      this.keepNegotiatedCodecs(pc, new Set(pulled.map(({ mid }) => mid)));
      await connection.rpc("renegotiate", connection.sessionId, {
        sessionDescription: { type: "answer", sdp: pc.localDescription.sdp },
      });
    } catch (err) {
      // Calls never got our answer: these tracks would not flow. Give them
      // back (closed, backing off) so a later pull asks for them afresh.
      await this.abandonPulls(
        pulled.map(({ id }) => id),
        err,
      );
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
    const pc = this.connection.pc;
    const now = Date.now();
    const mids = new Set(ids.map((id) => this.pulled.get(id)?.mid));
    ids.forEach((id) => {
      this.failedPulls.failed(id, now);
      this.dropRemote(id);
    });
    if (!pc || isSessionLost(err.status, err.code)) return;
    try {
      // Not awaited (see Connection.closeChunk): the operations chain orders it first.
      if (pc.signalingState === "have-remote-offer") pc.setLocalDescription({ type: "rollback" }).catch(() => {});
      const transceivers = pc.getTransceivers().filter((t) => t.mid !== null && mids.has(t.mid));
      if (transceivers.length) await this.connection.closeTransceivers(transceivers);
    } catch (_) {
      /* best effort: the next negotiation starts from whatever is left */
    }
  }

  /**
   * A pulled track that stopped receiving (monitors.js): pull it afresh once
   * (close its transceiver, then reconcile pulls it again). Returns whether
   * it is pulled again (false the second time).
   */
  repull(id) {
    if (this.resubscribed.has(id)) return false;
    this.resubscribed.add(id);
    const mid = this.pulled.get(id)?.mid;
    const transceiver = this.connection.pc?.getTransceivers().find((t) => t.mid === mid);
    this.dropRemote(id);
    this.connection
      .negotiate(async () => {
        if (transceiver) await this.connection.closeTransceivers([transceiver]);
      })
      .catch(() => {})
      .finally(() => this.reconcile());
    return true;
  }

  dropRemote(id) {
    const entry = this.pulled.get(id);
    if (entry) this.midToTrack.delete(entry.mid);
    this.pulled.delete(id);
    this.remote.delete(id);
    this.host.forgetTrack(id);
    this.host.changed();
  }

  /** The connection's `track` event: a pulled track arrived. */
  onTrack(event) {
    const id = this.midToTrack.get(event.transceiver?.mid);
    if (!id) return;
    this.remote.set(id, event.track);
    event.track.addEventListener?.("ended", () => this.host.changed());
    this.host.changed();
  }

  /** The MediaStreamTrack of a pulled track id, or null. */
  trackFor(id) {
    return this.remote.get(id) || null;
  }

  /** Leaving: nothing pulled, nothing wanted any more. */
  stop() {
    this.reset();
  }
}
