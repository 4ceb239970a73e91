// The roster in the browser and what this tab shows of it (pure, no DOM).
//
// The server sends a tab the whole roster once (a snapshot) and then numbered
// changes (RoomState.roster_log, see core/roster_feed.py). Everything derived
// from the roster is computed here, per tab: who I am, the participants list,
// the stage (Orange's ordering rules, made stable), its pages, and which
// tracks to pull. Nothing derived is ever sent by the server.

export const PAGE_SIZE = 9;
export const SCREEN_SHARE_CAPACITY = 5;
export const NARROW_CAPACITY = 2;
export const MAX_DISMISSED = 16;
// Seconds by which someone's activity (hand, speaking) must be more recent
// than the least active tile's to take its place on a full stage.
export const STAGE_HOLD_S = 5;

/** Apply one field change ({id, set}) to an entry; tracks merge field by field. */
function patched(entry, changes) {
  const next = { ...entry, ...changes };
  if (changes.tracks) next.tracks = { ...(entry.tracks || {}), ...changes.tracks };
  return next;
}

/** The roster: entries by id in arrival order, and the number of the last change. */
export class Roster {
  constructor() {
    this.entries = new Map();
    this.seq = -1;
  }

  /**
   * Replace everything with a snapshot {seq, users}; returns whether it applied.
   * A snapshot always wins, even one numbered below this tab's roster: a
   * restarted server numbers from the start again, and a stale one (the
   * state replayed on a reconnect) is caught up by the log or by a resync.
   */
  applySnapshot(snapshot) {
    if (!snapshot || typeof snapshot.seq !== "number" || !Array.isArray(snapshot.users)) return false;
    this.entries = new Map(snapshot.users.map((u) => [u.id, u]));
    this.seq = snapshot.seq;
    return true;
  }

  /**
   * Apply the numbered changes this tab has not seen yet.
   * @returns {{changed: boolean, gap: boolean}} gap: a change is missing
   *   (ask the server for a snapshot).
   */
  applyLog(log) {
    let changed = false;
    if (!Array.isArray(log) || !log.length) return { changed, gap: false };
    if (this.seq < 0) return { changed, gap: true }; // no snapshot yet
    const sorted = [...log].filter((c) => c && typeof c.seq === "number").sort((a, b) => a.seq - b.seq);
    for (const change of sorted) {
      if (change.seq <= this.seq) continue;
      if (change.seq !== this.seq + 1) return { changed, gap: true };
      this.apply(change);
      this.seq = change.seq;
      changed = true;
    }
    // A log whose numbers stay below this tab's: the room started again.
    const newest = sorted.length ? sorted[sorted.length - 1].seq : this.seq;
    return { changed, gap: newest < this.seq };
  }

  apply(change) {
    if (change.del) {
      this.entries.delete(change.id);
    } else if (change.put) {
      this.entries.set(change.id, change.put);
    } else if (change.set && this.entries.has(change.id)) {
      this.entries.set(change.id, patched(this.entries.get(change.id), change.set));
    }
  }

  users() {
    return [...this.entries.values()];
  }
}

// ---- the stage --------------------------------------------------------------

/** How many tiles fit on one page of the stage. */
export function stageCapacity({ screenSharing, narrow }) {
  if (narrow) return NARROW_CAPACITY;
  return screenSharing ? SCREEN_SHARE_CAPACITY : PAGE_SIZE;
}

/** One camera tile per joined user, plus a tile per active screen share. */
export function tilesFor(users, activity) {
  const tiles = [];
  for (const user of users) {
    if (!user.joined) continue;
    const active = activity[user.id] ?? 0;
    tiles.push({ key: `${user.id}:camera`, userId: user.id, kind: "camera", lastActive: active });
    const t = user.tracks || {};
    if (t.screenShareEnabled && t.screenshare) {
      tiles.push({ key: `${user.id}:screen`, userId: user.id, kind: "screen", lastActive: active });
    }
  }
  return tiles;
}

function group(tile, selfId, pinned) {
  if (tile.key === pinned) return 0;
  if (tile.kind === "camera" && tile.userId === selfId) return 1;
  if (tile.kind === "screen") return 2;
  return 3;
}

