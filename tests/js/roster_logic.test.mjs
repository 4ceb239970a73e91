// Unit tests of the browser's roster store and stage rules (run by tests/unit/test_js_logic.py).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  NARROW_CAPACITY,
  PAGE_SIZE,
  Roster,
  SCREEN_SHARE_CAPACITY,
  buildView,
  effectivePin,
  orderStage,
  paginate,
  stageCapacity,
  tilesFor,
  togglePin,
} from "../../assets/meet/roster_logic.js";

function user(id, extra = {}) {
  return {
    id,
    name: id.toUpperCase(),
    joined: true,
    raisedHand: false,
    speaking: false,
    transceiverSessionId: `s-${id}`,
    tracks: {
      audio: `s-${id}/mic`,
      audioEnabled: true,
      audioUnavailable: false,
      video: `s-${id}/cam`,
      videoEnabled: true,
      screenshare: null,
      screenShareEnabled: false,
    },
    joinedAt: 100,
    handRaisedAt: 0,
    ...extra,
  };
}

function tile(key, lastActive, kind = "camera") {
  return { key, userId: key.split(":")[0], kind, lastActive };
}

// ---- the roster feed ---------------------------------------------------------

test("a snapshot then numbered changes rebuild the roster", () => {
  const roster = new Roster();
  assert.equal(roster.applySnapshot({ seq: 3, users: [user("a")] }), true);
  const result = roster.applyLog([
    { seq: 3, id: "a", set: { raisedHand: true } }, // already in the snapshot
    { seq: 4, id: "b", put: user("b") },
    { seq: 5, id: "a", set: { tracks: { audioEnabled: false } } },
  ]);
  assert.deepEqual(result, { changed: true, gap: false });
  assert.equal(roster.seq, 5);
  const a = roster.entries.get("a");
  assert.equal(a.raisedHand, false, "a change the snapshot holds is not applied twice");
  assert.equal(a.tracks.audioEnabled, false);
  assert.equal(a.tracks.audio, "s-a/mic", "tracks merge field by field");
  assert.deepEqual(roster.users().map((u) => u.id), ["a", "b"]);
  roster.applyLog([{ seq: 6, id: "a", del: true }]);
  assert.deepEqual(roster.users().map((u) => u.id), ["b"]);
});

test("the same log delivered twice changes nothing the second time", () => {
  const roster = new Roster();
  roster.applySnapshot({ seq: 0, users: [] });
  const log = [{ seq: 1, id: "a", put: user("a") }];
  assert.equal(roster.applyLog(log).changed, true);
  assert.deepEqual(roster.applyLog(log), { changed: false, gap: false });
});

test("a missing change asks for a snapshot and applies nothing past it", () => {
  const roster = new Roster();
  roster.applySnapshot({ seq: 2, users: [user("a")] });
  const result = roster.applyLog([
    { seq: 4, id: "b", put: user("b") },
    { seq: 5, id: "a", del: true },
  ]);
  assert.deepEqual(result, { changed: false, gap: true });
  assert.deepEqual(roster.users().map((u) => u.id), ["a"]);
  assert.equal(roster.seq, 2);
});

test("a log before any snapshot asks for one; a snapshot always wins", () => {
  const roster = new Roster();
  assert.deepEqual(roster.applyLog([{ seq: 1, id: "a", put: user("a") }]), { changed: false, gap: true });
  roster.applySnapshot({ seq: 5, users: [user("a")] });
  // A restarted server numbers from the start again.
  assert.equal(roster.applySnapshot({ seq: 1, users: [user("b")] }), true);
  assert.deepEqual(roster.users().map((u) => u.id), ["b"]);
  // A stale snapshot replayed on reconnect: the log's next change shows the gap.
  roster.applySnapshot({ seq: 9, users: [user("b")] });
  roster.applySnapshot({ seq: 6, users: [] });
  assert.equal(roster.applyLog([{ seq: 10, id: "c", put: user("c") }]).gap, true);
  for (const bad of [null, {}, { seq: "1", users: [] }, { seq: 1, users: "x" }]) {
    assert.equal(roster.applySnapshot(bad), false);
  }
  assert.equal(roster.users().length, 0, "a malformed snapshot changes nothing");
});

test("a log numbered below the tab's roster (the room started again) asks for a snapshot", () => {
  const roster = new Roster();
  roster.applySnapshot({ seq: 40, users: [user("a")] });
  assert.equal(roster.applyLog([{ seq: 1, id: "b", put: user("b") }]).gap, true);
});

// ---- stage rules (Orange's, made stable) ---------------------------------------

test("capacity: 9 per page, 5 while sharing a screen, 2 on narrow screens", () => {
  assert.equal(stageCapacity({ screenSharing: false, narrow: false }), PAGE_SIZE);
  assert.equal(stageCapacity({ screenSharing: true, narrow: false }), SCREEN_SHARE_CAPACITY);
  assert.equal(stageCapacity({ screenSharing: true, narrow: true }), NARROW_CAPACITY);
});

