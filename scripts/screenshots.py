"""Take the README's screenshots from a running app.

Usage (with the app served, e.g. by ``scripts/run.sh``)::

    python scripts/screenshots.py [--url http://127.0.0.1:3000] [--out docs/screenshots]

Writes ``home.png``, ``lobby.png``, ``meeting.png`` (three people at
1280×800) and ``phone.png`` (the same meeting at 360×740). Chromium's fake
camera and microphone stand in for real devices.
"""

from __future__ import annotations

import argparse
import uuid
from pathlib import Path

from playwright.sync_api import Browser, Page, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--no-sandbox",
    "--allow-loopback-in-peer-connection",
    "--autoplay-policy=no-user-gesture-required",
]
WIDE = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
MAX_BYTES = 200_000
# Patient: a busy machine with three video tabs is slow.
expect.set_options(timeout=60_000)


def open_person(browser: Browser, url: str, name: str) -> Page:
    """A new browser context whose display name is ``name``."""
    context = browser.new_context(
        permissions=["camera", "microphone"], viewport=WIDE, color_scheme="light"
    )
    context.set_default_timeout(90_000)
    page = context.new_page()
    for _attempt in range(4):
        page.goto(url + "/")
        page.get_by_label("Your name").fill(name)
        page.get_by_label("Your name").press("Enter")
        try:
            page.wait_for_function(
                "(n) => (localStorage.getItem('meet.display-name') || '').includes(n)",
                arg=name,
                timeout=5_000,
            )
            return page
        except Exception:  # not hydrated yet: type again
            continue
    raise RuntimeError(f"could not set the name {name!r}")


def join(page: Page, url: str, room: str) -> None:
    """Through the lobby into the meeting."""
    page.goto(f"{url}/{room}")
    expect(page.get_by_test_id("join")).to_be_enabled(timeout=30_000)
    page.get_by_test_id("join").click()
    page.wait_for_url(f"**/{room}/room", timeout=30_000)


def shoot(page: Page, path: Path) -> None:
    """Save a screenshot, checking it stays small."""
    page.wait_for_timeout(1_500)  # let video frames and fonts settle
    page.screenshot(path=str(path), scale="css")
    size = path.stat().st_size
    print(f"{path} {size // 1024} KB")
    if size > MAX_BYTES:
        raise SystemExit(f"{path} is {size} bytes, more than {MAX_BYTES}")


def main() -> None:
    """Take the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:3000")
    parser.add_argument("--out", default="docs/screenshots", type=Path)
    parser.add_argument("--chromium", default=CHROMIUM)
    options = parser.parse_args()
    url = options.url.rstrip("/")
    out: Path = options.out
    out.mkdir(parents=True, exist_ok=True)
    room = "design-review-" + uuid.uuid4().hex[:4]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=options.chromium, args=ARGS
        )
        try:
            home = browser.new_page(viewport=WIDE, color_scheme="light")
            home.set_default_timeout(90_000)
            home.goto(url + "/")
            expect(home.get_by_label("Your name")).to_be_visible()
            shoot(home, out / "home.png")

            ada = open_person(browser, url, "Ada")
            ada.goto(f"{url}/{room}")
            expect(ada.get_by_test_id("media-preview")).to_have_attribute(
                "data-state", "ready", timeout=30_000
            )
            shoot(ada, out / "lobby.png")

            join(ada, url, room)
            bob = open_person(browser, url, "Bob")
            join(bob, url, room)
            join(open_person(browser, url, "Chidi"), url, room)
            bob.get_by_test_id("toggle-hand").click()
            ada.bring_to_front()
            expect(ada.get_by_test_id("participant-tile")).to_have_count(3)
            expect(ada.get_by_test_id("raised-hand-icon")).to_be_visible()
            expect(
                ada.locator('[data-testid="participant-tile"][data-video="on"]')
            ).to_have_count(3)
            shoot(ada, out / "meeting.png")

            ada.set_viewport_size(PHONE)
            shoot(ada, out / "phone.png")
        finally:
            browser.close()


if __name__ == "__main__":
    main()
