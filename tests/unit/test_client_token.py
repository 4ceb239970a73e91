"""The websocket guard accepts every token Reflex's frontend makes."""

import uuid
from pathlib import Path

import reflex_base

from security.tokens import is_client_token

STATE_JS = Path(reflex_base.__file__).parent / ".templates/web/utils/state.js"


def test_the_frontend_writes_the_variant_digit_from_8_to_f():
    # state.js generateUUID: (r & 0x7) | 0x8 for the "y" digit.
    assert "(r & 0x7) | 0x8" in STATE_JS.read_text()


def test_every_variant_digit_the_frontend_makes_is_accepted():
    for digit in "89abcdef":
        assert is_client_token(f"fea8012e-3731-4a7f-{digit}7ec-b9bc8a4eaa13"), digit


def test_uuid4_accepted_other_shapes_refused():
    assert is_client_token(str(uuid.uuid4()))
    for token in (
        "fea8012e-3731-4a7f-77ec-b9bc8a4eaa13",  # variant digit below 8
        "fea8012e-3731-3a7f-87ec-b9bc8a4eaa13",  # not version 4
        "FEA8012E-3731-4A7F-87EC-B9BC8A4EAA13",
        "room-" + "0" * 32,
        None,
        12,
    ):
        assert not is_client_token(token), token