test("tiles: lobby visitors have none, a screen share adds one", () => {
  const sharing = user("b", { tracks: { ...user("b").tracks, screenshare: "s-b/screen", screenShareEnabled: true } });
  const tiles = tilesFor([user("a"), sharing, user("c", { joined: false })], {});
  assert.deepEqual(tiles.map((t) => t.key), ["a:camera", "b:camera", "b:screen"]);
});

test("order: pinned first, then self, screens, then the most recently active", () => {
  const tiles = [tile("a:camera", 1), tile("b:camera", 5), tile("me:camera", 0), tile("c:screen", 2, "screen")];
  const layout = orderStage(tiles, { selfId: "me", pinned: "a:camera", capacity: 9 });
  assert.deepEqual(layout.onStage, ["a:camera", "me:camera", "c:screen", "b:camera"]);
  assert.deepEqual(layout.offStage, []);
});

test("order is stable: tiles keep their places until someone more active waits", () => {
  const tiles = [tile("a:camera", 1), tile("b:camera", 2), tile("c:camera", 3)];
  const previous = ["a:camera", "b:camera"];
  let layout = orderStage(tiles, { selfId: null, previous, capacity: 2 });
  // c is more active than a (the least active on stage): c takes a's place.
  assert.deepEqual(layout.onStage, ["c:camera", "b:camera"]);
  assert.deepEqual(layout.offStage, ["a:camera"]);
  layout = orderStage([tile("a:camera", 5), tile("b:camera", 6), tile("c:camera", 3)], { selfId: null, previous, capacity: 2 });
  assert.deepEqual(layout.onStage, ["a:camera", "b:camera"], "nobody waiting is more active: no reshuffle");
});

test("the same input always gives the same layout", () => {
  const tiles = [tile("x:camera", 1), tile("y:camera", 1), tile("z:camera", 1)];
  const one = orderStage(tiles, { selfId: null, capacity: 2 });
  const two = orderStage([...tiles].reverse(), { selfId: null, capacity: 2 });
  assert.deepEqual(one, two);
});

test("pins: the newest screen share unless dismissed; toggling remembers dismissals", () => {
  const tiles = [tile("a:screen", 1, "screen"), tile("b:screen", 2, "screen"), tile("c:camera", 3)];
  assert.equal(effectivePin(tiles, { pinned: "" }), "b:screen");
  assert.equal(effectivePin(tiles, { pinned: "", dismissed: ["b:screen"] }), "a:screen");
  assert.equal(effectivePin(tiles, { pinned: "c:camera" }), "c:camera");
  assert.equal(effectivePin(tiles, { pinned: "gone:camera", dismissed: ["a:screen", "b:screen"] }), null);
  assert.deepEqual(togglePin("b:screen", { current: "b:screen" }), { pinned: "", dismissed: ["b:screen"] });
  assert.deepEqual(togglePin("b:screen", { current: null, dismissed: ["b:screen"] }), { pinned: "b:screen", dismissed: [] });
});

test("pages: the stage first, then the others in order", () => {
  const pages = paginate({ onStage: ["a", "b"], offStage: ["c", "d", "e"] }, 2);
  assert.deepEqual(pages, [["a", "b"], ["c", "d"], ["e"]]);
  assert.deepEqual(paginate({ onStage: [], offStage: [] }, 9), [[]]);
});

// ---- the tab's view -------------------------------------------------------------

function room(n) {
  return Array.from({ length: n }, (_, i) => user(`u${String(i).padStart(2, "0")}`, { joinedAt: 100 + i }));
}

test("a room of 50: pages of 9, audio for everyone, video for the page shown only", () => {
  const users = room(50);
  const view = buildView(users, { selfId: "u00", page: 1 });
  assert.equal(view.people_count, 50);
  assert.equal(view.pages, Math.ceil(50 / 9));
  assert.equal(view.stage_tiles.length, 9);
  assert.equal(view.stage_tiles[0].id, "u00", "self first");
  assert.equal(view.stage_tiles[0].video_track, "self:camera");
  assert.equal(view.pull_audio.length, 49);
  assert.equal(view.pull_video.length, 8);
  assert.equal(view.overflow_count, 41);
  const page3 = buildView(users, { selfId: "u00", page: 3 });
  assert.equal(page3.stage_tiles.length, 9);
  assert.ok(page3.pull_video.every((id) => !view.pull_video.includes(id)), "another page pulls other videos");
  assert.equal(page3.pull_audio.length, 49);
  assert.equal(buildView(users, { selfId: "u00", page: 99 }).page, 6, "the page is clamped");
  const all = new Set();
  for (let page = 1; page <= view.pages; page += 1) {
    for (const t of buildView(users, { selfId: "u00", page }).stage_tiles) all.add(t.id);
  }
  assert.equal(all.size, 50, "every participant is on some page");
});

test("a camera turned off keeps its audio pull and its place; only its video is not shown", () => {
  const users = room(3);
  const before = buildView(users, { selfId: "u00" });
  users[1] = { ...users[1], tracks: { ...users[1].tracks, videoEnabled: false } };
  const after = buildView(users, { selfId: "u00" });
  assert.deepEqual(after.stage_tiles.map((t) => t.key), before.stage_tiles.map((t) => t.key));
  assert.equal(after.stage_tiles[1].video_track, "");
  assert.deepEqual(after.pull_audio, before.pull_audio);
  assert.deepEqual(after.pull_video, before.pull_video, "its video stays pulled");
});

