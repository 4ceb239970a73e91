// Lobby camera preview (mirrored) and microphone level meter.
// Opens the devices once, reports plain-words errors, and stops everything
// on unmount. Media through Calls is the media bridge's job, not this one's.
import { useEffect, useRef, useState } from "react";

export function classifyMediaError(err) {
  const name = (err && err.name) || "";
  if (name === "NotAllowedError" || name === "SecurityError") return "permission_denied";
  if (name === "NotFoundError" || name === "OverconstrainedError") return "no_device";
  if (name === "NotReadableError" || name === "AbortError") return "device_busy";
  if (name === "TypeError" || name === "unsupported") return "unsupported";
  return "unknown";
}

const VIDEO = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { max: 24 } };

export async function openDevices() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    const err = new Error("mediaDevices unavailable");
    err.name = "unsupported";
    throw err;
  }
  try {
    return await navigator.mediaDevices.getUserMedia({ audio: true, video: VIDEO });
  } catch (err) {
    if (classifyMediaError(err) !== "no_device") throw err;
    // One missing device must not cost the other one.
    const stream = new MediaStream();
    for (const constraints of [{ audio: true }, { video: VIDEO }]) {
      try {
        const part = await navigator.mediaDevices.getUserMedia(constraints);
        part.getTracks().forEach((t) => stream.addTrack(t));
      } catch (_) {
        /* that device is missing */
      }
    }
    if (stream.getTracks().length === 0) throw err;
    return stream;
  }
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

export function LobbyPreview({ audioEnabled, videoEnabled, labels, onDeviceError, onReady, id, className }) {
  const video = useRef(null);
  const streamRef = useRef(null);
  const callbacks = useRef({ onDeviceError, onReady });
  callbacks.current = { onDeviceError, onReady };
  const [state, setState] = useState("starting");
  const [errorCode, setErrorCode] = useState("");
  const [level, setLevel] = useState(0);
  const text = labels || {};

  useEffect(() => {
    let cancelled = false;
    let stopMeter = () => {};
    openDevices()
      .then((stream) => {
        if (cancelled) {
          stream.getTracks().forEach((t) => t.stop());
          return;
        }
        streamRef.current = stream;
        window.__meetPreviewStream = stream;
        if (video.current) video.current.srcObject = stream;
        stopMeter = levelMeter(stream, setLevel);
        setState("ready");
        callbacks.current.onReady?.({
          audio: stream.getAudioTracks().length > 0,
          video: stream.getVideoTracks().length > 0,
        });
      })
      .catch((err) => {
        if (cancelled) return;
        const code = classifyMediaError(err);
        setErrorCode(code);
        setState("error");
        callbacks.current.onDeviceError?.({ code, description: text[code] || code });
      });
    return () => {
      cancelled = true;
      stopMeter();
      streamRef.current?.getTracks().forEach((t) => t.stop());
      streamRef.current = null;
    };
  }, []);

  useEffect(() => {
    streamRef.current?.getAudioTracks().forEach((t) => (t.enabled = !!audioEnabled));
    if (!audioEnabled) setLevel(0);
  }, [audioEnabled, state]);
  useEffect(() => {
    streamRef.current?.getVideoTracks().forEach((t) => (t.enabled = !!videoEnabled));
  }, [videoEnabled, state]);

  const showVideo = state === "ready" && videoEnabled;
  const shownLevel = audioEnabled ? level : 0;
  return (
    <div
      id={id}
      className={className}
      data-testid="media-preview"
      data-state={state}
      data-error-code={errorCode}
      data-mic-level={shownLevel}
      style={{ width: "100%", maxWidth: "36rem" }}
    >
      <div style={{ position: "relative", aspectRatio: "16 / 9", background: "#111", borderRadius: "0.75rem", overflow: "hidden" }}>
        <video
          ref={video}
          autoPlay
          muted
          playsInline
          aria-label={text.camera_preview}
          style={{ width: "100%", height: "100%", objectFit: "cover", transform: "scaleX(-1)", display: showVideo ? "block" : "none" }}
        />
        {!showVideo && state !== "error" && (
          <div style={{ position: "absolute", inset: 0, display: "flex", alignItems: "center", justifyContent: "center", color: "#ddd" }}>
            {state === "ready" ? text.camera_off : ""}
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
        aria-valuenow={shownLevel}
        style={{ marginTop: "0.5rem", height: "0.4rem", background: "#ccc", borderRadius: "0.2rem", overflow: "hidden" }}
      >
        <div style={{ width: `${shownLevel}%`, height: "100%", background: "#2a9d4b", transition: "width 80ms linear" }} />
      </div>
    </div>
  );
}
