// Pure logic of the debug overlay: per-track bitrate and packet loss between
// two getStats() samples. Unit tests in tests/js/debug_logic.test.mjs.

/**
 * One row per RTP stream of a peer connection, with rates since `previous`.
 * @param {Array<object>} reports The stats reports (RTCStatsReport values).
 * @param {Map<string, {bytes: number, packets: number, lost: number, timestamp: number}>} previous
 *   What the last call returned as `memo` (empty the first time).
 * @param {(mid: string, direction: "in"|"out") => string} labelOf Names a stream.
 * @returns {{rows: Array<{key: string, label: string, direction: "in"|"out",
 *   kind: string, kbps: number|null, lossPercent: number|null, packets: number}>,
 *   memo: Map, link: {rttMs: number|null, outgoingKbps: number|null}}}
 */
export function debugRows(reports, previous, labelOf) {
  const byId = new Map(reports.map((r) => [r.id, r]));
  const memo = new Map();
  const rows = [];
  for (const report of reports) {
    const inbound = report.type === "inbound-rtp";
    if (!inbound && report.type !== "outbound-rtp") continue;
    const direction = inbound ? "in" : "out";
    const key = `${direction}:${report.mid ?? report.ssrc}`;
    const bytes = (inbound ? report.bytesReceived : report.bytesSent) || 0;
    const packets = (inbound ? report.packetsReceived : report.packetsSent) || 0;
    let lost = inbound ? report.packetsLost || 0 : 0;
    if (!inbound && report.remoteId && byId.has(report.remoteId)) lost = byId.get(report.remoteId).packetsLost || 0;
    const now = { bytes, packets, lost, timestamp: report.timestamp || 0 };
    memo.set(key, now);
    const before = previous.get(key);
    let kbps = null;
    let lossPercent = null;
    if (before && now.timestamp > before.timestamp) {
      kbps = Math.max(0, Math.round(((bytes - before.bytes) * 8) / (now.timestamp - before.timestamp)));
      const sent = packets - before.packets;
      const missing = Math.max(0, lost - before.lost);
      lossPercent = sent + missing > 0 ? Math.round((1000 * missing) / (sent + missing)) / 10 : 0;
    }
    rows.push({ key, label: labelOf(report.mid ?? "", direction) || key, direction, kind: report.kind || "", kbps, lossPercent, packets });
  }
  rows.sort((a, b) => (a.direction === b.direction ? (a.label < b.label ? -1 : 1) : a.direction === "out" ? -1 : 1));
  let link = { rttMs: null, outgoingKbps: null };
  for (const report of reports) {
    if (report.type === "candidate-pair" && report.nominated && report.state === "succeeded") {
      link = {
        rttMs: typeof report.currentRoundTripTime === "number" ? Math.round(report.currentRoundTripTime * 1000) : null,
        outgoingKbps: typeof report.availableOutgoingBitrate === "number" ? Math.round(report.availableOutgoingBitrate / 1000) : null,
      };
    }
  }
  return { rows, memo, link };
}

/** A number for the overlay: "—" when unknown. */
export function shown(value, unit = "") {
  return value === null || value === undefined ? "—" : `${value}${unit}`;
}
