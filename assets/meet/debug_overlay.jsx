// The debug overlay: this tab's connection state, and bitrate and packet loss
// of every track it sends and receives, sampled once a second while open.
// Technical values (WebRTC states, track names, units) are marked
// translate="no"; the words around them are labels.
import { useEffect, useRef, useState } from "react";
import { debugRows, shown } from "./debug_logic.js";
import { mediaEngine } from "./media_engine.js";
import { useMeetView } from "./roster.jsx";

function trackNames(view) {
  const names = new Map();
  for (const p of view.participants || []) {
    if (p.audio_track) names.set(p.audio_track, p.name);
  }
  return names;
}

function labeller(engine, names) {
  const outgoing = new Map(Object.entries(engine.senders || {}).map(([name, t]) => [t.mid, name]));
  return (mid, direction) => {
    if (direction === "out") return outgoing.get(mid) || "";
    const id = engine.midToTrack.get(mid) || "";
    const [session, track] = id.split("/");
    if (!session) return "";
    // A person's tracks share the session of their audio track.
    for (const [audio, name] of names) {
      if (audio.split("/")[0] === session) return `${name} · ${track}`;
    }
    return id;
  };
}

/**
 * The overlay; render it only while open (it samples while mounted).
 * `labels`: {title, close, connection, ice, rtt, bandwidth, track,
 * direction_in, direction_out, bitrate, loss, no_connection}.
 */
export function DebugOverlay({ labels, onClose, id, className }) {
  const text = labels || {};
  const view = useMeetView();
  const names = useRef(new Map());
  names.current = trackNames(view);
  const [data, setData] = useState({ rows: [], link: { rttMs: null, outgoingKbps: null }, state: "", ice: "" });
  useEffect(() => {
    let memo = new Map();
    let stopped = false;
    const sample = async () => {
      const engine = mediaEngine();
      const pc = engine && engine.pc;
      if (!pc) {
        setData({ rows: [], link: { rttMs: null, outgoingKbps: null }, state: "", ice: "" });
        return;
      }
      const stats = await pc.getStats();
      if (stopped) return;
      const result = debugRows([...stats.values()], memo, labeller(engine, names.current));
      memo = result.memo;
      setData({ rows: result.rows, link: result.link, state: pc.connectionState, ice: pc.iceConnectionState });
    };
    sample().catch(() => {});
    const timer = setInterval(() => sample().catch(() => {}), 1000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  return (
    <section id={id} className={`meet-debug ${className || ""}`} role="dialog" aria-label={text.title} data-testid="debug-overlay">
      <header className="meet-debug-head">
        <h2>{text.title}</h2>
        <button type="button" onClick={() => onClose?.()} aria-label={text.close} data-testid="debug-close">
          ×
        </button>
      </header>
      {data.state ? (
        <dl className="meet-debug-link">
          <dt>{text.connection}</dt>
          <dd data-testid="debug-connection" translate="no">{data.state}</dd>
          <dt>{text.ice}</dt>
          <dd translate="no">{data.ice}</dd>
          <dt>{text.rtt}</dt>
          <dd translate="no">{shown(data.link.rttMs, " ms")}</dd>
          <dt>{text.bandwidth}</dt>
          <dd translate="no">{shown(data.link.outgoingKbps, " kbps")}</dd>
        </dl>
      ) : (
        <p>{text.no_connection}</p>
      )}
      <table className="meet-debug-tracks">
        <thead>
          <tr>
            <th scope="col">{text.track}</th>
            <th scope="col">{text.bitrate}</th>
            <th scope="col">{text.loss}</th>
          </tr>
        </thead>
        <tbody>
          {data.rows.map((row) => (
            <tr key={row.key} data-testid="debug-row" data-direction={row.direction} data-kind={row.kind} data-kbps={row.kbps ?? ""}>
              <th scope="row">
                {row.direction === "out" ? text.direction_out : text.direction_in} <span translate="no">{row.label}</span>
              </th>
              <td translate="no">{shown(row.kbps, " kbps")}</td>
              <td translate="no">{shown(row.lossPercent, " %")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
