"""Every documented example of the public component API runs.

The ``Example:`` sections of the building blocks' docstrings are doctests:
each is executed here, so an example that raises (as
``rx.foreach(RoomView.stage_tiles, participant_tile)`` once did) fails.
"""

import doctest
import importlib
import pkgutil

import pytest

import reflex_meet.components as components

MODULES = sorted(m.name for m in pkgutil.iter_modules(components.__path__))


@pytest.mark.parametrize("name", MODULES)
def test_the_docstring_examples_of_each_component_module_run(name):
    module = importlib.import_module(f"reflex_meet.components.{name}")
    result = doctest.testmod(module, report=True, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_the_public_blocks_carry_runnable_examples():
    documented = [
        name
        for name in components.__all__
        if callable(getattr(components, name))
        and ">>>" in (getattr(components, name).__doc__ or "")
    ]
    # The main blocks each show how they are used.
    for block in ("lobby", "room", "participant_tile", "media_controls", "chat_panel"):
        assert block in documented or ">>>" in (
            importlib.import_module(
                getattr(components, block).__module__
            ).__doc__
            or ""
        ), block
