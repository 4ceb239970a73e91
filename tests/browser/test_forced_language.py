"""One language for everybody: ``{"language": "es"}`` in MEET_LABELS_FILE.

The same as ``add_pages(app, language="es")``: the pages are built in
Spanish (prerendered too), whatever the browser's language.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from launch.servers import free_port, reflex_server, standin_env
from reflex_meet.components.labels import TRANSLATIONS
from tests.browser.test_languages import FIRST_PAINT

ES = TRANSLATIONS["es"]


@pytest.fixture(scope="module")
def spanish_app(
    logs_dir: Path, standin: dict[str, str], tmp_path_factory
) -> Iterator[str]:
    labels = tmp_path_factory.mktemp("forced") / "labels.json"
    labels.write_text(json.dumps({"language": "es", "es": {"join_room": "¡Vamos!"}}))
    env = {**standin_env(standin), "MEET_LABELS_FILE": str(labels)}
    with reflex_server(free_port(), logs_dir / "app-forced.log", env) as url:
        yield url


def test_a_forced_language_is_built_into_the_page(spanish_app: str, browser: Browser):
    context = browser.new_context(locale="de-DE")
    context.add_init_script(FIRST_PAINT)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(spanish_app + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text(ES["home_heading"])
    expect(page.get_by_test_id("join-room")).to_have_text("¡Vamos!")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    # Prerendered in Spanish: shown at once, nothing to wait for.
    first = page.evaluate("window.__firstPaint")
    assert first == {"visibility": "visible", "heading": ES["home_heading"]}, first
    expect(page.locator("html")).not_to_contain_class("meet-lang-pending")
    assert errors == []
    context.close()
