// React side of the media engine: the invisible bridge that connects it to
// Reflex events, and the small presentational pieces (video, audio, speaking
// ring, device menus, screen-share button, media toasts).
import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import { toast } from "sonner";
import { mediaEngine } from "./media_engine.js";
import { fill } from "./text.js";

const noop = () => () => {};

/** The media engine, re-rendering the caller whenever it changes. */
export function useEngine() {
  const engine = mediaEngine();
  useSyncExternalStore(
    engine ? (fn) => engine.subscribe(fn) : noop,
    () => (engine ? engine.getVersion() : 0),
    () => 0,
  );
  return engine;
}

/**
 * Invisible: connects the engine to Reflex. Starts media for `room`, keeps the
 * pulled tracks equal to `pullAudio`/`pullVideo`, applies mic and camera
 * state, and sends every Calls request to the server through `onCallsRequest`.
 */
export function MediaBridge(props) {
  const latest = useRef(props);
  latest.current = props;
  const engine = useEngine();
  const { room, micEnabled, cameraEnabled } = props;
  const pullAudio = JSON.stringify(props.pullAudio || []);
  const pullVideo = JSON.stringify(props.pullVideo || []);

  // This component owns the meeting's media while it is mounted (see
  // MediaEngine.attach): the lobby's bridge hands over to the meeting's in
  // the same commit, and media stops once no bridge is left.
  const replyTimeoutMs = props.replyTimeoutMs;
  useEffect(() => {
    if (!engine) return undefined;
    const detach = engine.attach({
      send: (request) => latest.current.onCallsRequest?.(request),
      replyTimeoutMs: replyTimeoutMs || undefined,
    });
    const unsubscribe = [
      engine.on("announce", (changes) => latest.current.onAnnounce?.(changes)),
      engine.on("dead_track", ({ trackId }) => {
        // Plain HTTP (like the heartbeat): a report costs the room nothing.
        const { reportUrl, reportBody, meetingId } = latest.current;
        if (!reportUrl || !reportBody) return;
        let body;
        try {
          body = { ...JSON.parse(reportBody), trackId, meetingId: meetingId || null };
        } catch (_) {
          return;
        }
        fetch(reportUrl, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), keepalive: true }).catch(() => {});
      }),
    ];
    return () => {
      unsubscribe.forEach((off) => off());
      detach();
    };
  }, [engine, replyTimeoutMs]);

  useEffect(() => {
    if (engine && room) engine.start(room);
  }, [engine, room]);

  // Microphone and camera follow this tab's roster entry, except while the
  // tab has none (not entered yet, or a restarted server forgot it) and when
  // a new entry replaces the one we had in this room: its defaults are not
  // the person's choice, so the engine's state is announced instead (a muted
  // microphone stays muted across an app restart).
  const me = props.me;
  const stay = useRef({ room: "", participant: "" });
  useEffect(() => {
    // No room (a reconnect to a restarted server starts from an empty state):
    // the entry shown may still be the old one, so nothing is decided yet.
    if (!engine || !me || !room) return;
    const before = stay.current;
    stay.current = { room: room || "", participant: me.id };
    if (before.participant && before.participant !== me.id && before.room === room) {
      latest.current.onAnnounce?.({ "tracks.audioEnabled": engine.micEnabled, "tracks.videoEnabled": engine.cameraEnabled });
      return;
    }
    engine.setMicEnabled(micEnabled !== false);
    engine.setCameraEnabled(cameraEnabled !== false);
  }, [engine, room, me?.id, micEnabled, cameraEnabled]);

  useEffect(() => {
    engine?.want(JSON.parse(pullAudio), JSON.parse(pullVideo));
  }, [engine, pullAudio, pullVideo]);

  // The session the server records for this tab (null while the tab is not
  // in the roster): when it stops matching ours, the server has forgotten
  // us (an app restart) and the engine starts a new session.
  const serverSession = me ? me.transceiverSessionId || "" : null;
  useEffect(() => {
    engine?.setServerSession(serverSession);
  }, [engine, serverSession]);

  useEffect(() => {
    const leave = () => {
      // Page closing: tell Calls our tracks are gone without waiting.
      if (engine && engine.pc) engine.pc.close();
    };
    window.addEventListener("pagehide", leave);
    return () => window.removeEventListener("pagehide", leave);
  }, [engine]);

  if (!engine) return null;
  return (
    <span
      hidden
      data-testid="media-bridge"
      data-status={engine.status}
      data-session={engine.sessionId}
      data-connection={engine.connectionState}
      data-pulled={engine.pulled.size}
    />
  );
}

