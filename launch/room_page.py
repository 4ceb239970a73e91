"""Page helpers for the browser tests: how a person uses the app."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect


def set_display_name(page: Page, base_url: str, name: str) -> None:
    """Type a display name on the home page and wait until it is remembered.

    The page may not be hydrated yet when it first shows (a submit then goes
    nowhere), so the form is retried a few times.
    """
    for _attempt in range(4):
        page.goto(base_url + "/")
        page.get_by_label("Your name").fill(name)
        page.get_by_label("Your name").press("Enter")
        if not name.strip():
            return
        try:
            page.wait_for_function(
                "(n) => (localStorage.getItem('meet.display-name') || '').includes(n)",
                arg=name.strip(),
                timeout=5_000,
            )
            return
        except Exception:
            continue
    raise AssertionError(f"the display name {name!r} was not remembered")


def go_to_lobby(page: Page, base_url: str, room: str) -> None:
    """Open a room's lobby and wait until this tab is in the roster."""
    page.goto(f"{base_url}/{room}")
    expect(page.get_by_test_id("join")).to_be_enabled()


def join(page: Page, base_url: str, room: str) -> None:
    """Go through the lobby into the meeting."""
    go_to_lobby(page, base_url, room)
    page.get_by_test_id("join").click()
    page.wait_for_url(f"**/{room}/room")
    expect(self_tile(page)).to_be_visible()


def tiles(page: Page) -> Locator:
    """All participant tiles on stage."""
    return page.get_by_test_id("participant-tile")


def self_tile(page: Page) -> Locator:
    """This tab's own tile."""
    return page.locator('[data-testid="participant-tile"][data-self="true"]')


def tile_named(page: Page, name: str) -> Locator:
    """The tile of the participant called ``name``."""
    return page.get_by_role("group", name=name, exact=True)


def bridge_update(page: Page, changes: dict) -> None:
    """Send a raw update of one's own entry, as the JS bridge would."""
    page.evaluate("(c) => window.meetBridge.updateOwn(c)", changes)


def media_ready(page: Page, timeout: float = 20_000) -> None:
    """Wait until the tab's media engine has published through Calls."""
    expect(page.get_by_test_id("media-bridge")).to_have_attribute(
        "data-status", "ready", timeout=timeout
    )


def inbound(page: Page) -> dict:
    """Inbound media per pulled track id, from ``getStats()``."""
    return page.evaluate("() => window.meetMedia.inboundStats()")


def own_track_ids(page: Page) -> dict:
    """This tab's announced track ids by name (mic, camera, screen)."""
    return page.evaluate("() => ({...window.meetMedia.published})")


def calls_api(page: Page, op: str, session_id: str | None, body: dict | None) -> dict:
    """Send one Calls request through the bridge; returns the body or the error."""
    return page.evaluate(
        """async ([op, sessionId, body]) => {
            try {
                return {body: await window.meetMedia.api(op, sessionId, body, {rateLimitWaits: 0})};
            } catch (err) {
                return {error: {code: err.code, description: err.description, status: err.status}};
            }
        }""",
        [op, session_id, body],
    )


def open_chat(page: Page) -> None:
    """Open the chat panel (if closed)."""
    if page.get_by_test_id("chat-panel").count() == 0:
        page.get_by_test_id("toggle-chat").click()
    expect(page.get_by_test_id("chat-panel")).to_be_visible()


def send_chat(page: Page, text: str, to: str = "") -> None:
    """Send a chat message (to everyone, or directly to a display name)."""
    open_chat(page)
    if to:
        page.get_by_test_id("chat-recipient").select_option(label=to)
    else:
        page.get_by_test_id("chat-recipient").select_option(value="")
    page.get_by_test_id("chat-input").fill(text)
    page.get_by_test_id("chat-send").click()


def wait_for(page: Page, predicate, what: str, timeout_ms: int = 15_000):
    """Poll ``predicate()`` (which runs Playwright calls) until it is truthy."""
    waited = 0
    while waited < timeout_ms:
        value = predicate()
        if value:
            return value
        page.wait_for_timeout(250)
        waited += 250
    raise AssertionError(f"timed out waiting for {what}")


def stats_for(page: Page, track_id: str) -> dict | None:
    """Inbound stats of one pulled track, if received."""
    return inbound(page).get(track_id)


def assert_media_flows(page: Page, track_id: str, kind: str) -> None:
    """The track is received and its counters rise between two samples."""
    first = wait_for(
        page,
        lambda: (
            (s := stats_for(page, track_id))
            and (
                s["framesDecoded"] > 0 if kind == "video" else s["packetsReceived"] > 0
            )
            and s
        ),
        f"{kind} of {track_id}",
    )
    page.wait_for_timeout(1500)
    second = stats_for(page, track_id)
    if kind == "video":
        assert second["framesDecoded"] > first["framesDecoded"] + 2, (first, second)
        assert second["frameWidth"] > 0
    else:
        assert second["packetsReceived"] > first["packetsReceived"] + 20, (
            first,
            second,
        )


def announced(page: Page) -> dict:
    """This tab's track ids once mic and camera are announced."""
    return wait_for(
        page,
        lambda: (
            (ids := own_track_ids(page)) and "mic" in ids and "camera" in ids and ids
        ),
        "announced tracks",
    )
