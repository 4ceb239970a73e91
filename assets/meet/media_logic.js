// Pure helpers of the media bridge: no DOM, no WebRTC, unit-tested with
// `node --test tests/js` (see tests/unit/test_js_logic.py).

/** Split "<sessionId>/<trackName>"; null when malformed. */
export function parseTrackId(id) {
  if (typeof id !== "string") return null;
  const slash = id.indexOf("/");
  if (slash <= 0 || slash === id.length - 1 || id.indexOf("/", slash + 1) !== -1) return null;
  return { sessionId: id.slice(0, slash), trackName: id.slice(slash + 1) };
}

/** Join a session id and a track name into a track id. */
export function trackIdOf(sessionId, trackName) {
  return `${sessionId}/${trackName}`;
}

/**
 * The most tracks one Calls request may list: the limit our Calls proxy
 * enforces (`core/calls_policy.py` `MAX_TRACKS`; a Python unit test keeps the
 * two equal). Calls itself takes up to 64 per call.
 */
export const MAX_TRACKS_PER_REQUEST = 32;

/**
 * Split a list into consecutive chunks of at most `size` items, in order.
 * @template T
 * @param {Iterable<T>} items
 * @param {number} size a positive integer
 * @returns {T[][]} no empty chunk; `[]` for no items
 */
export function chunked(items, size = MAX_TRACKS_PER_REQUEST) {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a positive integer, not ${size}`);
  const list = [...items];
  const chunks = [];
  for (let start = 0; start < list.length; start += size) chunks.push(list.slice(start, start + size));
  return chunks;
}

/**
 * Read the answer to one pull (`tracks/new` with remote tracks): which of the
 * requested ids got a mid, and which failed. A track with an error, without a
 * mid, or missing from the answer failed; an answered track nobody asked for
 * is ignored.
 * @param {string[]} ids the track ids the request asked for
 * @param {Array<{sessionId?: string, trackName?: string, mid?: string, errorCode?: string}>} answered
 * @returns {{pulled: Array<{id: string, mid: string}>, failed: string[]}}
 */
export function readPullAnswer(ids, answered) {
  const asked = new Set(ids);
  const mids = new Map();
  for (const track of Array.isArray(answered) ? answered : []) {
    if (!track || typeof track !== "object") continue;
    const id = trackIdOf(track.sessionId, track.trackName);
    if (!asked.has(id) || mids.has(id)) continue;
    mids.set(id, !track.errorCode && typeof track.mid === "string" && track.mid ? track.mid : null);
  }
  const pulled = [];
  const failed = [];
  for (const id of asked) {
    const mid = mids.get(id);
    if (mid) pulled.push({ id, mid });
    else failed.push(id);
  }
  return { pulled, failed };
}

/**
 * The codec preferences that keep a pulled transceiver to what it was
 * negotiated with: the receiver's capabilities whose MIME type the
 * negotiation chose. Chrome otherwise lists every codec it has in each
 * m-line of its later offers (about 5 KB per video m-line instead of 1 KB),
 * and a tab pulling 50 tracks sends every such offer whole. Empty (change
 * nothing) unless a media codec (not only rtx/red/fec) was negotiated.
 * @param {Array<{mimeType: string}>} capabilities RTCRtpReceiver.getCapabilities(kind).codecs
 * @param {Array<{mimeType: string}>} negotiated receiver.getParameters().codecs
 */
export function negotiatedCodecs(capabilities, negotiated) {
  const chosen = new Set((negotiated || []).map((c) => String(c?.mimeType || "").toLowerCase()));
  const helpers = /\/(rtx|red|ulpfec|flexfec-03)$/;
  if (![...chosen].some((mime) => mime && !helpers.test(mime))) return [];
  return (capabilities || []).filter((c) => chosen.has(String(c?.mimeType || "").toLowerCase()));
}

/**
 * Failed pulls per track id, with backoff: after the n-th failure a track is
 * pulled again only `firstMs * 2^(n-1)` later (2, 4, 8, 16 s), and after
 * `maxAttempts` failures not at all until its publisher announces another
 * track id (a new id is a new key). Tracks nobody wants any more are forgotten.
 */
export class PullFailures {
  constructor({ firstMs = 2000, maxAttempts = 5 } = {}) {
    this.firstMs = firstMs;
    this.maxAttempts = maxAttempts;
    this.entries = new Map(); // id -> { attempts, at }
  }

  get size() {
    return this.entries.size;
  }

  /** Record a failed pull of `id` at `now`. */
  failed(id, now) {
    const attempts = (this.entries.get(id)?.attempts || 0) + 1;
    this.entries.set(id, { attempts, at: now });
  }

  /** Record a successful pull: the track starts afresh. */
  succeeded(id) {
    this.entries.delete(id);
  }

  /** Forget every track not in `wanted` (announced ids that are gone). */
  keepOnly(wanted) {
    for (const id of [...this.entries.keys()]) if (!wanted.has(id)) this.entries.delete(id);
  }

  /** When `id` may be pulled: 0 if never failed, a time in ms, or null (given up). */
  readyAt(id) {
    const entry = this.entries.get(id);
    if (!entry) return 0;
    if (entry.attempts >= this.maxAttempts) return null;
    return entry.at + this.firstMs * 2 ** (entry.attempts - 1);
  }
}

/**
 * What to subscribe and unsubscribe so the pulled tracks match the wanted ones.
 * @param {Iterable<string>} pulled track ids pulled now (or being pulled)
 * @param {Iterable<string>} wanted track ids that should be pulled
 * @param {PullFailures} failures failed pulls (backoff, give-up)
 * @param {number} now current time in ms
 * @returns {{subscribe: string[], unsubscribe: string[], retryAt: number|null}}
 *   `retryAt`: the earliest time a failed wanted track may be pulled again.
 */
export function diffPulls(pulled, wanted, failures = new PullFailures(), now = 0) {
  const have = new Set(pulled);
  const want = new Set([...wanted].filter((id) => parseTrackId(id)));
  failures.keepOnly(want);
  let retryAt = null;
  const subscribe = [...want].filter((id) => {
    if (have.has(id)) return false;
    const ready = failures.readyAt(id);
    if (ready === null) return false;
    if (now >= ready) return true;
    retryAt = retryAt === null ? ready : Math.min(retryAt, ready);
    return false;
  });
  const unsubscribe = [...have].filter((id) => !want.has(id));
  return { subscribe, unsubscribe, retryAt };
}

/**
 * How long the browser waits for the server's answer to one Calls request.
 * The server (calls/client.py `CallsClient`) is the only retry layer: it
 * makes at most 4 attempts of at most CALLS_TIMEOUT_S (10 s) each, waiting at
 * most 10 s between two (a backoff, or Calls' Retry-After capped at 10 s), and
 * `state/media.py` holds every forward to that worst case: 4 x 10 + 3 x 10 =
 * 70 s. The page waits that plus REPLY_MARGIN_MS for the trip through Reflex.
 * The server passes its own budget to the page (MediaBridge `replyTimeoutMs`,
 * from `state.media.reply_budget_ms()`); this default is used without one and
 * tests/unit/test_bridge_budget.py keeps it equal to the server's default.
 */
export const REPLY_MARGIN_MS = 5000;
export const DEFAULT_REPLY_TIMEOUT_MS = 75000;

/**
 * The server's worst case for one Calls request, in ms: every attempt timing
 * out and the longest wait between two.
 * @param {{timeoutS: number, attempts: number, backoffMaxS: number}} policy
 */
export function serverWorstCaseMs({ timeoutS, attempts, backoffMaxS }) {
  for (const [name, value] of Object.entries({ timeoutS, attempts, backoffMaxS })) {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a number >= 0, not ${value}`);
  }
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError(`attempts must be a positive integer, not ${attempts}`);
  return Math.round((attempts * timeoutS + (attempts - 1) * backoffMaxS) * 1000);
}