/** A video element for a track id ("self:camera" is one's own camera, mirrored). */
export function MeetVideo({ trackId, mirrored, label, fit, className }) {
  const engine = useEngine();
  const ref = useRef(null);
  const track = engine && trackId ? engine.trackFor(trackId) : null;
  const [size, setSize] = useState(0);

  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    if (!track) {
      video.srcObject = null;
      setSize(0);
      return;
    }
    if (video.srcObject?.getVideoTracks()[0] !== track) video.srcObject = new MediaStream([track]);
    video.play?.().catch(() => {});
    const onSize = () => setSize(video.videoWidth || 0);
    video.addEventListener("resize", onSize);
    video.addEventListener("loadedmetadata", onSize);
    return () => {
      video.removeEventListener("resize", onSize);
      video.removeEventListener("loadedmetadata", onSize);
    };
  }, [track]);

  return (
    <video
      ref={ref}
      className={className}
      autoPlay
      muted
      playsInline
      aria-label={label}
      data-testid="tile-video"
      data-track-id={trackId || ""}
      data-has-media={track ? "true" : "false"}
      data-video-width={size}
      style={{
        position: "absolute",
        inset: 0,
        width: "100%",
        height: "100%",
        objectFit: fit || "cover",
        transform: mirrored ? "scaleX(-1)" : undefined,
        display: track ? "block" : "none",
        background: "#000",
      }}
    />
  );
}

/** Plays every pulled audio track, on the chosen speaker. */
export function RoomAudio({ trackIds }) {
  const engine = useEngine();
  return (
    <div hidden data-testid="room-audio">
      {(trackIds || []).map((id) => (
        <RemoteAudio key={id} trackId={id} engine={engine} />
      ))}
    </div>
  );
}

function RemoteAudio({ trackId, engine }) {
  const ref = useRef(null);
  const track = engine ? engine.trackFor(trackId) : null;
  const sinkId = engine ? engine.sinkId : "";
  useEffect(() => {
    const audio = ref.current;
    if (!audio) return;
    audio.srcObject = track ? new MediaStream([track]) : null;
    if (track) audio.play?.().catch(() => {});
  }, [track]);
  useEffect(() => {
    const audio = ref.current;
    if (audio && audio.setSinkId && sinkId !== undefined) audio.setSinkId(sinkId || "").catch(() => {});
  }, [sinkId, track]);
  return <audio ref={ref} autoPlay data-track-id={trackId} />;
}

/** A ring around a tile while its audio is loud (computed here, no server traffic). */
export function SpeakingRing({ trackId, isSelf, labels }) {
  const engine = useEngine();
  const key = isSelf ? "self:audio" : trackId;
  const speaking = !!(engine && key && engine.speaking.has(key));
  const quality = engine && trackId && !isSelf ? engine.quality.get(trackId) || "" : "";
  const text = labels || {};
  const weak = quality === "poor" || quality === "bad";
  return (
    <>
      {weak && (
        <span
          role="img"
          aria-label={text[`quality_${quality}`] || quality}
          title={text[`quality_${quality}`] || quality}
          data-testid="connection-quality"
          style={{ position: "absolute", top: "0.5rem", left: "0.5rem", zIndex: 2, padding: "0 0.35rem", borderRadius: "0.35rem", fontSize: "0.75rem", background: quality === "bad" ? "#dc2626" : "#d97706", color: "#fff" }}
        >
          {quality === "bad" ? "▂" : "▂▄"}
        </span>
      )}
      <div
      aria-hidden="true"
      data-testid="speaking-ring"
      data-speaking={speaking ? "true" : "false"}
      data-quality={quality}
      style={{
        position: "absolute",
        inset: 0,
        borderRadius: "inherit",
        pointerEvents: "none",
        boxShadow: speaking ? "inset 0 0 0 3px #2fbf71" : "none",
        transition: "box-shadow 120ms linear",
      }}
    />
    </>
  );
}

const KIND_LABEL = { audioinput: "microphone", videoinput: "camera", audiooutput: "speaker" };

