import assert from "node:assert/strict";
import { test } from "node:test";
import { fill } from "../../assets/meet/text.js";

test("fill replaces known placeholders and blanks unknown ones", () => {
  assert.equal(fill("{name} joined ({count})", { name: "Ada", count: 2 }), "Ada joined (2)");
  assert.equal(fill("{name} left", {}), " left");
  assert.equal(fill(undefined, {}), "");
});
