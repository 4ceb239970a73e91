// The meeting's cues: join/leave/raised-hand sounds (their remembered switch
// is in roster.jsx) and the "Are you talking? You are muted" hint. Decisions are in
// cues_logic.js; this file only listens, plays and renders.
import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import { toast } from "sonner";
import { CUE_NOTES, MutedSpeech, roomCues } from "./cues_logic.js";
import { mediaEngine } from "./media_engine.js";
import { useMeetView } from "./roster.jsx";

// ---- playing ---------------------------------------------------------------

let context = null;

function play(kind) {
  const notes = CUE_NOTES[kind];
  if (!notes || typeof AudioContext === "undefined") return false;
  if (!context || context.state === "closed") context = new AudioContext();
  const start = context.currentTime + 0.02;
  for (const [hz, offset, length] of notes) {
    const tone = context.createOscillator();
    const envelope = context.createGain();
    tone.type = "sine";
    tone.frequency.value = hz;
    const t = start + offset;
    envelope.gain.setValueAtTime(0.0001, t);
    envelope.gain.exponentialRampToValueAtTime(0.15, t + 0.015);
    envelope.gain.exponentialRampToValueAtTime(0.0001, t + length);
    tone.connect(envelope).connect(context.destination);
    tone.start(t);
    tone.stop(t + length + 0.05);
  }
  context.resume?.().catch(() => {});
  return true;
}

/**
 * Invisible: plays a short sound when someone joins or leaves the meeting or
 * raises a hand (not for one's own). Each sound played is also announced as
 * a `meet-cue` DOM event ({kind, id, name}) a page can listen to.
 */
export function RoomSounds() {
  const view = useMeetView();
  const on = view.sounds_on;
  const before = useRef(null);
  useEffect(() => {
    const now = view.in_meeting ? view.participants : null;
    const cues = now && on ? roomCues(before.current, now, view.self_id) : [];
    before.current = now;
    // Several at once (a reconnect's snapshot): one sound of each kind.
    const kinds = new Set();
    for (const cue of cues) {
      if (kinds.has(cue.kind)) continue;
      kinds.add(cue.kind);
      if (play(cue.kind)) window.dispatchEvent(new CustomEvent("meet-cue", { detail: cue }));
    }
  }, [view.participants, view.in_meeting, on]);
  return null;
}

// ---- the muted hint ----------------------------------------------------------

function useMicState(engine) {
  return useSyncExternalStore(
    (fn) => (engine ? engine.subscribe(fn) : () => {}),
    () => (engine && engine.micTrack && engine.micTrack.readyState === "live" && !engine.micEnabled ? engine.micTrack : null),
    () => null,
  );
}

function watchLevel(track, onLevel) {
  if (typeof AudioContext === "undefined") return () => {};
  const audio = new AudioContext();
  const analyser = audio.createAnalyser();
  analyser.fftSize = 1024;
  audio.createMediaStreamSource(new MediaStream([track])).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  const timer = setInterval(() => {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const s of samples) sum += s * s;
    onLevel(Math.min(1, Math.sqrt(sum / samples.length) * 4), performance.now());
  }, 100);
  audio.resume?.().catch(() => {});
  return () => {
    clearInterval(timer);
    audio.close().catch(() => {});
  };
}

/**
 * "Are you talking? You are muted": shown while the muted microphone hears
 * speech, with a button to unmute. A polite live region, so screen readers
 * say it once.
 */
export function MutedHint({ text, unmuteLabel, onUnmute, className, id }) {
  const engine = mediaEngine();
  const mutedTrack = useMicState(engine);
  const [showing, setShowing] = useState(false);
  const detector = useRef(null);
  if (!detector.current) detector.current = new MutedSpeech();
  useEffect(() => {
    if (!mutedTrack) {
      detector.current.update(0, performance.now(), false);
      setShowing(false);
      return undefined;
    }
    return watchLevel(mutedTrack, (level, now) => setShowing(detector.current.update(level, now, true)));
  }, [mutedTrack]);
  return (
    <div role="status" aria-live="polite" id={id} className={className} data-showing={showing ? "true" : "false"}>
      {showing ? (
        <div className="meet-muted-hint" data-testid="muted-hint">
          <span>{text}</span>
          <button type="button" className="meet-muted-hint-unmute" onClick={() => onUnmute?.()}>
            {unmuteLabel}
          </button>
        </div>
      ) : null}
    </div>
  );
}

// ---- joining a crowd muted -----------------------------------------------------

/**
 * Invisible: says why the microphone is off after joining a meeting of more
 * than 5 people with it on in the lobby (the server mutes such a join).
 */
export function AutoMuteNotice({ text }) {
  const view = useMeetView();
  const shown = useRef(0);
  useEffect(() => {
    if (!view.auto_muted_at || view.auto_muted_at === shown.current) return;
    shown.current = view.auto_muted_at;
    // Only right after the join (not when coming back to the page later).
    if (Date.now() - view.auto_muted_at < 30000) toast.info(text, { id: "meet-auto-muted" });
  }, [view.auto_muted_at]);
  return null;
}
