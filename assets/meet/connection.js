// The connection: the tab's one RTCPeerConnection, its negotiations one at a
// time, and the Calls RPC through our server (each request is a Reflex event;
// the server checks it, adds the secret, calls Calls and hands the answer back
// through `resolve`).
//
// One retry layer: the server's CallsClient retries transient Calls failures.
// The page sends each request once and waits the server's whole budget
// (`replyTimeoutMs`); only a refusal by our proxy's rate limit (nothing was
// forwarded) is sent again after its `retryAfter`. A reply that never comes
// (`bridge_lost`, `bridge_timeout`) leaves the outcome unknown: it is not
// re-sent, the recovery starts over (see recovery.js).
import {
  DEFAULT_REPLY_TIMEOUT_MS,
  SerialQueue,
  chunked,
  iceServersFrom,
  isOutcomeUnknown,
  isSessionLost,
  rateLimitDelay,
  shortenForHistory,
} from "./media_logic.js";

const HISTORY = 100;
// A request sent on a socket that dropped and is still unanswered this long
// after the socket is back is given up (its worker may have died with it).
const LOST_AFTER_RECONNECT_MS = 4000;
const LOST_REPLY = {
  status: 0,
  error: { code: "bridge_lost", description: "The connection to the server dropped before it answered." },
};
// A request our proxy refused for its rate limit is sent again at most this often.
export const RATE_LIMIT_WAITS = 8;

export class CallsRequestError extends Error {
  constructor(problem, status) {
    super(`${problem.code}: ${problem.description}`);
    this.code = problem.code;
    this.description = problem.description;
    this.status = status || 0;
  }
}

const wait = (ms) => new Promise((resolve) => globalThis.setTimeout(resolve, ms));

export class Connection {
  /**
   * @param {object} [options]
   * @param {(kind: string, detail: object) => void} [options.emit] public events ("rate_limited")
   * @param {(reason: string) => void} [options.onSessionLost] a refusal says our session is gone
   * @param {(op: string) => void} [options.onOutcomeUnknown] a request on our session got no answer
   * @param {(config: object) => RTCPeerConnection} [options.createPeerConnection]
   * @param {number} [options.replyTimeoutMs] how long one request's answer is waited for
   */
  constructor({
    emit = () => {},
    onSessionLost = () => {},
    onOutcomeUnknown = () => {},
    createPeerConnection = (config) => new globalThis.RTCPeerConnection(config),
    replyTimeoutMs = DEFAULT_REPLY_TIMEOUT_MS,
  } = {}) {
    this.emit = emit;
    this.onSessionLost = onSessionLost;
    this.onOutcomeUnknown = onOutcomeUnknown;
    this.createPeerConnection = createPeerConnection;
    this.replyTimeoutMs = replyTimeoutMs;
    this.transport = null;
    this.pendingSends = [];
    this.replies = new Map();
    this.sentBeforeDrop = new Set();
    this.socketDrops = 0;
    this.lostAfterReconnectMs = LOST_AFTER_RECONNECT_MS;
    this.requestSeq = 0;
    this.history = [];
    this.queue = new SerialQueue();
    this.iceServers = [];
    this.pc = null;
    this.sessionId = "";
  }

  // ---- the Calls RPC over the Reflex transport ----------------------------------

  /** Where requests go (a Reflex event); requests made before it are queued. */
  setTransport(send) {
    this.transport = send || null;
    if (send) this.pendingSends.splice(0).forEach((request) => send(request));
  }

