// Unit tests of the meeting's cues (run by tests/unit/test_js_logic.py).
import assert from "node:assert/strict";
import { test } from "node:test";
import { CUE_NOTES, MutedSpeech, SOUNDS_KEY, roomCues, soundsOn } from "../../assets/meet/cues_logic.js";

const ada = { id: "ada", name: "Ada", raised_hand: false };
const bob = { id: "bob", name: "Bob", raised_hand: false };
const me = { id: "me", name: "Me", raised_hand: false };

test("nothing known before: no sounds (the first roster a tab sees)", () => {
  assert.deepEqual(roomCues(null, [ada, bob, me], "me"), []);
});

test("joins, leaves and raised hands of others make sounds; one's own do not", () => {
  assert.deepEqual(roomCues([me, ada], [me, ada, bob], "me"), [{ kind: "join", id: "bob", name: "Bob" }]);
  assert.deepEqual(roomCues([me, ada, bob], [me, bob], "me"), [{ kind: "leave", id: "ada", name: "Ada" }]);
  assert.deepEqual(roomCues([me, ada], [me, { ...ada, raised_hand: true }], "me"), [{ kind: "hand", id: "ada", name: "Ada" }]);
  // Lowering a hand, or a hand already up, is silent.
  assert.deepEqual(roomCues([{ ...ada, raised_hand: true }], [ada], "me"), []);
  assert.deepEqual(roomCues([{ ...ada, raised_hand: true }], [{ ...ada, raised_hand: true }], "me"), []);
  // Our own join, leave and hand.
  assert.deepEqual(roomCues([ada], [ada, me], "me"), []);
  assert.deepEqual(roomCues([ada, me], [ada, { ...me, raised_hand: true }], "me"), []);
  assert.deepEqual(roomCues([ada, me], [ada], "me"), []);
});

test("sounds are on unless turned off; blocked storage means on", () => {
  const store = (value) => ({ getItem: (key) => (key === SOUNDS_KEY ? value : null) });
  assert.equal(soundsOn(store(null)), true);
  assert.equal(soundsOn(store("on")), true);
  assert.equal(soundsOn(store("off")), false);
  assert.equal(soundsOn(null), true);
  assert.equal(soundsOn({ getItem: () => { throw new Error("blocked"); } }), true);
});

function feed(detector, samples) {
  // samples: [[level, ms], ...] each held for `ms` in 100 ms steps; returns shown flags.
  const shown = [];
  for (const [level, ms, muted = true] of samples) {
    for (let i = 0; i < ms; i += 100) {
      detector.t = (detector.t || 0) + 100;
      shown.push(detector.update(level, detector.t, muted));
    }
  }
  return shown;
}

test("the muted hint shows after sustained speech, not after a click or a cough", () => {
  const d = new MutedSpeech();
  assert.ok(!feed(d, [[0.5, 300], [0, 1000]]).some(Boolean)); // a short sound
  const shown = feed(d, [[0.5, 1000]]);
  assert.equal(shown.at(-1), true);
  assert.equal(shown.indexOf(true) * 100 >= 600, true);
});

test("short pauses in speech keep it speech", () => {
  const d = new MutedSpeech();
  const shown = feed(d, [[0.5, 300], [0, 200], [0.5, 300], [0, 200], [0.5, 300]]);
  assert.equal(shown.at(-1), true);
});

test("the hint hides after quiet and on unmute, then rests", () => {
  const d = new MutedSpeech({ cooldownMs: 5000 });
  assert.equal(feed(d, [[0.5, 1000]]).at(-1), true);
  assert.equal(feed(d, [[0, 3100]]).at(-1), false); // quiet for 3 s
  assert.equal(feed(d, [[0.5, 1000]]).at(-1), false); // resting
  assert.equal(feed(d, [[0, 3000], [0.5, 1000]]).at(-1), true); // rested 5 s
  assert.equal(feed(d, [[0.5, 100, false]]).at(-1), false); // unmuted: gone at once
  assert.equal(feed(d, [[0.5, 1000, false]]).some(Boolean), false); // talking unmuted
});

test("the sounds are short and audible", () => {
  for (const notes of Object.values(CUE_NOTES)) {
    for (const [hz, start, length] of notes) {
      assert.ok(hz >= 200 && hz <= 2000 && start >= 0 && length > 0 && start + length < 0.5);
    }
  }
});

test("joining a crowd with the microphone on, and finding it off, is an auto-mute", async () => {
  const { joinedMuted, AUTO_MUTE_ABOVE } = await import("../../assets/meet/cues_logic.js");
  const lobby = (on) => ({ in_meeting: false, me: { tracks: { audioEnabled: on } } });
  const meeting = (micOn, people) => ({ in_meeting: true, mic_on: micOn, people_count: people });
  assert.equal(AUTO_MUTE_ABOVE, 5);
  assert.equal(joinedMuted(lobby(true), meeting(false, 7)), true);
  assert.equal(joinedMuted(lobby(true), meeting(false, 6)), false, "5 others: not a crowd");
  assert.equal(joinedMuted(lobby(false), meeting(false, 7)), false, "muted in the lobby already");
  assert.equal(joinedMuted(lobby(true), meeting(true, 7)), false);
  assert.equal(joinedMuted(meeting(false, 7), meeting(false, 8)), false, "already in the meeting");
  assert.equal(joinedMuted(null, meeting(false, 7)), false, "opened the meeting page directly");
});
