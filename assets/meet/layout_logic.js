// The stage's tile geometry: pure functions, no DOM (tested in
// tests/js/layout_logic.test.mjs). `stage.jsx` measures the stage box and
// places each tile at the rectangle these functions return.
//
// Every rectangle is whole pixels, lies inside the box, keeps the tile
// aspect ratio (width / height within one pixel of it) and does not overlap
// any other rectangle; the gap between neighbours is at least `gap`.

export const DEFAULT_ASPECT = 16 / 9;
export const DEFAULT_GAP = 8;
// Share of the box the strip of other tiles takes beside a focused tile.
export const STRIP_SHARE = 0.22;

/**
 * Parse an aspect ratio written as CSS does ("16 / 9", "1.7778").
 *
 * @param {string|number|null|undefined} value
 * @param {number} [fallback]
 * @returns {number} width / height, positive and finite, else `fallback`.
 */
export function parseAspect(value, fallback = DEFAULT_ASPECT) {
  if (typeof value === "number") return value > 0 && Number.isFinite(value) ? value : fallback;
  if (typeof value !== "string") return fallback;
  const parts = value.split("/").map((p) => Number.parseFloat(p.trim()));
  const ratio = parts.length === 2 ? parts[0] / parts[1] : parts[0];
  return ratio > 0 && Number.isFinite(ratio) ? ratio : fallback;
}

function size(width, aspect) {
  const w = Math.max(0, Math.floor(width));
  return { w, h: Math.max(0, Math.floor(w / aspect)) };
}

/**
 * The best grid for `n` equal tiles in a `width`×`height` box.
 *
 * Tries every column count and keeps the one giving the largest tiles (on a
 * tie, the fewer columns: rows stay full).
 *
 * @param {number} n Tiles (0 gives an empty grid).
 * @param {number} width Box width in px.
 * @param {number} height Box height in px.
 * @param {{gap?: number, aspect?: number}} [options]
 * @returns {{columns: number, rows: number, tileWidth: number, tileHeight: number}}
 */
export function bestGrid(n, width, height, { gap = DEFAULT_GAP, aspect = DEFAULT_ASPECT } = {}) {
  const count = Math.max(0, Math.floor(n || 0));
  if (!count || !(width > 0) || !(height > 0)) return { columns: 0, rows: 0, tileWidth: 0, tileHeight: 0 };
  let best = null;
  for (let columns = 1; columns <= count; columns += 1) {
    const rows = Math.ceil(count / columns);
    const byWidth = (width - (columns - 1) * gap) / columns;
    const byHeight = ((height - (rows - 1) * gap) / rows) * aspect;
    const { w, h } = size(Math.min(byWidth, byHeight), aspect);
    if (!best || w > best.tileWidth) best = { columns, rows, tileWidth: w, tileHeight: h };
  }
  return best;
}

/**
 * Rectangles of `n` equal tiles centred in a box: full rows first, the last
 * row centred (as Google Meet does).
 *
 * @param {number} n
 * @param {{x?: number, y?: number, width: number, height: number}} box
 * @param {{gap?: number, aspect?: number}} [options]
 * @returns {{x: number, y: number, width: number, height: number}[]}
 */
export function gridRects(n, box, options = {}) {
  const gap = options.gap ?? DEFAULT_GAP;
  const { columns, rows, tileWidth, tileHeight } = bestGrid(n, box.width, box.height, options);
  if (!columns || !tileWidth || !tileHeight) return [];
  const x0 = box.x || 0;
  const y0 = box.y || 0;
  const usedHeight = rows * tileHeight + (rows - 1) * gap;
  const top = y0 + Math.floor((box.height - usedHeight) / 2);
  const rects = [];
  for (let row = 0; row < rows; row += 1) {
    const inRow = Math.min(columns, n - row * columns);
    const usedWidth = inRow * tileWidth + (inRow - 1) * gap;
    const left = x0 + Math.floor((box.width - usedWidth) / 2);
    for (let col = 0; col < inRow; col += 1) {
      rects.push({
        x: left + col * (tileWidth + gap),
        y: top + row * (tileHeight + gap),
        width: tileWidth,
        height: tileHeight,
      });
    }
  }
  return rects;
}

function area(rect) {
  return rect ? rect.width * rect.height : 0;
}

/**
 * One large tile and a strip of the others, beside it (wide boxes) or below
 * it (tall boxes), whichever gives the large tile more room.
 *
 * @param {number} n Tiles, the focused one first.
 * @param {{x?: number, y?: number, width: number, height: number}} box
 * @param {{gap?: number, aspect?: number, strip?: number}} [options]
 * @returns {{x: number, y: number, width: number, height: number}[]}
 */
export function focusRects(n, box, options = {}) {
  if (n <= 1) return gridRects(n, box, options);
  const gap = options.gap ?? DEFAULT_GAP;
  const share = options.strip ?? STRIP_SHARE;
  const x0 = box.x || 0;
  const y0 = box.y || 0;
  const candidates = [];
  // Strip on the right.
  const stripW = Math.floor(box.width * share);
  const mainW = box.width - stripW - gap;
  if (mainW > 0 && stripW > 0) {
    candidates.push([
      gridRects(1, { x: x0, y: y0, width: mainW, height: box.height }, options),
      gridRects(n - 1, { x: x0 + mainW + gap, y: y0, width: stripW, height: box.height }, options),
    ]);
  }
  // Strip at the bottom.
  const stripH = Math.floor(box.height * share);
  const mainH = box.height - stripH - gap;
  if (mainH > 0 && stripH > 0) {
    candidates.push([
      gridRects(1, { x: x0, y: y0, width: box.width, height: mainH }, options),
      gridRects(n - 1, { x: x0, y: y0 + mainH + gap, width: box.width, height: stripH }, options),
    ]);
  }
  const complete = candidates.filter(([main, rest]) => main.length === 1 && rest.length === n - 1);
  if (!complete.length) return gridRects(n, box, options);
  complete.sort((a, b) => area(b[0][0]) - area(a[0][0]));
  const [main, rest] = complete[0];
  return [...main, ...rest];
}

/**
 * The stage's layout: a balanced grid, or a focus layout when one tile
 * (pinned, or a shared screen) is to be shown large.
 *
 * @param {number} n Tiles on the stage page.
 * @param {number} width
 * @param {number} height
 * @param {{gap?: number, aspect?: number, focus?: number}} [options] `focus`:
 *   index of the tile to show large (-1 or absent: none).
 * @returns {{x: number, y: number, width: number, height: number}[]} One
 *   rectangle per tile, in the tiles' order.
 */
export function stageLayout(n, width, height, options = {}) {
  const box = { x: 0, y: 0, width, height };
  const focus = options.focus ?? -1;
  if (focus < 0 || focus >= n || n < 2) return gridRects(n, box, options);
  const rects = focusRects(n, box, options);
  // focusRects puts the focused tile first: give it back its own place.
  const [main, ...rest] = rects;
  const out = [];
  for (let i = 0, r = 0; i < n; i += 1) out.push(i === focus ? main : rest[r++]);
  return out;
}

/**
 * Whether two rectangles overlap (touching edges do not count).
 *
 * @param {{x: number, y: number, width: number, height: number}} a
 * @param {{x: number, y: number, width: number, height: number}} b
 * @returns {boolean}
 */
export function overlaps(a, b) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}
