// The recovery: watches the connection (ICE disconnected or failed), the
// session (Calls or our server no longer has it) and negotiations whose
// outcome is unknown (the server never answered), and starts over with a new
// session: republish, pull again, announce the new track ids. Paced so a
// server that keeps refusing is never hammered (RecoveryPacer).
import { RecoveryPacer, SessionWatch, disconnectAction } from "./media_logic.js";

export class Recovery {
  /**
   * @param {object} host the engine: `connection`, `status`, `room`,
   *   `changed()`, `emit(kind, detail)` ("connection_lost", "reconnected",
   *   "session_lost"), `restart()` (a new session; throws when it fails).
   */
  constructor(host, { pacer = new RecoveryPacer(), sessionWatch = new SessionWatch() } = {}) {
    this.host = host;
    this.pacer = pacer;
    this.sessionWatch = sessionWatch;
    this.serverSession = null;
    this.timer = null;
    this.recovering = false;
    this.reset();
  }

  /** A new connection: not disconnected, nobody told. */
  reset() {
    this.connection = "new";
    this.disconnectedSince = null;
    this.notified = false;
  }

  // ---- the connection's state -----------------------------------------------------

  /** The connection's state changed (RTCPeerConnection events). */
  onConnectionState(now = Date.now()) {
    if (!this.host.connection.pc) return;
    const state = this.host.connection.state;
    this.connection = state;
    if (state === "disconnected") {
      if (this.disconnectedSince === null) this.disconnectedSince = now;
    } else if (state === "connected" || state === "completed") {
      if (this.notified) this.host.emit("reconnected");
      this.disconnectedSince = null;
      this.notified = false;
    }
    this.checkConnection(now);
    this.host.changed();
  }

  checkConnection(now = Date.now()) {
    if (!this.host.connection.pc || this.host.status !== "ready") return;
    const action = disconnectAction(this.connection, this.disconnectedSince, now);
    if (action === "notify" && !this.notified) {
      this.notified = true;
      this.host.emit("connection_lost");
    } else if (action === "recover") {
      if (!this.notified) this.host.emit("connection_lost");
      this.notified = true;
      this.request("connection_failed");
    }
  }

  /** Once per stats sample (monitors.js): the time-based checks. */
  tick(now = Date.now()) {
    this.checkConnection(now);
    this.checkServerSession(now);
  }

  // ---- the session --------------------------------------------------------------

  /** The server or Calls no longer has our session: recover with a new one. */
  sessionLost(reason) {
    const status = this.host.status;
    if (status !== "ready" && status !== "failed") return;
    this.host.emit("session_lost", { reason });
    this.request(reason);
  }

  /**
   * A request on our session got no answer (the server's worker died, or the
   * budget ran out): Calls may or may not have applied it, so our side of the
   * negotiation is unknown. Not re-sent: a new session is the way back.
   */
  outcomeUnknown(op) {
    this.sessionLost(`no_answer:${op}`);
  }

  /** The session the server records for this tab (its roster entry; null: not in it). */
  setServerSession(sessionId) {
    this.serverSession = sessionId === undefined ? null : sessionId;
    this.checkServerSession();
  }

  checkServerSession(now = Date.now()) {
    if (this.host.status !== "ready") {
      this.sessionWatch.sample("", null, now);
      return;
    }
    if (this.sessionWatch.sample(this.host.connection.sessionId, this.serverSession, now)) {
      this.sessionLost("server_forgot_session");
    }
  }

  // ---- starting over ------------------------------------------------------------

  /** Recover soon: at once after a calm spell, backing off when it repeats. */
  request(reason = "") {
    if (this.timer || this.recovering || this.host.status === "stopped" || !this.host.room) return false;
    this.lastReason = reason;
    this.timer = globalThis.setTimeout(() => {
      this.timer = null;
      this.recover();
    }, this.pacer.next(Date.now()));
    return true;
  }

  /** New session, republish, resubscribe, announce the new track ids. */
  async recover() {
    if (this.host.status === "stopped" || !this.host.room || this.recovering) return;
    this.recovering = true;
    const told = this.notified;
    let ok = false;
    try {
      await this.host.restart();
      ok = this.host.status === "ready";
      if (ok && told) this.host.emit("reconnected");
    } catch (_) {
      ok = false;
    } finally {
      this.recovering = false;
    }
    if (!ok && this.host.status === "failed") this.request("recovery_failed");
  }

  /** Leaving: no recovery any more. */
  stop() {
    globalThis.clearTimeout(this.timer);
    this.timer = null;
    this.reset();
    this.sessionWatch.sample("", null, 0);
  }
}
