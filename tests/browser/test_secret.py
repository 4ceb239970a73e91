"""The Calls app secret never reaches a browser: not in any served file, page
or state update, even while media runs through the proxy."""

from __future__ import annotations

import gzip
import re
import urllib.request
from pathlib import Path

from playwright.sync_api import expect

from launch.room_page import join, media_ready, own_track_ids, tiles
from launch.servers import ROOT
from tests.browser.conftest import new_room_id

BUILD = ROOT / ".web" / "build" / "client"


def _texts(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def test_secret_is_in_no_served_file(app_server):
    secret = app_server["standin"]["secret"].encode()
    assert secret, "the test needs the stand-in's secret"
    files = [p for p in BUILD.rglob("*") if p.is_file()]
    assert len(files) > 20, "the production build was not found"
    leaking = [str(p.relative_to(BUILD)) for p in files if secret in _texts(p)]
    assert leaking == []
    # What the server actually serves, following the page's own references.
    url = app_server["url"]
    seen: set[str] = set()
    queue = ["/", f"/{new_room_id()}", f"/{new_room_id()}/room"]
    while queue:
        path = queue.pop()
        if path in seen or len(seen) > 400:
            continue
        seen.add(path)
        with urllib.request.urlopen(url + path, timeout=10) as answer:
            body = answer.read()
        assert secret not in body, path
        for ref in re.findall(rb'["\'(](/(?:assets|meet)/[^"\')\s?#]+)', body):
            queue.append(ref.decode())
    assert any(p.endswith(".js") for p in seen)


def test_secret_is_in_no_page_or_state_update(app_server, person):
    secret = app_server["standin"]["secret"]
    url = app_server["url"]
    frames: list[str] = []

    def watch(page):
        page.on(
            "websocket",
            lambda ws: ws.on(
                "framereceived",
                lambda payload: frames.append(
                    payload if isinstance(payload, str) else payload.decode("latin-1")
                ),
            ),
        )

    room = new_room_id()
    ada = person(url, "Ada")
    watch(ada)
    join(ada, url, room)
    media_ready(ada)
    bob = person(url, "Bob")
    watch(bob)
    join(bob, url, room)
    media_ready(bob)
    expect(tiles(ada)).to_have_count(2)
    ada.wait_for_function("() => Object.keys(window.meetMedia.published).length >= 2")
    bob.wait_for_function("() => window.meetMedia.pulled.size >= 2")
    assert own_track_ids(ada)
    # Calls answers (SDP included) did travel through these frames...
    assert any("meetMedia" in frame for frame in frames)
    # ...but the secret never did, nor is it in the pages or the app's log.
    assert not [frame for frame in frames if secret in frame]
    for page in (ada, bob):
        assert secret not in page.content()
        assert secret not in page.evaluate("() => JSON.stringify(localStorage)")
    log = app_server["log"]
    if log.exists():
        assert secret not in log.read_text(errors="replace")