/**
 * Replies that leave the outcome unknown: the server never answered (its
 * worker died with the socket: `bridge_lost`; the page's budget ran out:
 * `bridge_timeout`) or Calls did not answer the server in time
 * (`calls_timeout`: the server does not repeat a request that may have been
 * applied). Calls may or may not have applied it, so the negotiation state
 * is unknown: never re-sent, the recovery starts over with a new session.
 */
export function isOutcomeUnknown(code) {
  return code === "bridge_timeout" || code === "bridge_lost" || code === "calls_timeout";
}

/**
 * How long to wait before sending a request our proxy refused for its rate
 * limit, or null for any other reply. Only the proxy's own refusal
 * (`rate_limited`, nothing was forwarded to Calls) is waited here; a 429 of
 * Calls itself is waited by the server's CallsClient and reaches the page
 * only once the server gave up (another code, not re-sent). Honours the
 * proxy's `retryAfter` (seconds,
 * clamped to 0.2-60 s; doubling from 1 s when missing) plus up to 25 % jitter
 * so tabs limited together do not come back together.
 * @param {{status?: number, error?: {code?: string, retryAfter?: number}}} reply
 * @param {number} attempt how many times this request was rate-limited before
 * @param {number} random a number in [0, 1) (Math.random())
 */
export function rateLimitDelay(reply, attempt = 0, random = 0) {
  const error = reply && reply.error;
  if (!error || error.code !== "rate_limited") return null;
  const after = Number(error.retryAfter);
  const seconds = Number.isFinite(after) && after > 0 ? after : 2 ** Math.min(attempt, 5);
  const base = Math.min(60000, Math.max(200, seconds * 1000));
  return Math.round(base * (1 + 0.25 * Math.min(Math.max(random, 0), 1)));
}

