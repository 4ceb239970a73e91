// The tab's roster store: follows the server's snapshot and numbered changes,
// and computes this tab's view of the room (roster_logic.js). Components read
// the view with `useMeetView()`; `RosterSync` (invisible) feeds the store.
// Local choices (pin, stage page, narrow screen) and the active speaker never
// leave the browser.
import { useEffect, useRef, useSyncExternalStore } from "react";
import { mediaEngine } from "./media_engine.js";
import { SOUNDS_KEY, joinedMuted, soundsOn } from "./cues_logic.js";
import { Roster, buildView, sameList, togglePin as nextPin } from "./roster_logic.js";

const NARROW_QUERY = "(max-width: 640px)";

class RosterStore {
  constructor() {
    this.reset("");
    this.listeners = new Set();
  }

  reset(room) {
    this.room = room;
    this.autoMutedAt = 0;
    this.roster = new Roster();
    // The devices are this tab's, whatever the room.
    const devices = this.local?.devices || { audio: "", video: "" };
    this.local = { selfId: "", own: null, pinned: "", dismissed: [], page: 1, narrow: false, spokeAt: {}, audioOnly: rememberedAudioOnly(), soundsOn: rememberedSounds(), devices };
    this.view = buildView([], this.local);
  }

  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  recompute() {
    const before = this.view;
    const view = buildView(this.roster.users(), this.local);
    // Keep the pull lists' identity when unchanged: the media bridge's effects
    // then do not run again for an unrelated change.
    if (sameList(view.pull_audio, before.pull_audio)) view.pull_audio = before.pull_audio;
    if (sameList(view.pull_video, before.pull_video)) view.pull_video = before.pull_video;
    // Joined a crowd and the server muted us: remembered for AutoMuteNotice
    // (the lobby and the meeting are different pages; this store is not).
    if (joinedMuted(before, view)) this.autoMutedAt = Date.now();
    view.auto_muted_at = this.autoMutedAt || 0;
    this.view = view;
    for (const listener of [...this.listeners]) listener();
  }

  setLocal(changes) {
    this.local = { ...this.local, ...changes };
    this.recompute();
  }
}

const AUDIO_ONLY_KEY = "meet.audio-only";

function rememberedAudioOnly() {
  try {
    return typeof window !== "undefined" && window.localStorage.getItem(AUDIO_ONLY_KEY) === "on";
  } catch {
    return false;
  }
}

function rememberedSounds() {
  return typeof window === "undefined" || soundsOn(window.localStorage);
}

function remember(key, on) {
  try {
    window.localStorage.setItem(key, on ? "on" : "off");
  } catch {
    // storage blocked: the choice lasts for this page
  }
}

function store() {
  if (typeof window === "undefined") return null;
  if (!window.meetRoster) window.meetRoster = new RosterStore();
  return window.meetRoster;
}

const EMPTY_VIEW = buildView([], { selfId: "" });

/** This tab's view of the room (re-renders when it changes). */
export function useMeetView() {
  const s = store();
  return useSyncExternalStore(
    (fn) => (s ? s.subscribe(fn) : () => {}),
    () => (s ? s.view : EMPTY_VIEW),
    () => EMPTY_VIEW,
  );
}

/** Pin or unpin a tile on this tab's stage. */
export function togglePin(key) {
  const s = store();
  if (!s || typeof key !== "string") return;
  const current = s.view.pinned_key || null;
  const { pinned, dismissed } = nextPin(key, { current, dismissed: s.local.dismissed });
  s.setLocal({ pinned, dismissed, page: 1 });
}

/** Audio-only on or off: no video is pulled while on (remembered). */
export function toggleAudioOnly() {
  const s = store();
  if (!s) return;
  const audioOnly = !s.local.audioOnly;
  remember(AUDIO_ONLY_KEY, audioOnly);
  s.setLocal({ audioOnly });
}

/** Join/leave/raised-hand sounds on or off (remembered). */
export function toggleSounds() {
  const s = store();
  if (!s) return;
  const on = !s.local.soundsOn;
  remember(SOUNDS_KEY, on);
  s.setLocal({ soundsOn: on });
}

/** Show or hide the connection details (debug overlay) on this tab. */
export function toggleDebug() {
  const s = store();
  if (s) s.setLocal({ debugOpen: !s.local.debugOpen });
}

/** Show another page of the stage (1-based; clamped to the pages there are). */
export function showPage(page) {
  const s = store();
  if (!s || typeof page !== "number") return;
  s.setLocal({ page: Math.min(Math.max(1, page), s.view.pages) });
}

/** Feeds the store: snapshot and change log from the server, local facts. */
export function RosterSync({ room, selfId, snapshot, log, own, onResync }) {
  const asked = useRef(0);
  const latest = useRef(onResync);
  latest.current = onResync;
  const s = store();

  const resync = () => {
    // At most one request a second: the answer is a snapshot.
    const now = Date.now();
    if (now - asked.current < 1000) return;
    asked.current = now;
    latest.current?.();
  };

  useEffect(() => {
    if (!s) return;
    if (s.room !== (room || "")) s.reset(room || "");
    s.setLocal({ selfId: selfId || "" });
  }, [room, selfId]);

  useEffect(() => {
    if (!s || !s.roster.applySnapshot(snapshot)) return;
    if (snapshot.own) s.local = { ...s.local, own: snapshot.own };
    s.recompute();
  }, [snapshot]);

  useEffect(() => {
    if (s && own && own.id) s.setLocal({ own });
  }, [own]);

  useEffect(() => {
    if (!s) return;
    const { changed, gap } = s.roster.applyLog(log);
    if (changed) s.recompute();
    if (gap) resync();
  }, [log]);

  useEffect(() => {
    if (!s) return undefined;
    const query = window.matchMedia(NARROW_QUERY);
    const report = () => {
      if (s.local.narrow !== query.matches) s.setLocal({ narrow: query.matches });
    };
    report();
    query.addEventListener("change", report);
    return () => query.removeEventListener("change", report);
  }, []);

  useEffect(() => {
    // The active speaker (from this tab's audio levels) counts as the most
    // recently active: it is brought onto a full stage.
    const engine = mediaEngine();
    if (!s || !engine) return undefined;
    let speaking = new Set();
    const devicesOf = () => ({ audio: engine.problems?.audio || "", video: engine.problems?.video || "" });
    s.setLocal({ devices: devicesOf() });
    return engine.subscribe(() => {
      // A microphone or camera that could not be opened: its button is off.
      const devices = devicesOf();
      const before = s.local.devices || {};
      if (devices.audio !== before.audio || devices.video !== before.video) s.setLocal({ devices });
      const now = new Set(engine.speaking);
      const started = [...now].filter((id) => !speaking.has(id) && id !== "self:audio");
      speaking = now;
      if (!started.length) return;
      const spokeAt = { ...s.local.spokeAt };
      for (const user of s.roster.users()) {
        if (user.tracks && started.includes(user.tracks.audio)) spokeAt[user.id] = Date.now();
      }
      s.setLocal({ spokeAt });
    });
  }, []);

  return null;
}
