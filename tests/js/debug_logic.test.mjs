// Unit tests of the debug overlay's numbers (run by tests/unit/test_js_logic.py).
import assert from "node:assert/strict";
import { test } from "node:test";
import { debugRows, shown } from "../../assets/meet/debug_logic.js";

const label = (mid, direction) => ({ "0": "mic", "1": "camera", "5": "ada/mic" })[mid] || "";

function sample(t, { inBytes, inPackets, inLost, outBytes, outPackets, outLost }) {
  return [
    { id: "in5", type: "inbound-rtp", mid: "5", kind: "audio", timestamp: t, bytesReceived: inBytes, packetsReceived: inPackets, packetsLost: inLost },
    { id: "out1", type: "outbound-rtp", mid: "1", kind: "video", timestamp: t, bytesSent: outBytes, packetsSent: outPackets, remoteId: "rin1" },
    { id: "rin1", type: "remote-inbound-rtp", packetsLost: outLost },
    { id: "cp", type: "candidate-pair", nominated: true, state: "succeeded", currentRoundTripTime: 0.0234, availableOutgoingBitrate: 2_500_000 },
    { id: "codec", type: "codec" },
  ];
}

test("the first sample has streams but no rates yet", () => {
  const first = debugRows(sample(1000, { inBytes: 0, inPackets: 0, inLost: 0, outBytes: 0, outPackets: 0, outLost: 0 }), new Map(), label);
  assert.deepEqual(first.rows.map((r) => [r.label, r.direction, r.kind, r.kbps, r.lossPercent]), [
    ["camera", "out", "video", null, null],
    ["ada/mic", "in", "audio", null, null],
  ]);
  assert.deepEqual(first.link, { rttMs: 23, outgoingKbps: 2500 });
});

test("bitrate and loss over the interval between two samples", () => {
  const a = debugRows(sample(1000, { inBytes: 1000, inPackets: 100, inLost: 0, outBytes: 0, outPackets: 0, outLost: 0 }), new Map(), label);
  const b = debugRows(
    sample(3000, { inBytes: 9000, inPackets: 190, inLost: 10, outBytes: 250_000, outPackets: 200, outLost: 0 }),
    a.memo,
    label,
  );
  const byLabel = Object.fromEntries(b.rows.map((r) => [r.label, r]));
  assert.equal(byLabel["ada/mic"].kbps, 32); // 8000 bytes in 2 s
  assert.equal(byLabel["ada/mic"].lossPercent, 10); // 10 lost of 100
  assert.equal(byLabel.camera.kbps, 1000);
  assert.equal(byLabel.camera.lossPercent, 0);
});

test("counters that go back (a new connection) give no negative rates", () => {
  const a = debugRows(sample(1000, { inBytes: 5000, inPackets: 50, inLost: 5, outBytes: 5000, outPackets: 50, outLost: 0 }), new Map(), label);
  const b = debugRows(sample(2000, { inBytes: 10, inPackets: 1, inLost: 0, outBytes: 10, outPackets: 1, outLost: 0 }), a.memo, label);
  assert.ok(b.rows.every((r) => r.kbps >= 0 && r.lossPercent >= 0));
});

test("unknown values show as a dash", () => {
  assert.equal(shown(null, " kbps"), "—");
  assert.equal(shown(12, " kbps"), "12 kbps");
  assert.equal(shown(0, "%"), "0%");
});
