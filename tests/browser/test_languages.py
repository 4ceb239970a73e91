"""The page speaks the browser's language: German, Spanish, else English.

Chromium is started with a locale (``navigator.languages``); home, lobby and
meeting must show that language's labels, ``<html lang>`` must follow, the
prerendered English page must not flash before the switch, and the browser
console must stay free of errors (a hydration mismatch is one).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from reflex_meet.components.labels import TRANSLATIONS
from tests.browser.conftest import new_room_id

DE, ES, EN = TRANSLATIONS["de"], TRANSLATIONS["es"], TRANSLATIONS["en"]

# What the page looked like when the HTML had been parsed, before any module
# ran: the kit's page visible or not, and its heading then.
FIRST_PAINT = """
window.__firstPaint = null;
document.addEventListener("DOMContentLoaded", () => {
  const page = document.querySelector(".meet-page, .meet-room");
  window.__firstPaint = {
    visibility: page ? getComputedStyle(page).visibility : "none",
    heading: document.querySelector("h1")?.textContent ?? null,
  };
});
"""


def _errors(page: Page) -> list[str]:
    found: list[str] = []
    page.on(
        "console",
        lambda message: found.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: found.append(str(error)))
    return found


@pytest.fixture
def open_context(browser: Browser) -> Iterator:
    contexts: list[BrowserContext] = []

    def make(locale: str) -> BrowserContext:
        context = browser.new_context(
            locale=locale,
            permissions=["camera", "microphone"],
            viewport={"width": 1280, "height": 900},
        )
        context.add_init_script(FIRST_PAINT)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def _remember_name(page: Page, url: str, name: str) -> None:
    for _attempt in range(4):  # the form works once the page is live
        page.goto(url + "/")
        page.locator("#display_name").fill(name)
        page.locator("#display_name").press("Enter")
        try:
            page.wait_for_function(
                "(n) => (localStorage.getItem('meet.display-name') || '').includes(n)",
                arg=name,
                timeout=5_000,
            )
            return
        except Exception:
            continue
    raise AssertionError("the display name was not remembered")


def _home(page: Page, url: str, words: dict, language: str) -> None:
    page.goto(url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text(words["home_heading"])
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_test_id("join-room")).to_have_text(words["join_room"])
    expect(page.locator("label[for=display_name]")).to_have_text(words["display_name"])
    expect(page.locator("#room")).to_have_attribute(
        "placeholder", words["room_name_placeholder"]
    )


def test_german_browser_gets_german_home_lobby_and_meeting(app_server, open_context):
    url, room = app_server["url"], new_room_id()
    page = open_context("de-DE").new_page()
    errors = _errors(page)

    _home(page, url, DE, "de")
    # The prerendered (English) page stayed hidden until it spoke German.
    first = page.evaluate("window.__firstPaint")
    assert first["visibility"] == "hidden", first
    expect(page.locator("html")).not_to_contain_class("meet-lang-pending")
    expect(page.locator(".meet-page")).to_be_visible()

    _remember_name(page, url, "Ada")
    page.goto(f"{url}/{room}")
    expect(page.get_by_test_id("join")).to_be_enabled(timeout=30_000)
    expect(page.get_by_test_id("join")).to_have_text(DE["join"])
    expect(page.get_by_role("heading", level=1)).to_have_text(
        DE["lobby_heading"].replace("{room}", room)
    )
    expect(
        page.get_by_text(DE["signed_in_as"].replace("{name}", "Ada"))
    ).to_be_visible()
    expect(page.get_by_role("button", name=DE["copy_link"])).to_be_visible()
    # Labels handed to the browser components (JSX props) too.
    expect(page.get_by_label(DE["mic_level"])).to_be_attached()

    page.get_by_test_id("join").click()
    page.wait_for_url(f"**/{room}/room")
    expect(page.get_by_text(DE["waiting_for_others"])).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("leave")).to_have_accessible_name(DE["leave"])
    expect(page.get_by_role("heading", level=1)).to_have_text(
        DE["room_heading"].replace("{room}", room)
    )
    expect(page.get_by_role("button", name=DE["participants"])).to_be_visible()
    # A label filled in the browser (the own tile's name: "Ada (Sie)").
    page.get_by_test_id("toggle-participants").click()
    expect(page.get_by_test_id("participants-panel")).to_contain_text(
        f"Ada {DE['you']}"
    )
    expect(page.locator("html")).to_have_attribute("lang", "de")
    assert page.title() == DE["app_title"]
    assert errors == [], errors


def test_spanish_browser_gets_spanish_pages(app_server, open_context):
    url, room = app_server["url"], new_room_id()
    page = open_context("es-MX").new_page()
    errors = _errors(page)

    _home(page, url, ES, "es")
    _remember_name(page, url, "Bea")
    page.goto(f"{url}/{room}")
    expect(page.get_by_test_id("join")).to_be_enabled(timeout=30_000)
    expect(page.get_by_test_id("join")).to_have_text(ES["join"])
    expect(page.get_by_role("heading", level=1)).to_have_text(
        ES["lobby_heading"].replace("{room}", room)
    )
    page.get_by_test_id("join").click()
    page.wait_for_url(f"**/{room}/room")
    expect(page.get_by_text(ES["waiting_for_others"])).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("leave")).to_have_accessible_name(ES["leave"])
    assert errors == [], errors


def test_other_languages_get_english_and_the_first_shipped_one_wins(
    app_server, open_context
):
    url = app_server["url"]
    french = open_context("fr-FR").new_page()
    errors = _errors(french)
    _home(french, url, EN, "en")
    first = french.evaluate("window.__firstPaint")
    assert first == {"visibility": "visible", "heading": EN["home_heading"]}, first

    # French first, then Mexican Spanish, then German: Spanish it is.
    context = open_context("fr-FR")
    context.add_init_script(
        "Object.defineProperty(navigator, 'languages', "
        "{get: () => ['fr-FR', 'es-MX', 'de']})"
    )
    mixed = context.new_page()
    errors += _errors(mixed)
    _home(mixed, url, ES, "es")
    assert errors == [], errors
