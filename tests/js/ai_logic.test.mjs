// Unit tests of push-to-talk to the AI (run by tests/unit/test_js_logic.py).
import assert from "node:assert/strict";
import { test } from "node:test";
import { PushToTalk, isTalkKey, talkButtonState } from "../../assets/meet/ai_logic.js";

const people = [{ id: "me" }, { id: "bob" }, { id: "ai" }];

test("the button exists only with the AI and is free, mine, or someone else's", () => {
  const base = { participants: people, selfId: "me", hasMic: true, ready: true };
  assert.deepEqual(talkButtonState({ ...base, participants: [{ id: "me" }] }), {
    present: false, disabled: true, pressed: false, otherTalking: "",
  });
  assert.deepEqual(talkButtonState(base), { present: true, disabled: false, pressed: false, otherTalking: "" });
  assert.deepEqual(talkButtonState({ ...base, controllingUser: "me", controllingName: "Me" }), {
    present: true, disabled: false, pressed: true, otherTalking: "",
  });
  assert.deepEqual(talkButtonState({ ...base, controllingUser: "bob", controllingName: "Bob" }), {
    present: true, disabled: true, pressed: false, otherTalking: "Bob",
  });
  // Someone who left holds nothing.
  assert.equal(talkButtonState({ ...base, controllingUser: "gone", controllingName: "Gone" }).disabled, false);
  // No microphone, or the push-to-talk track not published yet.
  assert.equal(talkButtonState({ ...base, hasMic: false }).disabled, true);
  assert.equal(talkButtonState({ ...base, ready: false }).disabled, true);
});

test("the talk key is a plain a outside text fields", () => {
  assert.ok(isTalkKey({ key: "a", target: { tagName: "DIV" } }));
  assert.ok(isTalkKey({ key: "A", target: { tagName: "BUTTON" } }));
  assert.ok(!isTalkKey({ key: "a", ctrlKey: true, target: {} }));
  assert.ok(!isTalkKey({ key: "a", metaKey: true, target: {} }));
  assert.ok(!isTalkKey({ key: "b", target: {} }));
  assert.ok(!isTalkKey({ key: "a", target: { tagName: "TEXTAREA" } }));
  assert.ok(!isTalkKey({ key: "a", target: { tagName: "INPUT" } }));
  assert.ok(!isTalkKey({ key: "a", target: { tagName: "DIV", isContentEditable: true } }));
});

function fakeTimers() {
  const timers = new Map();
  let next = 1;
  return {
    setTimer: (fn, ms) => {
      timers.set(next, { fn, ms });
      return next++;
    },
    clearTimer: (id) => timers.delete(id),
    fire() {
      const due = [...timers.entries()];
      timers.clear();
      for (const [, { fn }] of due) fn();
    },
    timers,
  };
}

test("a release waits 200 ms and a press meanwhile keeps control", () => {
  const clock = fakeTimers();
  const calls = [];
  const ptt = new PushToTalk({
    onPress: () => calls.push("press"),
    onRelease: () => calls.push("release"),
    setTimer: clock.setTimer,
    clearTimer: clock.clearTimer,
  });
  assert.equal(ptt.press(), true);
  assert.equal(ptt.press(), false); // key repeat
  ptt.release();
  assert.equal([...clock.timers.values()][0].ms, 200);
  ptt.release(); // a second release schedules nothing more
  assert.equal(clock.timers.size, 1);
  ptt.press(); // within the debounce: the release is cancelled
  assert.equal(clock.timers.size, 0);
  assert.deepEqual(calls, ["press"]);
  ptt.release();
  clock.fire();
  assert.deepEqual(calls, ["press", "release"]);
  assert.equal(ptt.held, false);
  ptt.release(); // nothing held: nothing happens
  clock.fire();
  assert.deepEqual(calls, ["press", "release"]);
  ptt.press();
  ptt.cancel();
  assert.deepEqual(calls, ["press", "release", "press", "release"]);
});
