"""The README's "Add a room to your app" examples run and render.

The host app's code in the README is the example app's file, word for word
(that app is served and used by tests/browser/test_example_host_app.py);
every other example is executed here, and every component it builds is
rendered, so an example that no longer works fails.
"""

import re
from pathlib import Path

import pytest
import reflex as rx
from reflex_base.registry import RegistrationContext

from reflex_meet.core import paths
from reflex_meet.state import registered_app

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
SECTION = README[
    README.index("## Add a room to your app") : README.index("## What it is")
]
BLOCKS = re.findall(r"```python\n(.*?)```", SECTION, re.DOTALL)
HOST_APP = ROOT / "examples" / "host_app" / "host_app" / "host_app.py"


def _without_docstring(source: str) -> str:
    return (
        source.split('"""', 2)[2].lstrip("\n") if source.startswith('"""') else source
    )


def test_the_section_comes_first_and_shows_the_example_apps_code():
    headings = re.findall(r"^## .+", README, re.MULTILINE)
    assert headings[0] == "## Add a room to your app"
    assert BLOCKS[0] == _without_docstring(HOST_APP.read_text())


def _components(value):
    if isinstance(value, rx.Component):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _components(item)


@pytest.mark.parametrize("number", range(1, len(BLOCKS)))
def test_each_building_block_example_runs_and_renders(number):
    token = RegistrationContext.set(RegistrationContext.get().fork())
    try:
        namespace: dict = {}
        exec(compile(BLOCKS[number], f"README block {number}", "exec"), namespace)
        built = [c for v in namespace.values() for c in _components(v)]
        app = namespace.get("app")
        if isinstance(app, rx.App):
            built += [p.component for p in app._unevaluated_pages.values()]
            built = [c() if callable(c) else c for c in built]
        assert built, "the example builds no component"
        for component in built:
            assert component.render()
    finally:
        RegistrationContext.reset(token)
        paths.mount_at("")
        registered_app._app = None


def test_there_are_building_block_examples():
    assert len(BLOCKS) >= 5