  /** The server's reply budget (ms); a bad value is refused. */
  setReplyTimeout(ms) {
    if (ms === undefined || ms === null) return;
    if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`replyTimeoutMs must be a positive number, not ${ms}`);
    this.replyTimeoutMs = ms;
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
   * (`bridge_lost`), instead of holding up the tab's negotiations for the
   * whole reply budget.
   */
  socketConnected() {
    const suspects = [...this.sentBeforeDrop];
    this.sentBeforeDrop.clear();
    if (!suspects.length) return;
    globalThis.setTimeout(() => {
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

  /** Send one request and wait for its reply (`bridge_timeout` after the budget). */
  sendOnce(op, sessionId, body) {
    const id = `r${++this.requestSeq}`;
    const request = { id, op, sessionId: sessionId || null, body: body || null };
    this.record({ direction: "request", id, op, sessionId, body });
    return new Promise((resolve) => {
      const timer = globalThis.setTimeout(() => {
        this.replies.delete(id);
        this.sentBeforeDrop.delete(id);
        resolve({ status: 0, error: { code: "bridge_timeout", description: "The server did not answer in time." } });
      }, this.replyTimeoutMs);
      this.replies.set(id, (reply) => {
        globalThis.clearTimeout(timer);
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
   * One Calls request: sent once (the server retries Calls), sent again only
   * after our proxy's rate limit (at most `rateLimitWaits` times). Resolves
   * with the answer's body; throws a CallsRequestError otherwise, after
   * telling the recovery when our own session is gone or the outcome is
   * unknown.
   */
  async rpc(op, sessionId, body, { rateLimitWaits = RATE_LIMIT_WAITS } = {}) {
    for (let limited = 0; ; limited += 1) {
      const reply = await this.sendOnce(op, sessionId, body);
      if (!reply.error) {
        if (op === "sessions/new") this.iceServers = iceServersFrom(reply);
        return reply.body || {};
      }
      const pause = rateLimitDelay(reply, limited, Math.random());
      if (pause !== null && limited < rateLimitWaits) {
        this.emit("rate_limited", { op, waitMs: pause });
        await wait(pause);
        continue;
      }
      const code = reply.error.code;
      if (sessionId && sessionId === this.sessionId) {
        if (isSessionLost(reply.status, code)) this.onSessionLost(code || String(reply.status));
        else if (isOutcomeUnknown(code)) this.onOutcomeUnknown(op);
      }
      throw new CallsRequestError(reply.error, reply.status);
    }
  }

  // ---- the peer connection ------------------------------------------------------

  /**
   * A new Calls session and its RTCPeerConnection. `handlers.track(event)`
   * and `handlers.state()` follow the connection. Returns null when
   * `stillWanted()` turned false while the session was being created.
   */
  async open(handlers, stillWanted = () => true) {
    const { sessionId } = await this.rpc("sessions/new", null, null);
    if (!stillWanted()) return null;
    const pc = this.createPeerConnection({ bundlePolicy: "max-bundle", iceServers: this.iceServers || [] });
    this.sessionId = sessionId;
    this.pc = pc;
    pc.ontrack = (event) => handlers.track?.(event);
    pc.onconnectionstatechange = () => handlers.state?.();
    pc.oniceconnectionstatechange = () => handlers.state?.();
    return pc;
  }

  /** Run one negotiation after the previous one settled (one at a time per tab). */
  negotiate(task) {
    return this.queue.run(task);
  }

  /**
   * Stop transceivers and close their tracks on Calls, in requests of at most
   * MAX_TRACKS_PER_REQUEST mids, one after another, each with its own offer
   * (only that chunk's transceivers stopped in it). A failed chunk does not
   * keep the others from closing; the first failure is thrown at the end.
   * A step of a negotiation: call it inside `negotiate`.
   */
  async closeTransceivers(transceivers) {
    const pc = this.pc;
    const unnamed = transceivers.filter((t) => t.mid === null);
    unnamed.forEach((t) => t.stop());
    let failure = null;
    for (const part of chunked(transceivers.filter((t) => t.mid !== null))) {
      if (!pc || pc !== this.pc) break; // recovered meanwhile: the old connection is gone
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
      answer = await this.rpc("tracks/close", this.sessionId, {
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

  /** "failed", or the ICE connection state ("new" without a connection). */
  get state() {
    const pc = this.pc;
    if (!pc) return "new";
    return pc.connectionState === "failed" ? "failed" : pc.iceConnectionState;
  }

  /** Close the connection (Calls sees its tracks go) and forget the session. */
  close() {
    const pc = this.pc;
    this.pc = null;
    this.sessionId = "";
    if (pc) {
      pc.ontrack = pc.onconnectionstatechange = pc.oniceconnectionstatechange = null;
      pc.close();
    }
  }
}
