"""The meeting fits the screen: 1920×1080, 1280×800 and 360×740, 1 to 6 people.

One room per people count; the page is resized between checks rather than
opening a room per combination. The people besides the browser are raw
Reflex clients (:func:`tests.browser.big_room.join_members`): they show as
avatar tiles, which is all the layout needs.

Each check waits until the page settles (the stage is placed by a
ResizeObserver, a frame after a resize) and then asserts, with the numbers:

* no page scrollbar (``document.scrollingElement`` scroll sizes within the
  client sizes);
* every visible control of the toolbar, Leave and (narrow) More included,
  is inside the viewport;
* the tiles are as many as the stage shows, inside the viewport and above
  the control bar, don't overlap, and keep 16:9 within two pixels.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from launch.raw_client import RawClient
from launch.room_page import go_to_lobby, join, tiles
from tests.browser.big_room import join_members, leave_all
from tests.browser.conftest import new_room_id

VIEWPORTS = [(1920, 1080), (1280, 800), (360, 740)]
NARROW = 640
# Tiles on a stage page on a narrow screen (assets/meet/roster_logic.js).
NARROW_CAPACITY = 2

# Every problem of the current layout, as strings (empty: all good).
PROBLEMS_JS = """
(expected) => {
  const problems = [];
  const W = window.innerWidth, H = window.innerHeight;
  const se = document.scrollingElement;
  if (se.scrollHeight > se.clientHeight) problems.push(`page scrolls vertically: ${se.scrollHeight} > ${se.clientHeight}`);
  if (se.scrollWidth > se.clientWidth) problems.push(`page scrolls horizontally: ${se.scrollWidth} > ${se.clientWidth}`);
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && style.visibility !== 'hidden';
  };
  const inside = (r) => r.left >= -0.5 && r.top >= -0.5 && r.right <= W + 0.5 && r.bottom <= H + 0.5;
  const bar = document.querySelector('[role=toolbar]');
  if (!bar) return ['no toolbar'];
  const barRect = bar.getBoundingClientRect();
  const buttons = [...bar.querySelectorAll('button')].filter(shown);
  const names = buttons.map((b) => b.getAttribute('aria-label') || b.textContent.trim());
  for (const want of expected.controls) {
    if (!names.includes(want)) problems.push(`control ${want} not shown (shown: ${names.join(', ')})`);
  }
  for (const b of buttons) {
    const r = b.getBoundingClientRect();
    if (!inside(r)) problems.push(`control ${b.getAttribute('aria-label')} outside the viewport: ${JSON.stringify(r)}`);
  }
  const centre = (barRect.left + barRect.right) / 2;
  const first = buttons[0].getBoundingClientRect(), last = buttons[buttons.length - 1].getBoundingClientRect();
  if (Math.abs((first.left + last.right) / 2 - centre) > 2) problems.push(`controls not centred: ${first.left}..${last.right} in ${barRect.left}..${barRect.right}`);
  const grid = document.querySelector('[data-testid=stage]');
  if (!grid || !grid.hasAttribute('data-placed')) problems.push('stage not placed yet');
  const tiles = [...document.querySelectorAll('[data-testid=participant-tile]')].map((t) => t.getBoundingClientRect());
  if (tiles.length !== expected.tiles) problems.push(`${tiles.length} tiles, expected ${expected.tiles}`);
  tiles.forEach((r, i) => {
    if (!inside(r)) problems.push(`tile ${i} outside the viewport: ${JSON.stringify(r)}`);
    if (r.bottom > barRect.top + 0.5) problems.push(`tile ${i} under the control bar: ${r.bottom} > ${barRect.top}`);
    if (r.width < 40) problems.push(`tile ${i} too small: ${r.width}`);
    if (Math.abs(r.height - r.width * 9 / 16) > 2) problems.push(`tile ${i} not 16:9: ${r.width}×${r.height}`);
    for (let j = i + 1; j < tiles.length; j += 1) {
      const o = tiles[j];
      if (r.left < o.right - 0.5 && o.left < r.right - 0.5 && r.top < o.bottom - 0.5 && o.top < r.bottom - 0.5) problems.push(`tiles ${i} and ${j} overlap`);
    }
  });
  return problems;
}
"""


def layout_problems(page: Page, expected: dict) -> list[str]:
    """What is wrong with the layout now (empty when nothing)."""
    return page.evaluate(PROBLEMS_JS, expected)


def assert_layout(page: Page, expected: dict, what: str) -> None:
    """Wait until the layout has no problem; fail with the problems seen."""
    try:
        page.wait_for_function(
            f"(e) => ({PROBLEMS_JS})(e).length === 0", arg=expected, timeout=15_000
        )
    except Exception:
        problems = layout_problems(page, expected)
        if problems:
            raise AssertionError(f"{what}: {json.dumps(problems, indent=1)}") from None


def expected_for(width: int, people: int) -> dict:
    """The controls shown and the tiles on the stage at a width."""
    narrow = width <= NARROW
    controls = ["Microphone", "Camera", "Raise hand", "Leave"]
    if narrow:
        controls.append("More options")
    else:
        controls += ["Share screen", "Settings", "Chat", "Participants", "Report a bug"]
    return {
        "controls": controls,
        "tiles": min(people, NARROW_CAPACITY) if narrow else people,
    }


@pytest.fixture
def members(app_server: dict) -> Iterator[list]:
    """Raw-client members to add to a room (closed at the end)."""
    joined: list[RawClient] = []
    yield joined
    leave_all(joined)


def open_room(app_server: dict, person, members: list, people: int) -> Page:
    """Ada in the meeting with ``people - 1`` others; her page once all are on stage."""
    url = app_server["url"]
    room = new_room_id()
    ada = person(url, "Ada")
    if people > 1:
        members += join_members(url, room, people - 1)
    join(ada, url, room)
    ada.set_viewport_size({"width": 1280, "height": 800})
    expect(tiles(ada)).to_have_count(people, timeout=30_000)
    return ada


@pytest.mark.parametrize("people", [1, 2, 3, 6])
def test_the_meeting_fits_every_screen(app_server, person, members, people):
    ada = open_room(app_server, person, members, people)
    for width, height in VIEWPORTS:
        ada.set_viewport_size({"width": width, "height": height})
        assert_layout(
            ada, expected_for(width, people), f"{people} people at {width}×{height}"
        )
    if people == 3:
        # A pinned tile is shown large; everything still fits.
        ada.set_viewport_size({"width": 1280, "height": 800})
        tiles(ada).nth(1).get_by_test_id("pin-toggle").click()
        expect(ada.get_by_test_id("stage")).to_have_attribute("data-layout", "focus")
        for width, height in VIEWPORTS:
            ada.set_viewport_size({"width": width, "height": height})
            assert_layout(
                ada,
                expected_for(width, people),
                f"3 people, one pinned, at {width}×{height}",
            )
        ada.set_viewport_size({"width": 1280, "height": 800})
        sizes = [t.bounding_box()["width"] for t in tiles(ada).all()]
        assert sizes[0] > 2 * max(sizes[1:]), sizes


def rect(page: Page, test_id: str) -> dict:
    """The bounding box of an element by test id."""
    box = page.get_by_test_id(test_id).bounding_box()
    assert box is not None, f"{test_id} is not shown"
    return box


@pytest.mark.parametrize(
    ("toggle", "sheet", "close"),
    [
        ("toggle-participants", "participants-panel", "close-participants"),
        ("toggle-chat", "chat-panel", "close-chat"),
        ("open-settings", "settings-panel", "Close settings"),
    ],
)
def test_panels_are_side_sheets_on_wide_screens_and_full_screen_on_phones(
    app_server, person, members, toggle, sheet, close
):
    ada = open_room(app_server, person, members, 2)
    expected = expected_for(1280, 2)

    # Wide: a side sheet beside the stage; the stage stays visible and fits.
    ada.get_by_test_id(toggle).click()
    expect(ada.get_by_test_id(toggle)).to_have_attribute("aria-pressed", "true")
    panel = rect(ada, sheet)
    assert panel["width"] < 0.4 * 1280, panel
    assert_layout(ada, expected, f"{sheet} open at 1280×800")
    for tile in tiles(ada).all():
        box = tile.bounding_box()
        assert box["x"] + box["width"] <= panel["x"] + 0.5, (box, panel)
        assert box["width"] > 300, box

    # Phone: the same sheet covers the screen; closing it brings the stage back.
    ada.set_viewport_size({"width": 360, "height": 740})
    expect(ada.get_by_test_id(sheet)).to_be_visible()
    ada.wait_for_function(
        """(id) => {
            const r = document.querySelector(`[data-testid="${id}"]`).getBoundingClientRect();
            return r.left <= 0.5 && r.top <= 0.5 && r.width >= innerWidth - 0.5 && r.height >= innerHeight - 0.5;
        }""",
        arg=sheet,
    )
    se = ada.evaluate(
        "() => [document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )
    assert se[0] <= se[1], se
    closer = (
        ada.get_by_role("button", name=close)
        if " " in close
        else ada.get_by_test_id(close)
    )
    closer.click()
    expect(ada.get_by_test_id(sheet)).to_have_count(0)
    expect(ada.get_by_test_id(toggle)).to_have_attribute("aria-pressed", "false")
    assert_layout(ada, expected_for(360, 2), "the stage is back at 360×740")

    # Phone: the panel is opened from the More menu.
    more = ada.get_by_test_id("more-controls")
    more.click()
    expect(more).to_have_attribute("aria-expanded", "true")
    expect(ada.get_by_test_id(toggle)).to_be_visible()
    ada.get_by_test_id(toggle).click()
    expect(ada.get_by_test_id(sheet)).to_be_visible()
    expect(more).to_have_attribute("aria-expanded", "false")
    closer.click()
    expect(ada.get_by_test_id(sheet)).to_have_count(0)
    assert_layout(ada, expected_for(360, 2), "the stage is back at 360×740")
    if toggle == "open-settings":
        # The settings sheet also closes with Escape.
        ada.set_viewport_size({"width": 1280, "height": 800})
        ada.get_by_test_id(toggle).click()
        expect(ada.get_by_test_id(sheet)).to_be_visible()
        ada.keyboard.press("Escape")
        expect(ada.get_by_test_id(sheet)).to_have_count(0)


def test_more_menu_is_keyboard_reachable_and_closes_with_escape(
    app_server, person, members
):
    ada = open_room(app_server, person, members, 1)
    ada.set_viewport_size({"width": 360, "height": 740})
    more = ada.get_by_test_id("more-controls")
    more.focus()
    ada.keyboard.press("Enter")
    expect(more).to_have_attribute("aria-expanded", "true")
    # The first item has the focus; its name is shown in the menu.
    expect(ada.get_by_test_id("screen-share-toggle")).to_be_visible()
    focused = ada.evaluate(
        "() => document.activeElement.closest('#meet-more-group') !== null"
    )
    assert focused
    ada.keyboard.press("Escape")
    expect(more).to_have_attribute("aria-expanded", "false")
    expect(more).to_be_focused()
    expect(ada.get_by_test_id("toggle-chat")).to_be_hidden()


def test_shortcut_hint_only_on_wide_screens_with_a_keyboard(app_server, person):
    url = app_server["url"]
    ada = person(url, "Ada")
    go_to_lobby(ada, url, new_room_id())
    hint = ada.get_by_text("Ctrl/⌘+D microphone")
    expect(hint).to_be_visible()
    ada.set_viewport_size({"width": 360, "height": 740})
    expect(hint).to_be_hidden()


# Buttons whose colour is a blue or green hue (the theme is orange and grey).
OFF_THEME_JS = """
() => {
  const hue = (css) => {
    const m = css.match(/rgba?\\(([\\d.]+), ([\\d.]+), ([\\d.]+)(?:, ([\\d.]+))?\\)/);
    if (!m || (m[4] !== undefined && Number(m[4]) < 0.2)) return null;
    const [r, g, b] = [m[1], m[2], m[3]].map((v) => Number(v) / 255);
    const max = Math.max(r, g, b), min = Math.min(r, g, b);
    if (max === 0 || (max - min) / max < 0.3) return null;  // grey enough
    let h;
    if (max === r) h = ((g - b) / (max - min)) % 6;
    else if (max === g) h = (b - r) / (max - min) + 2;
    else h = (r - g) / (max - min) + 4;
    return (h * 60 + 360) % 360;
  };
  return [...document.querySelectorAll('button')]
    .filter((b) => b.getBoundingClientRect().width > 0)
    .flatMap((b) => ['backgroundColor', 'color'].map((p) => [b, p, getComputedStyle(b)[p]]))
    .filter(([, , c]) => { const h = hue(c); return h !== null && h > 75 && h < 270; })
    .map(([b, p, c]) => `${b.getAttribute('aria-label') || b.textContent.trim()} ${p} ${c}`);
}
"""


def test_controls_chat_and_dialog_follow_the_theme(app_server, person, members):
    ada = open_room(app_server, person, members, 1)
    # Every toggle pressed (hand, chat, participants, settings): still no
    # blue or green control.
    for test_id in ("toggle-hand", "toggle-chat", "toggle-participants"):
        ada.get_by_test_id(test_id).click()
        expect(ada.get_by_test_id(test_id)).to_have_attribute("aria-pressed", "true")
    assert ada.evaluate(OFF_THEME_JS) == []
    accent = ada.evaluate(
        """() => { const d = document.createElement('div');
            d.style.background = 'var(--meet-accent)';
            document.querySelector('.meet-room').append(d);
            const c = getComputedStyle(d).backgroundColor; d.remove(); return c; }"""
    )
    expect(ada.get_by_test_id("toggle-hand")).to_have_css("background-color", accent)

    # Chat: a bordered composer and a real, accent-coloured Send button.
    composer = ada.get_by_test_id("chat-input")
    expect(composer).to_have_css("border-top-style", "solid")
    assert float(composer.evaluate("e => getComputedStyle(e).borderTopWidth")[:-2]) >= 1
    composer.fill("hello")
    send = ada.get_by_test_id("chat-send")
    expect(send).to_have_css("background-color", accent)
    assert send.bounding_box()["height"] >= 36

    # Pin buttons are large enough to hit.
    pin = ada.get_by_test_id("pin-toggle").first.bounding_box()
    assert pin["width"] >= 32 and pin["height"] >= 32, pin

    # The bug-report dialog opens in the middle of the screen.
    ada.get_by_test_id("toggle-chat").click()
    ada.get_by_test_id("toggle-participants").click()
    ada.get_by_test_id("report-bug").click()
    dialog = ada.get_by_test_id("bug-report-dialog")
    expect(dialog).to_be_visible()
    box = dialog.bounding_box()
    assert abs(box["x"] + box["width"] / 2 - 640) <= 2, box
    assert abs(box["y"] + box["height"] / 2 - 400) <= 2, box
    expect(ada.get_by_test_id("bug-report-text")).to_have_css(
        "border-top-style", "solid"
    )
    ada.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