/** Refusals that mean the server or Calls no longer has this tab's session. */
const SESSION_LOST = new Set(["no_session", "not_your_session", "session_gone", "session_closed"]);

/**
 * Whether a failed Calls request means the session it used is gone (the app
 * server restarted and forgot it, the tab was swept out, Calls closed it):
 * the only way back is a new session.
 */
export function isSessionLost(status, code) {
  return status === 410 || SESSION_LOST.has(code);
}

/**
 * Paces recoveries (new session, republish): the first after a calm spell at
 * once, the following ones `baseMs` doubling up to `maxMs` apart, so a server
 * that keeps refusing is never hammered. Calm again after `calmMs` without one.
 */
export class RecoveryPacer {
  constructor({ baseMs = 1000, maxMs = 30000, calmMs = 30000 } = {}) {
    this.baseMs = baseMs;
    this.maxMs = maxMs;
    this.calmMs = calmMs;
    this.attempt = 0;
    this.last = null;
  }

  /** The wait (ms) before the recovery asked for at `now`; counts it. */
  next(now) {
    if (this.last !== null && now - this.last > this.calmMs) this.attempt = 0;
    const delay = this.attempt === 0 ? 0 : Math.min(this.maxMs, this.baseMs * 2 ** (this.attempt - 1));
    this.attempt += 1;
    this.last = now + delay;
    return delay;
  }
}

/**
 * Notices that the server no longer records this tab's Calls session (its
 * roster entry shows another session or none, e.g. after an app restart):
 * `sample()` returns true once the mismatch has lasted `graceMs` (the roster
 * update may trail the session's creation a little), then not again until the
 * two agree once more.
 */
export class SessionWatch {
  constructor({ graceMs = 2000 } = {}) {
    this.graceMs = graceMs;
    this.since = null;
    this.reported = false;
  }

  /**
   * @param {string} engineSession the session the engine uses ("" when none)
   * @param {string|null|undefined} serverSession the roster's (null: unknown)
   * @param {number} now current time in ms
   */
  sample(engineSession, serverSession, now) {
    if (!engineSession || serverSession === null || serverSession === undefined || serverSession === engineSession) {
      this.since = null;
      this.reported = false;
      return false;
    }
    if (this.since === null) this.since = now;
    if (this.reported || now - this.since < this.graceMs) return false;
    this.reported = true;
    return true;
  }
}

/** Connection quality from a packet-loss ratio (0..1), as Orange Meets grades it. */
export function connectionQuality(lossRatio) {
  if (!(lossRatio > 0.01)) return "good";
  if (lossRatio > 0.05) return "bad";
  if (lossRatio > 0.03) return "poor";
  return "fair";
}

/**
 * Sustained packet loss: `sample()` takes cumulative counters and returns
 * "unstable" once loss stayed above the threshold for `sustainMs`, "stable"
 * when it recovers, and null when nothing changed.
 */
export class LossMonitor {
  constructor({ threshold = 0.05, sustainMs = 5000 } = {}) {
    this.threshold = threshold;
    this.sustainMs = sustainMs;
    this.last = null;
    this.badSince = null;
    this.unstable = false;
  }

  sample(lost, received, now) {
    const previous = this.last;
    this.last = { lost, received };
    if (!previous) return null;
    const dLost = Math.max(0, lost - previous.lost);
    const dReceived = Math.max(0, received - previous.received);
    const total = dLost + dReceived;
    if (total === 0) return null;
    const ratio = dLost / total;
    if (ratio > this.threshold) {
      if (this.badSince === null) this.badSince = now;
      if (!this.unstable && now - this.badSince >= this.sustainMs) {
        this.unstable = true;
        return "unstable";
      }
      return null;
    }
    this.badSince = null;
    if (this.unstable) {
      this.unstable = false;
      return "stable";
    }
    return null;
  }
}

/** Speaking detection from audio levels (0..1) with a hang-over against flicker. */
export class SpeakingDetector {
  constructor({ threshold = 0.04, hangMs = 800 } = {}) {
    this.threshold = threshold;
    this.hangMs = hangMs;
    this.lastLoud = -Infinity;
  }

  update(level, now) {
    if (level >= this.threshold) this.lastLoud = now;
    return now - this.lastLoud <= this.hangMs;
  }
}

/**
 * What to do about a connection that is not connected.
 * @returns {"none"|"notify"|"recover"}
 */
export function disconnectAction(state, since, now, { notifyMs = 2000, recoverMs = 7000 } = {}) {
  if (state === "failed" || state === "closed") return "recover";
  if (state !== "disconnected" || since === null) return "none";
  if (now - since > recoverMs) return "recover";
  if (now - since >= notifyMs) return "notify";
  return "none";
}

