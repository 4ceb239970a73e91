// Unit tests of the chat's pure helpers (run by tests/unit/test_js_logic.py).
import assert from "node:assert/strict";
import { test } from "node:test";
import { linkify, mergeMessages, unreadCount } from "../../assets/meet/chat_logic.js";

test("only http(s) URLs become links, trailing punctuation stays text", () => {
  assert.deepEqual(linkify("see https://example.com/a?b=1. ok"), [
    { type: "text", text: "see " },
    { type: "link", text: "https://example.com/a?b=1", href: "https://example.com/a?b=1" },
    { type: "text", text: ". ok" },
  ]);
  for (const text of ["javascript:alert(1)", "<a href=x>y</a>", "data:text/html,hi", "ftp://x.y"]) {
    assert.ok(linkify(text).every((part) => part.type === "text"), text);
  }
});

test("markup stays plain text", () => {
  const parts = linkify('<img src=x onerror="alert(1)"> http://a.b/<script>');
  assert.equal(parts[0].type, "text");
  assert.equal(parts[0].text, '<img src=x onerror="alert(1)"> ');
  assert.equal(parts[1].href, "http://a.b/");
  assert.equal(parts[2].text, "<script>");
});

test("merge dedups by id and sorts by time", () => {
  const merged = mergeMessages([
    [{ id: 1, sent: 10 }, { id: 2, sent: 20 }],
    [{ id: 2, sent: 20 }, { id: 3, sent: 15 }],
  ]);
  assert.deepEqual(merged.map((m) => m.id), [1, 3, 2]);
  assert.equal(mergeMessages([[{ id: 1, sent: 1 }, { id: 2, sent: 2 }]], 1)[0].id, 2);
});

test("unread counts others' messages after the last seen", () => {
  const messages = [
    { id: 1, sender_id: "a" },
    { id: 2, sender_id: "me" },
    { id: 3, sender_id: "b" },
  ];
  assert.equal(unreadCount(messages, null, "me"), 2);
  assert.equal(unreadCount(messages, 1, "me"), 1);
  assert.equal(unreadCount(messages, 3, "me"), 0);
});
