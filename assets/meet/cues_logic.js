// Pure logic of the meeting's cues: which sounds a roster change calls for,
// and when to hint "Are you talking? You are muted". No DOM, no audio: unit
// tests in tests/js/cues_logic.test.mjs.

/** localStorage key of the sounds switch ("off" silences them). */
export const SOUNDS_KEY = "meet.sounds";

/**
 * The sounds a change of the meeting's people calls for.
 * @param {Array<{id: string, name?: string, raised_hand?: boolean}>|null} before
 *   The people in the meeting before (null: nothing known yet, no sounds).
 * @param {Array<{id: string, name?: string, raised_hand?: boolean}>} after
 *   The people in the meeting now.
 * @param {string} selfId This tab's participant id (its own changes are silent).
 * @returns {Array<{kind: "join"|"leave"|"hand", id: string, name: string}>}
 */
export function roomCues(before, after, selfId) {
  if (!Array.isArray(before) || !Array.isArray(after)) return [];
  const was = new Map(before.map((p) => [p.id, p]));
  const now = new Map(after.map((p) => [p.id, p]));
  const cues = [];
  for (const [id, person] of now) {
    if (id === selfId) continue;
    const previous = was.get(id);
    if (!previous) cues.push({ kind: "join", id, name: person.name || "" });
    else if (person.raised_hand && !previous.raised_hand) cues.push({ kind: "hand", id, name: person.name || "" });
  }
  for (const [id, person] of was) {
    if (id !== selfId && !now.has(id)) cues.push({ kind: "leave", id, name: person.name || "" });
  }
  return cues;
}

/**
 * Whether sounds are on, from the remembered switch (on unless turned off).
 * @param {{getItem(key: string): string|null}|null|undefined} storage
 * @returns {boolean}
 */
export function soundsOn(storage) {
  try {
    return !storage || storage.getItem(SOUNDS_KEY) !== "off";
  } catch {
    return true; // storage blocked: the default
  }
}

/**
 * Notices speech on a muted microphone. Feed it the microphone's level
 * (0..1, about every 100 ms); it answers whether the hint should show.
 *
 * The hint shows after `speakMs` of mostly loud input (gaps shorter than
 * `gapMs` do not count as a pause), hides after `quietMs` of quiet or at once
 * on unmute, and does not come back for `cooldownMs` after hiding.
 */
export class MutedSpeech {
  constructor({ threshold = 0.1, speakMs = 600, gapMs = 400, quietMs = 3000, cooldownMs = 10000 } = {}) {
    Object.assign(this, { threshold, speakMs, gapMs, quietMs, cooldownMs });
    this.reset();
    this.hiddenAt = -Infinity;
  }

  reset() {
    this.loudSince = null;
    this.lastLoud = -Infinity;
    this.showing = false;
  }

  /**
   * @param {number} level The microphone's level, 0..1.
   * @param {number} now Milliseconds (any monotonic clock).
   * @param {boolean} muted Whether the microphone is muted now.
   * @returns {boolean} Whether to show the hint.
   */
  update(level, now, muted) {
    if (!muted) {
      if (this.showing) this.hiddenAt = now;
      this.reset();
      return false;
    }
    if (level >= this.threshold) {
      if (this.loudSince === null || now - this.lastLoud > this.gapMs) this.loudSince = now;
      this.lastLoud = now;
    }
    if (this.showing) {
      if (now - this.lastLoud > this.quietMs) {
        this.showing = false;
        this.hiddenAt = now;
        this.loudSince = null;
      }
      return this.showing;
    }
    const speaking = level >= this.threshold && now - this.loudSince >= this.speakMs;
    if (speaking && now - this.hiddenAt >= this.cooldownMs) this.showing = true;
    return this.showing;
  }
}

/**
 * The notes of each sound: [frequency Hz, start s, length s].
 * Rising for a join, falling for a leave, one bright ping for a hand.
 */
export const CUE_NOTES = {
  join: [
    [660, 0, 0.12],
    [880, 0.1, 0.16],
  ],
  leave: [
    [880, 0, 0.12],
    [587, 0.1, 0.18],
  ],
  hand: [[1175, 0, 0.22]],
};

/** More people than this already in the meeting: a newcomer joins muted (core/roster.py). */
export const AUTO_MUTE_ABOVE = 5;

/**
 * Whether a view change is this tab joining a crowd and being muted by the
 * server (the microphone was on in the lobby, it is off in the meeting).
 * @param {{in_meeting: boolean, me: object|null}|null} before The previous view.
 * @param {{in_meeting: boolean, mic_on: boolean, people_count: number}} after The new view.
 * @returns {boolean}
 */
export function joinedMuted(before, after) {
  const lobbyMicOn = !!(before && !before.in_meeting && before.me && before.me.tracks && before.me.tracks.audioEnabled);
  return lobbyMicOn && after.in_meeting && !after.mic_on && after.people_count - 1 > AUTO_MUTE_ABOVE;
}
