// Unit tests of the stage's tile geometry (run by tests/unit/test_js_logic.py).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  DEFAULT_ASPECT,
  bestGrid,
  focusRects,
  gridRects,
  overlaps,
  parseAspect,
  stageLayout,
} from "../../assets/meet/layout_logic.js";

// Stage boxes seen at 1920×1080, 1280×800 and 360×740 (minus bars), and odd ones.
const BOXES = [
  [1888, 920],
  [1248, 640],
  [900, 640],
  [344, 560],
  [344, 260],
  [2560, 400],
  [300, 1400],
  [101, 57],
];

function checkRects(rects, n, width, height, gap = 8, aspect = DEFAULT_ASPECT) {
  assert.equal(rects.length, n, "one rectangle per tile");
  for (const r of rects) {
    for (const v of [r.x, r.y, r.width, r.height]) assert.ok(Number.isInteger(v), `whole pixels: ${JSON.stringify(r)}`);
    assert.ok(r.width > 0 && r.height > 0, "not empty");
    assert.ok(r.x >= 0 && r.y >= 0, `inside (left/top) ${JSON.stringify(r)}`);
    assert.ok(r.x + r.width <= width && r.y + r.height <= height, `inside (right/bottom) ${JSON.stringify(r)} in ${width}×${height}`);
    assert.ok(Math.abs(r.height - r.width / aspect) <= 1, `aspect kept: ${JSON.stringify(r)}`);
  }
  for (let i = 0; i < rects.length; i += 1) {
    for (let j = i + 1; j < rects.length; j += 1) {
      const a = rects[i];
      const b = rects[j];
      assert.ok(!overlaps(a, b), `tiles ${i} and ${j} overlap`);
      const apartX = Math.max(b.x - (a.x + a.width), a.x - (b.x + b.width));
      const apartY = Math.max(b.y - (a.y + a.height), a.y - (b.y + b.height));
      assert.ok(Math.max(apartX, apartY) >= gap, `tiles ${i} and ${j} closer than the gap`);
    }
  }
}

test("parseAspect reads CSS ratios and refuses nonsense", () => {
  assert.equal(parseAspect("16 / 9"), 16 / 9);
  assert.equal(parseAspect(" 4/3 "), 4 / 3);
  assert.equal(parseAspect("1.5"), 1.5);
  assert.equal(parseAspect(2), 2);
  for (const bad of ["", "0 / 9", "abc", "16 / 0", "-1", null, undefined, {}, Number.NaN, Infinity]) {
    assert.equal(parseAspect(bad), DEFAULT_ASPECT, String(bad));
  }
});

test("grids of 1 to 9 tiles fit both width and height and never overlap", () => {
  for (const [w, h] of BOXES) {
    for (let n = 1; n <= 9; n += 1) checkRects(gridRects(n, { width: w, height: h }), n, w, h);
  }
});

test("the grid uses the space: one dimension is filled", () => {
  for (const [w, h] of BOXES) {
    for (let n = 1; n <= 9; n += 1) {
      const rects = gridRects(n, { width: w, height: h });
      const right = Math.max(...rects.map((r) => r.x + r.width)) - Math.min(...rects.map((r) => r.x));
      const bottom = Math.max(...rects.map((r) => r.y + r.height)) - Math.min(...rects.map((r) => r.y));
      const { columns, rows } = bestGrid(n, w, h);
      // Bounded by width or by height: only whole-pixel rounding is left over.
      const slackX = w - right;
      const slackY = h - bottom;
      assert.ok(Math.min(slackX, slackY) <= 2 * (columns + rows) + 2, `${n} in ${w}×${h}: ${slackX}, ${slackY}`);
    }
  }
});

test("the best column count: 1, 2 side by side, 2×2, 3×3 on a landscape box", () => {
  assert.deepEqual([1, 2, 3, 4, 6, 9].map((n) => bestGrid(n, 1248, 640).columns), [1, 2, 2, 2, 3, 3]);
  // A phone in portrait stacks tiles.
  assert.deepEqual([1, 2, 3].map((n) => bestGrid(n, 344, 560).columns), [1, 1, 1]);
  // A very wide, low box lays them in one row.
  assert.equal(bestGrid(4, 2560, 400).columns, 4);
});

test("the last row is centred", () => {
  const rects = gridRects(3, { width: 1248, height: 640 });
  assert.equal(rects[0].y, rects[1].y);
  assert.ok(rects[2].y > rects[0].y);
  const middle = rects[2].x + rects[2].width / 2;
  assert.ok(Math.abs(middle - 624) <= 1, `centre ${middle}`);
});

test("empty or zero-sized boxes give no rectangles", () => {
  assert.deepEqual(gridRects(0, { width: 100, height: 100 }), []);
  assert.deepEqual(gridRects(3, { width: 0, height: 100 }), []);
  assert.deepEqual(gridRects(3, { width: 100, height: -5 }), []);
  assert.deepEqual(bestGrid(Number.NaN, 100, 100).columns, 0);
});

test("a gap and an aspect of one's own are respected", () => {
  for (const [w, h] of BOXES.slice(0, 5)) {
    for (const n of [2, 5, 9]) {
      checkRects(gridRects(n, { width: w, height: h }, { gap: 20, aspect: 4 / 3 }), n, w, h, 20, 4 / 3);
    }
  }
});

test("a focused tile is larger than the others, all fit, none overlap", () => {
  for (const [w, h] of BOXES.slice(0, 6)) {
    for (let n = 2; n <= 9; n += 1) {
      const rects = focusRects(n, { width: w, height: h });
      checkRects(rects, n, w, h);
      for (const other of rects.slice(1)) assert.ok(rects[0].width > other.width, `${n} in ${w}×${h}`);
    }
  }
});

test("stageLayout keeps the tiles' order and puts the focused one large", () => {
  const rects = stageLayout(4, 1248, 640, { focus: 2 });
  checkRects(rects, 4, 1248, 640);
  assert.ok(rects[2].width > rects[0].width && rects[2].width > rects[3].width);
  // No focus, or a focus out of range: the plain grid.
  assert.deepEqual(stageLayout(4, 1248, 640), gridRects(4, { width: 1248, height: 640 }));
  assert.deepEqual(stageLayout(4, 1248, 640, { focus: 7 }), gridRects(4, { width: 1248, height: 640 }));
  assert.deepEqual(stageLayout(1, 1248, 640, { focus: 0 }), gridRects(1, { width: 1248, height: 640 }));
});

test("a strip too small for the others falls back to the grid", () => {
  const rects = stageLayout(9, 101, 57, { focus: 0 });
  checkRects(rects, 9, 101, 57);
});
