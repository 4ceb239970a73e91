// Push-to-talk to the AI participant (pure, no DOM): the talk button's state
// and a press/release machine with a release debounce.

export const AI_USER_ID = "ai"; // core.roster.AI_USER_ID
export const PTT_TRACK = "ptt"; // the push-to-talk track's name on a tab's session
export const RELEASE_DEBOUNCE_MS = 200;

/**
 * What this tab's talk button shows.
 * @param {{participants: Array<{id: string}>, selfId: string, controllingUser?: string,
 *   controllingName?: string, hasMic: boolean, ready: boolean}} input
 *   controllingUser: who talks to the AI (RoomState.ai); ready: this tab's
 *   push-to-talk track is published.
 * @returns {{present: boolean, disabled: boolean, pressed: boolean, otherTalking: string}}
 *   otherTalking: the name of someone else in control ("" when free or mine).
 */
export function talkButtonState({ participants, selfId, controllingUser, controllingName, hasMic, ready }) {
  const people = participants || [];
  const present = people.some((p) => p && p.id === AI_USER_ID);
  // Control held by someone who left is free (the server agrees, see state/ai.py).
  const holder = controllingUser && people.some((p) => p && p.id === controllingUser) ? controllingUser : "";
  if (!present) return { present, disabled: true, pressed: false, otherTalking: "" };
  if (holder && holder !== selfId) {
    return { present, disabled: true, pressed: false, otherTalking: controllingName || "" };
  }
  return { present, disabled: !hasMic || !ready, pressed: holder === selfId && !!selfId, otherTalking: "" };
}

/** Whether a key event is the push-to-talk key: a plain "a" outside text fields. */
export function isTalkKey(event) {
  if (!event || event.ctrlKey || event.metaKey || event.altKey) return false;
  const target = event.target;
  const tag = ((target && target.tagName) || "").toLowerCase();
  if (tag === "input" || tag === "textarea" || tag === "select" || (target && target.isContentEditable)) return false;
  return (event.key || "").toLowerCase() === "a";
}

/**
 * Press and release with a release debounce: a release takes effect
 * `debounceMs` later, and a press meanwhile cancels it (key repeat, a
 * pointer leaving and coming back), so control is not given up and taken
 * back for a stutter.
 */
export class PushToTalk {
  constructor({ onPress, onRelease, debounceMs = RELEASE_DEBOUNCE_MS, setTimer, clearTimer }) {
    this.onPress = onPress;
    this.onRelease = onRelease;
    this.debounceMs = debounceMs;
    this.setTimer = setTimer || ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = clearTimer || ((id) => clearTimeout(id));
    this.held = false;
    this.releaseTimer = null;
  }

  press() {
    if (this.releaseTimer !== null) {
      this.clearTimer(this.releaseTimer);
      this.releaseTimer = null;
    }
    if (this.held) return false;
    this.held = true;
    this.onPress?.();
    return true;
  }

  release() {
    if (!this.held || this.releaseTimer !== null) return;
    this.releaseTimer = this.setTimer(() => {
      this.releaseTimer = null;
      this.held = false;
      this.onRelease?.();
    }, this.debounceMs);
  }

  /** Release at once (the button got disabled, the page goes away). */
  cancel() {
    if (this.releaseTimer !== null) this.clearTimer(this.releaseTimer);
    this.releaseTimer = null;
    if (!this.held) return;
    this.held = false;
    this.onRelease?.();
  }
}
