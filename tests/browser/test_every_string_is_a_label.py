"""Every visible string comes from the labels mapping.

The app is served with a labels file (``MEET_LABELS_FILE``) that wraps every
label of every language in ⟦…⟧, marked with its language (``⟦de·Beitreten⟧``).
Then every page, sheet and dialog is opened and each visible text, and each
accessible name, hint and placeholder, is read: after taking out the ⟦…⟧
parts and what people typed (names, the room), no word may be left. An
English word left over is a string a deployer could not translate. The walk
is done in an English and in a German browser, and every label shown must be
of the browser's language: one left in English in the German walk is a string
compiled into the page instead of looked up in the browser.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from launch.raw_client import RawClient
from launch.servers import free_port, reflex_server, standin_env
from reflex_meet.components.labels import LANGUAGES, TRANSLATIONS
from tests.browser.conftest import new_room_id

PEOPLE = ("Ada", "Bob")
# Key names in the toasts' hotkey hint ("… alt+T"), not words to translate.
KEY_NAMES = ("alt",)

# What the page shows that is not a string of ours: user data and the
# product's own name in third-party markup is handled per entry below.
VISIBLE_STRINGS = """() => {
  const seen = new Set();
  const visible = (el) => {
    if (!el || !el.getClientRects().length) return false;
    const style = getComputedStyle(el);
    return style.visibility !== "hidden" && style.display !== "none";
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentElement;
    if (!parent || ["SCRIPT", "STYLE", "NOSCRIPT"].includes(parent.tagName)) continue;
    // HTML's own mark for what is not to be translated (technical values).
    if (parent.closest('[translate="no"]')) continue;
    const text = node.textContent.trim();
    if (text && visible(parent)) seen.add(text);
  }
  for (const el of document.querySelectorAll("[aria-label], [title], [placeholder], [alt], [aria-roledescription]")) {
    if (!visible(el) && !el.closest("[role=region]")) continue;
    for (const name of ["aria-label", "title", "placeholder", "alt", "aria-roledescription"]) {
      const value = (el.getAttribute(name) || "").trim();
      if (value) seen.add(value);
    }
  }
  if (document.title) seen.add(document.title);
  return [...seen];
}"""

WRAPPED = re.compile(r"⟦[^⟦⟧]*⟧")
WORD = re.compile(r"[^\W\d_]{2,}")


def mark(language: str) -> str:
    """How the wrapped labels of one language begin."""
    return f"{language}·"


def leftovers(strings: list[str], own_words: set[str], language: str) -> list[str]:
    """The strings that still hold a word once labels and user data are out,
    or that show a label of another language."""
    found = []
    for text in strings:
        rest, foreign = text, False
        while WRAPPED.search(rest) and not foreign:  # labels may sit inside labels
            foreign = any(
                not piece[1:].startswith(mark(language))
                for piece in WRAPPED.findall(rest)
            )
            rest = WRAPPED.sub(" ", rest)
        for own in sorted(own_words, key=len, reverse=True):
            rest = rest.replace(own, " ")
        if foreign or WORD.findall(rest):
            found.append(text)
    return found


@pytest.fixture(scope="module")
def wrapped_app(
    logs_dir: Path, standin: dict[str, str], tmp_path_factory
) -> Iterator[str]:
    """The app with every label of every language wrapped in ⟦…⟧."""
    folder = tmp_path_factory.mktemp("labels")
    labels = folder / "wrapped.json"
    wrapped = {
        code: {k: f"⟦{mark(code)}{v}⟧" for k, v in TRANSLATIONS[code].items()}
        for code in LANGUAGES
    }
    labels.write_text(json.dumps(wrapped))
    env = {**standin_env(standin), "MEET_LABELS_FILE": str(labels)}
    with reflex_server(free_port(), logs_dir / "app-labels.log", env) as url:
        yield url


def test_leftovers_finds_words_and_other_languages():
    own = {"Ada"}
    assert leftovers(["⟦en·Join⟧", "Ada ⟦en·(you)⟧", "⟦en·⟦en·x⟧ y⟧"], own, "en") == []
    assert leftovers(["Join"], own, "en") == ["Join"]
    assert leftovers(["⟦en·Join⟧ now"], own, "en") == ["⟦en·Join⟧ now"]
    assert leftovers(["⟦en·Join⟧"], own, "de") == ["⟦en·Join⟧"]
    assert leftovers(["⟦de·⟦en·x⟧ y⟧"], own, "de") == ["⟦de·⟦en·x⟧ y⟧"]


def _check(page: Page, where: str, own_words: set[str], language: str) -> None:
    page.wait_for_timeout(300)  # let a transition settle
    left = leftovers(page.evaluate(VISIBLE_STRINGS), own_words, language)
    assert left == [], f"{where}: text not from the {language} labels: {left}"


@pytest.mark.parametrize(("locale", "language"), [("en-US", "en"), ("de-DE", "de")])
def test_every_visible_string_comes_from_the_labels(
    wrapped_app: str, browser: Browser, locale: str, language: str
):
    url, room = wrapped_app, new_room_id()
    own_words = {*PEOPLE, *KEY_NAMES, room}
    context = browser.new_context(
        locale=locale,
        permissions=["camera", "microphone"],
        viewport={"width": 1280, "height": 800},
    )
    page = context.new_page()

    def check(where: str) -> None:
        _check(page, where, own_words, language)

    page.goto(url + "/")
    expect(page.locator("#display_name")).to_be_visible()
    check("home")
    for _ in range(4):  # the form works once the page is live
        page.locator("#display_name").fill("Ada")
        page.locator("#display_name").press("Enter")
        try:
            page.wait_for_function(
                "() => (localStorage.getItem('meet.display-name') || '').includes('Ada')",
                timeout=5_000,
            )
            break
        except Exception:
            page.goto(url + "/")

    page.goto(f"{url}/{room}")
    expect(page.get_by_test_id("join")).to_be_enabled(timeout=30_000)
    check("lobby")

    bob = RawClient(url, display_name="Bob").join(room)
    try:
        page.get_by_test_id("join").click()
        page.wait_for_url(f"**/{room}/room")
        expect(page.get_by_test_id("participant-tile")).to_have_count(2, timeout=30_000)
        check("meeting")

        page.get_by_test_id("toggle-participants").click()
        expect(page.get_by_test_id("participants-panel")).to_be_visible()
        check("participants")
        page.get_by_test_id("toggle-participants").click()

        page.get_by_test_id("toggle-chat").click()
        expect(page.get_by_test_id("chat-panel")).to_be_visible()
        check("chat")
        page.get_by_test_id("toggle-chat").click()

        page.get_by_test_id("open-settings").click()
        expect(page.get_by_test_id("toggle-sounds")).to_be_visible()
        check("settings")
        page.get_by_test_id("toggle-debug").click()
        page.keyboard.press("Escape")
        expect(page.get_by_test_id("debug-overlay")).to_be_visible()
        check("connection details")
        page.get_by_test_id("debug-close").click()

        page.get_by_test_id("report-bug").click()
        expect(page.get_by_test_id("bug-report-dialog")).to_be_visible()
        check("bug report")
        page.keyboard.press("Escape")

        page.get_by_test_id("leave").click()
        page.wait_for_url("**/feedback**")
        expect(page.get_by_test_id("feedback-skip")).to_be_visible()
        page.get_by_test_id("feedback-send").click()  # nothing chosen: an error
        expect(page.get_by_test_id("feedback-error")).to_be_visible()
        check("feedback")
        page.locator("#issues-no").click()
        page.get_by_test_id("feedback-send").click()
        expect(page.get_by_test_id("feedback-thanks")).to_be_visible()
        check("home after feedback")
    finally:
        bob.close()

    page.goto(f"{url}/no/such/page")
    expect(page.get_by_test_id("not-found")).to_be_visible()
    check("404")
    context.close()