/** A device menu (camera, microphone or speaker) that follows plugged devices. */
export function DeviceSelect({ kind, label, defaultLabel, id }) {
  const engine = useEngine();
  useEffect(() => {
    engine?.refreshDevices().catch(() => {});
  }, [engine]);
  if (!engine) return null;
  const devices = engine.deviceList.filter((d) => d.kind === kind);
  if (kind === "audiooutput" && !("setSinkId" in HTMLMediaElement.prototype)) return null;
  const current = kind === "audiooutput" ? engine.sinkId || "" : engine.preferred(kind);
  const selectId = id || `meet-device-${kind}`;
  return (
    <label htmlFor={selectId} style={{ display: "flex", flexDirection: "column", gap: "0.25rem", fontSize: "0.875rem" }}>
      <span>{label}</span>
      <select
        id={selectId}
        data-testid={`device-select-${KIND_LABEL[kind] || kind}`}
        value={devices.some((d) => d.deviceId === current) ? current : ""}
        onChange={(event) => engine.switchDevice(kind, event.target.value)}
        style={{ padding: "0.35rem", borderRadius: "0.375rem" }}
      >
        <option value="">{defaultLabel}</option>
        {devices
          .filter((d) => d.deviceId && d.deviceId !== "default")
          .map((d, i) => (
            <option key={d.deviceId} value={d.deviceId}>
              {d.label || `${label} ${i + 1}`}
            </option>
          ))}
      </select>
    </label>
  );
}

/** The screen-share toggle (getDisplayMedia needs the click itself). */
export function ScreenShareButton({ labels, className }) {
  const engine = useEngine();
  const text = labels || {};
  const sharing = !!engine?.screenTrack;
  const onClick = () => {
    if (!engine) return;
    if (sharing) engine.stopScreenShare();
    else engine.startScreenShare();
  };
  return (
    <button
      type="button"
      className={className}
      aria-pressed={sharing ? "true" : "false"}
      aria-label={sharing ? text.stop_sharing : text.share_screen}
      title={sharing ? text.stop_sharing : text.share_screen}
      data-testid="screen-share-toggle"
      data-state={sharing ? "on" : "off"}
      onClick={onClick}
      disabled={!engine || engine.status !== "ready"}
      style={{
        display: "inline-flex",
        alignItems: "center",
        gap: "0.4rem",
        height: "2.5rem",
        padding: "0 1rem",
        borderRadius: "0.5rem",
        border: "none",
        cursor: "pointer",
        fontWeight: 500,
        background: sharing ? "#2563eb" : "rgba(127,127,127,0.18)",
        color: sharing ? "#fff" : "inherit",
      }}
    >
      <svg aria-hidden="true" width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2">
        <rect x="2" y="3" width="20" height="14" rx="2" />
        <path d="M8 21h8M12 17v4" />
      </svg>
      <span>{sharing ? text.stop_sharing : text.share_screen}</span>
    </button>
  );
}

/** Toasts for the connection, packet loss and device errors. */
export function MediaToasts({ labels }) {
  const engine = useEngine();
  const latest = useRef(labels || {});
  latest.current = labels || {};
  useEffect(() => {
    if (!engine) return undefined;
    return engine.on("*", (detail, kind) => {
      const text = latest.current;
      if (kind === "connection_lost") toast.warning(text.connection_lost, { id: "meet-connection" });
      else if (kind === "reconnected") toast.success(text.reconnected, { id: "meet-connection" });
      else if (kind === "unstable") toast.warning(text.unstable_connection, { id: "meet-unstable" });
      else if (kind === "device_error") toast.error(text[`error_${detail.code}`] || text.error_unknown, { id: "meet-device" });
      else if (kind === "media_error") toast.error(fill(text.media_error, detail), { id: "meet-media" });
      if (kind === "announce") return; // the bridge's business, not the page's
      window.dispatchEvent(new CustomEvent("meet-media-event", { detail: { kind, ...detail } }));
    });
  }, [engine]);
  return null;
}

function levelMeter(stream, onLevel) {
  const track = stream.getAudioTracks()[0];
  if (!track || !window.AudioContext) return () => {};
  const context = new AudioContext();
  const analyser = context.createAnalyser();
  analyser.fftSize = 512;
  context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  let smoothed = 0;
  let frame = 0;
  let lastReport = 0;
  const tick = (now) => {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const s of samples) sum += s * s;
    const rms = Math.sqrt(sum / samples.length);
    const level = track.enabled ? Math.min(1, rms * 4) : 0;
    smoothed = Math.max(level, smoothed * 0.85);
    if (now - lastReport > 100) {
      lastReport = now;
      onLevel(Math.round(smoothed * 100));
    }
    frame = requestAnimationFrame(tick);
  };
  context.resume?.();
  frame = requestAnimationFrame(tick);
  return () => {
    cancelAnimationFrame(frame);
    context.close();
  };
}