test("audio-only pulls no video at all and shows other people's avatars", () => {
  const users = room(4);
  const normal = buildView(users, { selfId: "u00" });
  assert.equal(normal.audio_only, false);
  const view = buildView(users, { selfId: "u00", audioOnly: true });
  assert.equal(view.audio_only, true);
  assert.deepEqual(view.pull_video, []);
  assert.deepEqual(view.pull_audio, normal.pull_audio, "everyone is still heard");
  assert.deepEqual(view.stage_tiles.map((t) => t.key), normal.stage_tiles.map((t) => t.key));
  assert.equal(view.stage_tiles[0].video_track, "self:camera", "one's own preview stays");
  assert.ok(view.stage_tiles.slice(1).every((t) => t.video_track === ""));
});

test("a raised hand or the active speaker is brought onto a full stage", () => {
  const users = room(20);
  const first = buildView(users, { selfId: "u00" });
  assert.ok(!first.stage_tiles.some((t) => t.id === "u15"));
  users[15] = { ...users[15], raisedHand: true, handRaisedAt: 500 };
  const hand = buildView(users, { selfId: "u00" });
  assert.ok(hand.stage_tiles.some((t) => t.id === "u15" && t.raised_hand));
  const speaker = buildView(room(20), { selfId: "u00", spokeAt: { u17: 900_000 } });
  assert.ok(speaker.stage_tiles.some((t) => t.id === "u17"));
  assert.equal(speaker.stage_tiles.length, 9);
});

test("a newcomer reorders nothing already on a stage that is not full", () => {
  const users = room(4);
  const before = buildView(users, { selfId: "u02" });
  const after = buildView([...users, user("new", { joinedAt: 1000 })], { selfId: "u02" });
  assert.deepEqual(after.stage_tiles.slice(0, 4).map((t) => t.key), before.stage_tiles.map((t) => t.key));
});

test("the lobby pulls nothing and knows who it is", () => {
  const users = [...room(2), user("me", { joined: false })];
  const view = buildView(users, { selfId: "me" });
  assert.equal(view.in_meeting, false);
  assert.deepEqual(view.pull_audio, []);
  assert.deepEqual(view.pull_video, []);
  assert.equal(view.me.id, "me");
  assert.equal(view.people_count, 2);
  assert.equal(view.mic_on, true);
  assert.equal(buildView([], { selfId: "" }).me, null);
});

test("a lobby visitor knows its own entry from `own`; a member's comes from the roster", () => {
  const own = user("me", { joined: false, tracks: { ...user("me").tracks, audioEnabled: false } });
  const lobby = buildView(room(2), { selfId: "me", own });
  assert.equal(lobby.me.id, "me");
  assert.equal(lobby.mic_on, false);
  assert.equal(lobby.people_count, 2);
  const joined = buildView([...room(2), user("me")], { selfId: "me", own });
  assert.equal(joined.mic_on, true, "the shared roster wins once joined");
  assert.equal(buildView(room(2), { selfId: "other", own }).me, null);
});

test("two people speaking in turn do not swap places on every word", () => {
  const users = room(12);
  const t = 1_000_000;
  const a = buildView(users, { selfId: "u00", spokeAt: { u03: t } });
  assert.ok(a.stage_tiles.some((x) => x.id === "u03"));
  assert.ok(!a.stage_tiles.some((x) => x.id === "u10"));
  const b = buildView(users, { selfId: "u00", spokeAt: { u03: t, u04: t, u05: t, u06: t, u07: t, u08: t, u01: t, u02: t, u10: t + 2000 } });
  assert.ok(!b.stage_tiles.some((x) => x.id === "u10"), "2 s later is not enough");
  const c = buildView(users, { selfId: "u00", spokeAt: { u03: t, u04: t, u05: t, u06: t, u07: t, u08: t, u01: t, u02: t, u10: t + 9000 } });
  assert.ok(c.stage_tiles.some((x) => x.id === "u10"), "9 s later takes a place");
});

test("a microphone or camera this tab could not open: buttons off, own tile shows the initial", () => {
  const users = room(2);
  const fine = buildView(users, { selfId: "u00", devices: { audio: "", video: "" } });
  assert.equal(fine.mic_on, true);
  assert.equal(fine.mic_problem, "");
  assert.equal(fine.stage_tiles[0].video_track, "self:camera");
  const denied = buildView(users, { selfId: "u00", devices: { audio: "permission_denied", video: "no_device" } });
  assert.equal(denied.mic_on, false, "the roster still says on: the button must not");
  assert.equal(denied.camera_on, false);
  assert.equal(denied.mic_problem, "permission_denied");
  assert.equal(denied.camera_problem, "no_device");
  assert.equal(denied.stage_tiles[0].video_track, "", "no blank video: the initial shows");
  assert.equal(denied.stage_tiles[1].video_track, fine.stage_tiles[1].video_track, "others unaffected");
});
