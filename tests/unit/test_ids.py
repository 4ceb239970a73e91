"""The id shapes of core.ids, where copies of them used to disagree."""

import pytest

from reflex_meet.core import ids


@pytest.mark.parametrize(
    ("pattern", "value", "ok"),
    [
        # Session ids: Cloudflare's 32 hex digits, URL-path safe, no dots.
        (ids.SESSION_ID, "2a45361d5fd7cc14eace2b4ec5eb5d5b", True),
        (ids.SESSION_ID, "A_-z" * 32, True),
        (ids.SESSION_ID, "x" * 129, False),
        (ids.SESSION_ID, "..", False),
        (ids.SESSION_ID, "a.b", False),
        (ids.SESSION_ID, "a/b", False),
        (ids.SESSION_ID, "", False),
        # Track names: dots allowed (the policy's rule), 1-64, no slash.
        (ids.TRACK_NAME, "mic.v2", True),
        (ids.TRACK_NAME, "ptt-3f2a", True),
        (ids.TRACK_NAME, "x" * 65, False),
        (ids.TRACK_NAME, "a/b", False),
        # Mids: Chrome's numbers, Firefox's sdparta_N, or #<trackName>.
        (ids.MID, "0", True),
        (ids.MID, "sdparta_3", True),
        (ids.MID, "#ai-generated-voice", True),
        (ids.MID, "a#b", False),
        (ids.MID, "#", False),
        (ids.MID, "x" * 33, False),
        (ids.MID, "0\n", False),
        (ids.PARTICIPANT_ID, "p-1_a", True),
        (ids.PARTICIPANT_ID, "p.1", False),
        (ids.REQUEST_ID, "r" * 33, False),
    ],
)
def test_patterns(pattern, value, ok):
    assert ids.is_id(pattern, value) is ok


@pytest.mark.parametrize("value", [None, 5, b"abc", ["abc"]])
def test_only_strings_are_ids(value):
    assert not ids.is_id(ids.SESSION_ID, value)


def test_the_longest_track_id_fits():
    longest = "s" * 128 + "/" + "t" * 64
    assert len(longest) == ids.MAX_TRACK_ID