/** Lobby preview: own camera (mirrored) and microphone level, device errors. */
export function LobbyPreview({ audioEnabled, videoEnabled, labels, onDeviceError, onReady, id, className }) {
  const engine = useEngine();
  const text = labels || {};
  const callbacks = useRef({ onDeviceError, onReady });
  callbacks.current = { onDeviceError, onReady };
  const [opened, setOpened] = useState(false);
  const [meter, setMeter] = useState(0);

  useEffect(() => {
    if (!engine) return undefined;
    let cancelled = false;
    // Explain before the browser's permission prompt (see openDevices).
    engine.explainBeforePrompt = true;
    engine.openDevices().then(() => {
      if (cancelled) return;
      setOpened(true);
      if (engine.deviceError && engine.deviceError !== "no_device") {
        callbacks.current.onDeviceError?.({ code: engine.deviceError, description: text[engine.deviceError] || engine.deviceError });
      } else {
        callbacks.current.onReady?.({ audio: !!engine.micTrack, video: !!engine.cameraTrack });
      }
    });
    return () => {
      cancelled = true;
      // Leaving the lobby (Join) without reading it: the meeting asks.
      engine.explainBeforePrompt = false;
      if (engine.awaitingConsent) engine.consent();
    };
  }, [engine]);

  const micTrack = opened && engine ? engine.micTrack : null;
  useEffect(() => (micTrack ? levelMeter(new MediaStream([micTrack]), setMeter) : undefined), [micTrack]);

  const failed = opened && !engine.micTrack && !engine.cameraTrack && !!engine.deviceError;
  const state = !opened ? "starting" : failed ? "error" : "ready";
  const errorCode = failed ? engine.deviceError : "";
  const level = audioEnabled ? meter : 0;
  const showVideo = state === "ready" && videoEnabled && !!engine?.cameraTrack;
  return (
    <div
      id={id}
      className={className}
      data-testid="media-preview"
      data-state={state}
      data-error-code={errorCode}
      data-mic-level={level}
      style={{ width: "100%", maxWidth: "36rem" }}
    >
      <div className="meet-preview-frame" style={{ position: "relative", aspectRatio: "16 / 9", background: "#111", borderRadius: "0.75rem", overflow: "hidden" }}>
        <MeetVideo trackId={showVideo ? "self:camera" : ""} mirrored label={text.camera_preview} />
        {!showVideo && state !== "error" && (
          <div style={{ position: "absolute", inset: 0, display: "flex", alignItems: "center", justifyContent: "center", color: "#ddd" }}>
            {state === "ready" ? (
              text.camera_off
            ) : (
              <span className="meet-spinner" role="status" aria-label={text.preview_starting} title={text.preview_starting} data-testid="preview-spinner" />
            )}
          </div>
        )}
        {state === "starting" && engine?.awaitingConsent && (
          <div role="region" aria-labelledby="meet-permission-title" data-testid="permission-explainer" style={{ position: "absolute", inset: 0, display: "flex", flexDirection: "column", alignItems: "center", justifyContent: "center", gap: "0.75rem", padding: "1rem", textAlign: "center", color: "#fff" }}>
            <strong id="meet-permission-title">{text.permission_title}</strong>
            <span>{text.permission_body}</span>
            <button type="button" data-testid="permission-continue" onClick={() => engine.consent()} style={{ padding: "0.5rem 1.25rem", borderRadius: "0.5rem", border: "none", cursor: "pointer", fontWeight: 600, background: "var(--accent-9, #f97316)", color: "#fff" }}>
              {text.permission_continue}
            </button>
          </div>
        )}
        {state === "error" && (
          <div role="alert" data-testid="device-error" style={{ position: "absolute", inset: 0, display: "flex", alignItems: "center", justifyContent: "center", padding: "1rem", textAlign: "center", color: "#fff" }}>
            {text[errorCode] || errorCode}
          </div>
        )}
      </div>
      <div
        role="meter"
        aria-label={text.mic_level}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={level}
        style={{ marginTop: "0.5rem", height: "0.4rem", background: "#ccc", borderRadius: "0.2rem", overflow: "hidden" }}
      >
        <div style={{ width: `${level}%`, height: "100%", background: "var(--meet-accent, #f76b15)", transition: "width 80ms linear" }} />
      </div>
    </div>
  );
}