/** A device error in a few words: the code the UI has a sentence for. */
export function classifyMediaError(err) {
  const name = (err && err.name) || "";
  if (name === "NotAllowedError" || name === "SecurityError") return "permission_denied";
  if (name === "NotFoundError" || name === "OverconstrainedError") return "no_device";
  if (name === "NotReadableError" || name === "AbortError") return "device_busy";
  if (name === "TypeError" || name === "unsupported") return "unsupported";
  return "unknown";
}

/**
 * Pick the device to use: the remembered one if it is still plugged in,
 * otherwise the system default (empty id).
 */
export function chooseDevice(devices, kind, preferredId) {
  const ofKind = devices.filter((d) => d.kind === kind);
  if (preferredId && ofKind.some((d) => d.deviceId === preferredId)) return preferredId;
  return "";
}

/** Shorten SDP bodies for the request history (bug reports carry it). */
export function shortenForHistory(value, maxSdp = 200) {
  if (Array.isArray(value)) return value.map((v) => shortenForHistory(v, maxSdp));
  if (!value || typeof value !== "object") return value;
  const out = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key === "sdp" && typeof inner === "string" && inner.length > maxSdp) {
      out[key] = `${inner.slice(0, maxSdp)}… (${inner.length} chars)`;
    } else {
      out[key] = shortenForHistory(inner, maxSdp);
    }
  }
  return out;
}

/**
 * Listeners per event name: `on(name, fn)` returns the unsubscribe; every
 * listener of an event is called with its detail (a listener of "*" with the
 * detail and the event's name). A listener that throws does not stop the
 * others.
 */
export class Emitter {
  constructor() {
    this.listeners = new Map(); // name -> Set<fn>
  }

  on(name, fn) {
    if (typeof name !== "string" || !name) throw new TypeError("an event name is a non-empty string");
    if (typeof fn !== "function") throw new TypeError(`a listener of "${name}" must be a function`);
    if (!this.listeners.has(name)) this.listeners.set(name, new Set());
    // Wrapped: the same function subscribed twice is two subscriptions.
    const entry = (detail, kind) => fn(detail, kind);
    this.listeners.get(name).add(entry);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      this.listeners.get(name)?.delete(entry);
    };
  }

  count(name) {
    return this.listeners.get(name)?.size || 0;
  }

  emit(name, detail = {}) {
    for (const key of [name, "*"]) {
      for (const listener of [...(this.listeners.get(key) || [])]) {
        try {
          listener(detail, name);
        } catch (err) {
          globalThis.console?.error?.(`a listener of "${name}" failed`, err);
        }
      }
    }
  }
}

/** A serial queue: every task starts after the previous one settled. */
export class SerialQueue {
  constructor() {
    this.tail = Promise.resolve();
    this.pending = 0;
  }

  run(task) {
    this.pending += 1;
    const result = this.tail.then(task);
    this.tail = result.then(
      () => {
        this.pending -= 1;
      },
      () => {
        this.pending -= 1;
      },
    );
    return result;
  }
}

/**
 * Dead pulled tracks: `sample()` takes a track's cumulative bytesReceived and
 * returns true once, when the count has not moved for `deadMs`.
 */
export class DeadTrackMonitor {
  constructor({ deadMs = 10000 } = {}) {
    this.deadMs = deadMs;
    this.tracks = new Map(); // id -> { bytes, since, reported }
  }

  sample(id, bytes, now) {
    const entry = this.tracks.get(id);
    if (!entry || bytes !== entry.bytes) {
      this.tracks.set(id, { bytes, since: now, reported: false });
      return false;
    }
    if (!entry.reported && now - entry.since >= this.deadMs) {
      entry.reported = true;
      return true;
    }
    return false;
  }

  forget(id) {
    this.tracks.delete(id);
  }
}

/**
 * The ICE servers the server handed out with a new session, safe for
 * `new RTCPeerConnection({iceServers})`; anything malformed is dropped.
 * @param {object} reply The server's reply to `sessions/new`.
 * @returns {Array<{urls: string[], username?: string, credential?: string}>}
 */
export function iceServersFrom(reply) {
  const servers = reply && Array.isArray(reply.iceServers) ? reply.iceServers : [];
  const usable = [];
  for (const server of servers) {
    if (!server || typeof server !== "object") continue;
    const urls = (typeof server.urls === "string" ? [server.urls] : server.urls) || [];
    if (!Array.isArray(urls)) continue;
    const good = urls.filter((url) => typeof url === "string" && /^(stuns?|turns?):\S+$/.test(url));
    if (!good.length) continue;
    const entry = { urls: good };
    if (typeof server.username === "string") entry.username = server.username;
    if (typeof server.credential === "string") entry.credential = server.credential;
    if (good.some((url) => url.startsWith("turn")) && !(entry.username && entry.credential)) continue;
    usable.push(entry);
  }
  return usable;
}
