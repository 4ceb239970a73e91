// Push-to-talk to the AI participant: the talk button (and the key "a").
// Holding it swaps this tab's microphone into its push-to-talk track and asks
// the server to feed that track to the AI; releasing (200 ms debounce) swaps
// silence back and gives control back. Who may talk is decided by the server;
// the button only mirrors RoomState.ai.
import { useEffect, useRef } from "react";
import { PTT_TRACK, PushToTalk, isTalkKey, talkButtonState } from "./ai_logic.js";
import { useEngine } from "./media.jsx";
import { mediaEngine } from "./media_engine.js";
import { useMeetView } from "./roster.jsx";
import { fill } from "./text.js";

export function AiTalkButton(props) {
  const engine = useEngine();
  const view = useMeetView();
  const latest = useRef(props);
  latest.current = props;
  const state = talkButtonState({
    participants: view.participants,
    selfId: view.self_id,
    controllingUser: props.controllingUser,
    controllingName: props.controllingName,
    hasMic: !!engine?.micTrack,
    ready: !!engine?.pttReady,
  });
  const stateRef = useRef(state);
  stateRef.current = state;

  const ptt = useRef(null);
  if (!ptt.current) {
    ptt.current = new PushToTalk({
      onPress: () => {
        mediaEngine()?.setPttTalking(true);
        latest.current.onRequest?.(PTT_TRACK);
      },
      onRelease: () => {
        mediaEngine()?.setPttTalking(false);
        latest.current.onRelease?.();
      },
    });
  }

  // Publish the (silent) push-to-talk track as soon as the AI is here.
  useEffect(() => {
    if (state.present && view.in_meeting) engine?.setPttWanted(true);
  }, [engine, state.present, view.in_meeting]);

  // Someone else took over, or the AI left: let go at once.
  useEffect(() => {
    if (state.disabled) ptt.current.cancel();
  }, [state.disabled]);

  useEffect(() => {
    const down = (event) => {
      if (!isTalkKey(event) || stateRef.current.disabled) return;
      event.preventDefault();
      ptt.current.press();
    };
    const up = (event) => {
      if ((event.key || "").toLowerCase() === "a") ptt.current.release();
    };
    window.addEventListener("keydown", down);
    window.addEventListener("keyup", up);
    return () => {
      window.removeEventListener("keydown", down);
      window.removeEventListener("keyup", up);
      ptt.current.cancel();
    };
  }, []);

  if (!state.present) return null;
  const label = state.otherTalking
    ? fill(props.labelOther || "{name} is talking to the AI", { name: state.otherTalking })
    : props.label || "Hold to talk to the AI";
  const start = (event) => {
    if (stateRef.current.disabled) return;
    event.preventDefault();
    ptt.current.press();
  };
  const stop = () => ptt.current.release();
  return (
    <button
      type="button"
      className={`meet-ai-talk${state.pressed ? " meet-ai-talk-pressed" : ""}`}
      aria-pressed={state.pressed ? "true" : "false"}
      aria-keyshortcuts="A"
      title={props.hint || label}
      disabled={state.disabled}
      onPointerDown={start}
      onPointerUp={stop}
      onPointerLeave={stop}
      onPointerCancel={stop}
      data-testid="ai-talk"
      data-talking={state.pressed ? "true" : "false"}
      data-other={state.otherTalking}
      style={{
        padding: "0.5rem 0.9rem",
        borderRadius: "9999px",
        border: "none",
        fontWeight: 600,
        cursor: state.disabled ? "not-allowed" : "pointer",
        opacity: state.disabled ? 0.6 : 1,
        background: state.pressed ? "var(--accent-9)" : "var(--accent-4)",
        color: state.pressed ? "white" : "var(--accent-12)",
        touchAction: "none",
        userSelect: "none",
      }}
    >
      {label}
    </button>
  );
}
