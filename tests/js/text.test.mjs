import assert from "node:assert/strict";
import { test } from "node:test";
import { chosenLanguage, fill, meetText } from "../../assets/meet/text.js";

test("fill replaces known placeholders and blanks unknown ones", () => {
  assert.equal(fill("{name} joined ({count})", { name: "Ada", count: 2 }), "Ada joined (2)");
  assert.equal(fill("{name} left", {}), " left");
  assert.equal(fill(undefined, {}), "");
});

test("meetText picks the language, else English, else nothing", () => {
  const table = { en: "Join", de: "Teilnehmen", es: "Unirse" };
  assert.equal(meetText("de", table), "Teilnehmen");
  assert.equal(meetText("es", table), "Unirse");
  assert.equal(meetText("fr", table), "Join");
  assert.equal(meetText("de", { en: "Join" }), "Join");
  assert.equal(meetText("de", { en: "Join", de: "" }), "");
  assert.equal(meetText("de", undefined), "");
  // A translated template is then filled like any other.
  assert.equal(fill(meetText("de", { en: "{n} left", de: "{n} ist weg" }), { n: "Ada" }), "Ada ist weg");
});

test("chosenLanguage reads what the head script chose, English without it", () => {
  const root = (value) => ({ getAttribute: (name) => (name === "data-meet-language" ? value : null) });
  assert.equal(chosenLanguage(root("de")), "de");
  assert.equal(chosenLanguage(root(null)), "en");
  assert.equal(chosenLanguage(root("")), "en");
  assert.equal(chosenLanguage(null), "en");
});
