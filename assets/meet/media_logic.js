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
 * What to subscribe and unsubscribe so the pulled tracks match the wanted ones.
 * @param {Iterable<string>} pulled track ids pulled now (or being pulled)
 * @param {Iterable<string>} wanted track ids that should be pulled
 * @param {Map<string, number>} failedAt track id -> time of its last failed pull
 * @param {number} now current time in ms
 * @param {number} retryMs wait before pulling a failed track again
 */
export function diffPulls(pulled, wanted, failedAt = new Map(), now = 0, retryMs = 2000) {
  const have = new Set(pulled);
  const want = new Set([...wanted].filter((id) => parseTrackId(id)));
  const subscribe = [...want].filter((id) => {
    if (have.has(id)) return false;
    const failed = failedAt.get(id);
    return failed === undefined || now - failed >= retryMs;
  });
  const unsubscribe = [...have].filter((id) => !want.has(id));
  return { subscribe, unsubscribe };
}

/** Delays (ms) for retrying a Calls request: 250 ms doubling up to 10 s. */
export function backoffDelay(attempt, initialMs = 250, maxMs = 10000) {
  return Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt));
}

/** Calls error codes (and HTTP statuses) worth retrying. */
export function isRetryable(status, code) {
  if (status === 425 || status === 429 || (status >= 500 && status < 600)) return true;
  return [
    "retryable_transient_error",
    "temporarily_unavailable_error",
    "transport_unavailable_error",
    "bridge_timeout",
  ].includes(code);
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
