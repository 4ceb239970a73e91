// The room bridge: presence heartbeat (HTTP), leave-on-unload beacon, keyboard
// shortcuts, and `window.meetBridge` for the media bridge.
// Renders nothing. Callbacks are read through refs so re-renders never reset
// the heartbeat interval.
import { useEffect, useRef } from "react";

function isTyping(target) {
  if (!target) return false;
  const tag = (target.tagName || "").toLowerCase();
  return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
}

export function shortcutFor(event) {
  if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return null;
  const key = (event.key || "").toLowerCase();
  if (key === "d") return "toggle_mic";
  if (key === "e") return "toggle_camera";
  return null;
}

export function RoomBridge(props) {
  const latest = useRef(props);
  latest.current = props;
  const intervalMs = props.intervalMs || 5000;

  useEffect(() => {
    // Heartbeats are plain HTTP, not websocket events: an event of one room
    // member would cost every other member a state message.
    let stopped = false;
    const beat = async () => {
      const { heartbeatUrl, beaconBody } = latest.current;
      if (!heartbeatUrl || !beaconBody) return;
      try {
        const response = await fetch(heartbeatUrl, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: beaconBody,
          keepalive: true,
        });
        // A late answer to a beat sent before this tab left (its body is no
        // longer this tab's) is not news: the leave wins (no ghost).
        if (!stopped && response.status === 410 && latest.current.beaconBody === beaconBody) latest.current.onGone?.();
      } catch (_) {
        /* offline for a moment: the next beat retries */
      }
    };
    beat();
    const timer = window.setInterval(beat, intervalMs);
    return () => {
      stopped = true;
      window.clearInterval(timer);
    };
  }, [intervalMs]);

  useEffect(() => {
    let sent = false;
    const leave = () => {
      const { beaconUrl, beaconBody } = latest.current;
      if (sent || !beaconUrl || !beaconBody || !navigator.sendBeacon) return;
      sent = true;
      navigator.sendBeacon(beaconUrl, new Blob([beaconBody], { type: "application/json" }));
    };
    const back = (event) => {
      if (event.persisted) sent = false;
    };
    window.addEventListener("pagehide", leave);
    window.addEventListener("pageshow", back);
    return () => {
      window.removeEventListener("pagehide", leave);
      window.removeEventListener("pageshow", back);
    };
  }, []);

  useEffect(() => {
    const onKey = (event) => {
      const action = shortcutFor(event);
      if (!action) return;
      event.preventDefault();
      if (event.repeat || isTyping(event.target)) return;
      latest.current.onShortcut?.(action);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  useEffect(() => {
    // The media bridge (and tests) announce changes of one's own roster
    // entry through here; the server validates every field.
    window.meetBridge = {
      ...(window.meetBridge || {}),
      updateOwn: (changes) => latest.current.onUpdateOwn?.(changes),
    };
  }, []);

  return null;
}
