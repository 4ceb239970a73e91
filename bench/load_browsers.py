"""Two real Chromium tabs join the load driver's full room: does the page work?

Headless Debian Chromium with a fake camera and microphone (the helpers of
:mod:`bench.pages`). Each tab joins through the lobby and publishes through
the null Calls API, which hands browser sessions to the local stand-in. Then:

* each tab shows the other (its tile on stage, or its row in the
  participants panel, which is opened);
* a simulated member raises a hand and both tabs show it (tile or row);
* each tab receives the other's audio; it pages through the stage (next
  page) until the other's tile is on it, and then decodes its video (video is
  pulled for the visible page only).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from playwright.sync_api import Browser, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from bench import pages
from bench.sim import Member, wait_quiet
from reflex_meet.components.labels import DEFAULT_LABELS

__all__ = ["BrowserProof", "prove"]

SHOWS_PERSON = """(id) => !!document.querySelector(
    `[data-testid="participant-tile"][data-participant-id="${id}"],`
    + `[data-testid="participant-row"][data-participant-id="${id}"]`)"""

SHOWS_HAND = """([id, label]) => {
    const tile = document.querySelector(
        `[data-testid="participant-tile"][data-participant-id="${id}"]`);
    if (tile && tile.getAttribute("data-hand") === "raised") return true;
    const row = document.querySelector(
        `[data-testid="participant-row"][data-participant-id="${id}"]`);
    return !!(row && row.querySelector(`[aria-label="${label}"]`));
}"""

ON_STAGE = """(id) => !!document.querySelector(
    '[data-testid="stage"] [data-testid="participant-tile"]'
    + `[data-participant-id="${id}"]`)"""

MAX_PAGES = 10


@dataclass
class TabProof:
    """What one tab showed.

    Attributes:
        name: The tab's display name.
        sees_other: Whether it showed the other tab's participant.
        hand_ms: Time until it showed the simulated member's hand (None: never).
        audio: Whether it received the other's audio.
        video: Whether it decoded the other's video.
        page: The stage page the other's tile was found on (1: the first;
            0: not found).
    """

    name: str
    sees_other: bool = False
    hand_ms: float | None = None
    audio: bool = False
    video: bool = False
    page: int = 0


@dataclass
class BrowserProof:
    """The two tabs' proof in a room of ``members`` simulated members.

    Attributes:
        members: Simulated members in the room.
        tabs: One per tab.
        error: What went wrong, if anything stopped the proof.
    """

    members: int
    tabs: list[TabProof] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        """Whether both tabs showed each other, the hand and each other's media."""
        return (
            not self.error
            and len(self.tabs) == 2
            and all(
                t.sees_other
                and t.hand_ms is not None
                and t.audio
                and t.video is not False
                for t in self.tabs
            )
        )


def _media(
    person: pages.Person, other: pages.Person, other_id: str, timeout_ms: float
) -> TabProof:
    """The other's audio, then its tile on the stage (paging) and its video."""
    proof = TabProof(person.name)
    audio = [[other.tracks["mic"], "audio"]]
    proof.audio = not person.page.evaluate(pages.WAIT_FOR_MEDIA, [audio, timeout_ms])
    proof.page = _page_to(person, other_id)
    if proof.page:
        video = [[other.tracks["camera"], "video"]]
        proof.video = not person.page.evaluate(
            pages.WAIT_FOR_MEDIA, [video, timeout_ms]
        )
    return proof


def _page_to(person: pages.Person, other_id: str) -> int:
    """Click "next page" until the other's tile is on the stage.

    Returns:
        The page it is on (1: the first), 0 when no page showed it.
    """
    page = person.page
    for number in range(1, MAX_PAGES + 1):
        try:
            page.wait_for_function(ON_STAGE, arg=other_id, timeout=2_000)
            return number
        except PlaywrightError:
            pass
        following = page.get_by_test_id("page-next")
        if not following.count() or following.is_disabled():
            return 0
        following.click()
    return 0


def prove(
    base_url: str,
    room: str,
    members: Sequence[Member],
    timeout: float,
    browser: Browser | None = None,
) -> BrowserProof:
    """Two Chromium tabs join ``room`` and check what they show (module docstring).

    Args:
        base_url: The app's URL.
        room: The room the simulated members are in.
        members: The simulated members (the newest raises a hand).
        timeout: Longest wait for each check, in seconds.
        browser: A running Chromium with fake devices (default: launch one).

    Returns:
        What each tab showed.
    """
    if browser is None:
        with sync_playwright() as playwright:
            own = pages.launch(playwright)
            try:
                return prove(base_url, room, members, timeout, own)
            finally:
                own.close()
    result = BrowserProof(len(members))
    with pages.people() as group:
        try:
            for name in ("Chromium A", "Chromium B"):
                person = pages.open_person(browser, base_url, name)
                group.append(person)
                pages.enter_meeting(person, base_url, room)
            ids = [pages.participant_id(person.page) for person in group]
            for person in group:
                person.page.get_by_test_id("toggle-participants").click()
            tabs = []
            for index, person in enumerate(group):
                proof = _media(person, group[1 - index], ids[1 - index], timeout * 1000)
                proof.sees_other = _shows(person, SHOWS_PERSON, ids[1 - index], timeout)
                tabs.append(proof)
            _raise_hand(members, group, tabs, timeout)
            result.tabs = tabs
        except (PlaywrightError, pages.MediaNotReadyError, TimeoutError) as failure:
            result.error = str(failure).splitlines()[0][:300]
    return result


def _shows(person: pages.Person, script: str, arg: object, timeout: float) -> bool:
    try:
        person.page.wait_for_function(script, arg=arg, timeout=timeout * 1000)
    except PlaywrightError:
        return False
    return True


def _raise_hand(
    members: Sequence[Member],
    group: list[pages.Person],
    tabs: list[TabProof],
    timeout: float,
) -> None:
    """The newest simulated member raises a hand; time it in both tabs."""
    member = members[-1]
    clients = [m.client for m in members]
    if member.hand:  # lower it first, so the tabs see a raise
        member.toggle_hand()
        wait_quiet(clients, 0.5, timeout)
    label = DEFAULT_LABELS["hand_raised"]
    started = time.monotonic()
    member.toggle_hand()
    for person, proof in zip(group, tabs, strict=True):
        if _shows(person, SHOWS_HAND, [member.participant, label], timeout):
            proof.hand_ms = (time.monotonic() - started) * 1000