function compareRank(selfId, pinned) {
  return (a, b) =>
    group(a, selfId, pinned) - group(b, selfId, pinned) ||
    b.lastActive - a.lastActive ||
    (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/**
 * Order the stage: a pinned tile, own camera, screen shares, then the others.
 * Tiles keep the places `previous` gives them unless a tile of higher priority
 * needs room or an off-stage tile is more recently active than the least
 * active one on stage by more than `hold` seconds (it takes that place), so
 * the grid does not reshuffle.
 * @returns {{onStage: string[], offStage: string[]}} keys; offStage most active first.
 */
export function orderStage(tiles, { selfId, pinned = null, previous = [], capacity, hold = 0 }) {
  capacity = Math.max(capacity, 0);
  const ranked = [...tiles].sort(compareRank(selfId, pinned));
  const priority = ranked.filter((t) => group(t, selfId, pinned) < 3).slice(0, capacity);
  const others = ranked.filter((t) => group(t, selfId, pinned) === 3);
  const free = capacity - priority.length;
  const byKey = new Map(others.map((t) => [t.key, t]));
  const kept = previous.filter((k) => byKey.has(k)).slice(0, Math.max(free, 0)).map((k) => byKey.get(k));
  const keptKeys = new Set(kept.map((t) => t.key));
  const waiting = others.filter((t) => !keptKeys.has(t.key));
  while (kept.length < free && waiting.length) kept.push(waiting.shift());
  while (waiting.length && kept.length) {
    let least = 0;
    for (let i = 1; i < kept.length; i += 1) {
      const a = kept[i];
      const b = kept[least];
      if (a.lastActive < b.lastActive || (a.lastActive === b.lastActive && a.key < b.key)) least = i;
    }
    // A newcomer to the stage must be clearly more recent (by `hold`), so
    // two people talking in turn do not swap places on every word.
    if (waiting[0].lastActive <= kept[least].lastActive + hold) break;
    kept[least] = waiting.shift();
  }
  const onStage = [...priority, ...kept].map((t) => t.key);
  const on = new Set(onStage);
  return { onStage, offStage: ranked.filter((t) => !on.has(t.key)).map((t) => t.key) };
}

/** The pinned tile: the viewer's choice, else the newest screen share not dismissed. */
export function effectivePin(tiles, { pinned, dismissed = [] }) {
  if (pinned && tiles.some((t) => t.key === pinned)) return pinned;
  const screens = tiles.filter((t) => t.kind === "screen" && !dismissed.includes(t.key));
  if (!screens.length) return null;
  return screens.reduce((a, b) => (b.lastActive > a.lastActive || (b.lastActive === a.lastActive && b.key > a.key) ? b : a)).key;
}

/** The viewer pressed pin/unpin: the new explicit pin and dismissed shares. */
export function togglePin(key, { current, dismissed = [] }) {
  if (key === current) {
    const more = key.endsWith(":screen") && !dismissed.includes(key) ? [...dismissed, key] : [...dismissed];
    return { pinned: "", dismissed: more.slice(-MAX_DISMISSED) };
  }
  return { pinned: key, dismissed: dismissed.filter((k) => k !== key) };
}

/** Split the ordered tiles into pages: the stage first, then the rest. */
export function paginate(layout, capacity) {
  const pages = [layout.onStage];
  const size = Math.max(capacity, 1);
  for (let i = 0; i < layout.offStage.length; i += size) pages.push(layout.offStage.slice(i, i + size));
  return pages;
}

function videoTrack(tile, user, isSelf, devices) {
  const t = user.tracks || {};
  if (tile.kind === "screen") return isSelf ? "self:screen" : t.screenshare || "";
  if (!t.videoEnabled) return "";
  // A camera this tab could not open shows the initial, never a blank video.
  if (isSelf && devices && devices.video) return "";
  return isSelf ? "self:camera" : t.video || "";
}

/** A tile as the components render it (snake_case, flat). */
export function tileView(tile, user, selfId, pinned, devices = null) {
  const isSelf = user.id === selfId;
  const t = user.tracks || {};
  return {
    key: tile.key,
    id: user.id,
    kind: tile.kind,
    name: user.name,
    initial: (user.name || "?").slice(0, 1).toUpperCase() || "?",
    is_self: isSelf,
    audio_enabled: !!t.audioEnabled,
    video_enabled: !!t.videoEnabled,
    raised_hand: !!user.raisedHand,
    speaking: !!user.speaking,
    video_track: videoTrack(tile, user, isSelf, devices),
    audio_track: t.audio || "",
    pinned: tile.key === pinned,
  };
}

/** The video tracks of the tiles on a page (other people's, camera on or off). */
function pagePulls(keys, tileByKey, byId, selfId) {
  const ids = [];
  for (const key of keys) {
    const tile = tileByKey.get(key);
    const user = byId.get(tile.userId);
    if (!user || user.id === selfId) continue;
    const t = user.tracks || {};
    const id = tile.kind === "screen" ? t.screenshare : t.video;
    if (id) ids.push(id);
  }
  return ids.sort();
}

/**
 * Everything this tab shows of the room.
 * @param users roster entries in arrival order.
 * @param local {selfId, own (this tab's entry while in the lobby), pinned,
 *   dismissed, page (1-based), narrow, spokeAt: {userId: ms}, devices:
 *   {audio, video} (why this tab's microphone / camera could not be opened,
 *   "" when they work)}.
 */
export function buildView(users, local) {
  const selfId = local.selfId || "";
  // A member's own entry is in the shared roster; a lobby visitor's comes alone.
  const own = local.own && local.own.id === selfId ? local.own : null;
  const me = users.find((u) => u.id === selfId) || own;
  const joined = users.filter((u) => u.joined);
  const inMeeting = !!(me && me.joined);
  const byId = new Map(joined.map((u) => [u.id, u]));
  const spokeAt = local.spokeAt || {};
  const activity = {};
  // Activity is a raised hand or speaking (joining is not: newcomers fill
  // free places in joining order and do not push anyone off a full stage).
  for (const u of joined) {
    activity[u.id] = Math.max(u.handRaisedAt || 0, (spokeAt[u.id] || 0) / 1000);
  }
  const tiles = tilesFor(joined, activity);
  const sharing = tiles.some((t) => t.kind === "screen");
  const pin = effectivePin(tiles, { pinned: local.pinned, dismissed: local.dismissed || [] });
  const byJoining = [...joined].sort((a, b) => (a.joinedAt || 0) - (b.joinedAt || 0) || (a.id < b.id ? -1 : 1));
  const capacity = stageCapacity({ screenSharing: sharing, narrow: !!local.narrow });
  const layout = orderStage(tiles, {
    selfId: selfId || null,
    pinned: pin,
    previous: byJoining.map((u) => `${u.id}:camera`),
    capacity,
    hold: STAGE_HOLD_S,
  });
  const pages = paginate(layout, capacity);
  const page = Math.min(Math.max(local.page || 1, 1), pages.length);
  const tileByKey = new Map(tiles.map((t) => [t.key, t]));
  const devices = local.devices || {};
  const views = (keys) => keys.map((k) => tileView(tileByKey.get(k), byId.get(tileByKey.get(k).userId), selfId, pin, devices));
  // Audio-only: nothing is pulled, and other people's tiles show their avatar.
  const audioOnly = !!local.audioOnly;
  const withoutVideo = (tile) => (audioOnly && !tile.is_self ? { ...tile, video_track: "" } : tile);
  const stage = views(pages[page - 1]).map(withoutVideo);
  const participants = [...joined]
    .sort((a, b) => (a.id !== selfId) - (b.id !== selfId) || (a.joinedAt || 0) - (b.joinedAt || 0) || (a.id < b.id ? -1 : 1))
    .map((u) => tileView({ key: `${u.id}:camera`, kind: "camera" }, u, selfId, null, devices));
  return {
    self_id: selfId,
    me,
    in_meeting: inMeeting,
    mic_on: !!(me && me.tracks && me.tracks.audioEnabled) && !devices.audio,
    camera_on: !!(me && me.tracks && me.tracks.videoEnabled) && !devices.video,
    mic_problem: devices.audio || "",
    camera_problem: devices.video || "",
    hand_raised: !!(me && me.raisedHand),
    people_count: joined.length,
    participants,
    stage_tiles: stage,
    page,
    pages: pages.length,
    tile_count: tiles.length,
    overflow_count: tiles.length - stage.length,
    pinned_key: stage.find((t) => t.pinned)?.key || "",
    pull_audio: inMeeting
      ? joined.filter((u) => u.id !== selfId && u.tracks && u.tracks.audio).map((u) => u.tracks.audio).sort()
      : [],
    // A camera turned off stays pulled (its tile shows the avatar): turning
    // it on again shows video at once, and nobody re-pulls.
    pull_video: inMeeting && !audioOnly ? pagePulls(pages[page - 1], tileByKey, byId, selfId) : [],
    audio_only: audioOnly,
    debug_open: !!local.debugOpen,
    sounds_on: local.soundsOn !== false,
  };
}

/** Whether two string lists hold the same items in the same order. */
export function sameList(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
