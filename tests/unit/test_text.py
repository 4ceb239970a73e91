"""core/text.py: any text people write passes; what hides or breaks text does not."""

import pytest

from reflex_meet.core.problems import Problem
from reflex_meet.core.text import (
    BIDI,
    CONTROL,
    INVISIBLE,
    NONCHARACTER,
    PRIVATE_USE,
    SURROGATE,
    TextRule,
    find_fault,
    find_lone_surrogate,
    has_lone_surrogate,
    replace_lone_surrogates,
    text_problem,
)

PEOPLES_TEXT = [
    "Ada Lovelace",
    "Zoë Ñúñez",
    "👩‍💻",  # woman technologist: ZWJ sequence
    "👨‍👩‍👧",  # family: two ZWJs
    "👩🏽‍💻",  # skin tone inside a ZWJ sequence
    "🏳️‍🌈",  # variation selector before the ZWJ
    "❤️‍🔥",
    "🏃‍♂️",
    "👁️‍🗨️",
    "👍🏿",  # skin tone modifier
    "🇮🇷🇯🇵",  # flags (regional indicators)
    "🏴󠁧󠁢󠁳󠁣󠁴󠁿",  # Scotland: tag sequence
    "#️⃣",  # keycap
    "می‌خواهم",  # Persian with a zero-width non-joiner
    "نیم‌فاصله",
    "क्‍ष",  # Devanagari: ZWJ after a virama
    "ශ්‍රී ලංකා",  # Sinhala: ZWJ after al-lakuna
    "שלום עולם",  # Hebrew
    "مرحبا بالعالم",  # Arabic
    "\u0601\u0661\u0662",  # Arabic number sign before digits
    "e\u0301\u0308",  # combining marks
    "李小龍 こんにちは 안녕하세요",
    "Ελληνικά кириллица ქართული",
    "\U0001fae8",  # an emoji newer than this Python's Unicode (unassigned here)
]


@pytest.mark.parametrize("text", PEOPLES_TEXT)
@pytest.mark.parametrize("rule", list(TextRule))
def test_peoples_text_is_accepted(text, rule):
    assert find_fault(text, rule) is None
    assert text_problem(text, what="name", code="name", rule=rule) is None


@pytest.mark.parametrize(
    ("text", "kind", "index"),
    [
        ("a\ud800", SURROGATE, 1),
        ("\udfffa", SURROGATE, 0),
        ("nul\x00", CONTROL, 3),
        ("bell\x07", CONTROL, 4),
        ("cr\r", CONTROL, 2),
        ("esc\x1b[31m", CONTROL, 3),
        ("c1\x85", CONTROL, 2),
        ("del\x7f", CONTROL, 3),
        ("Eve\u202e", BIDI, 3),  # right-to-left override
        ("\u202aLRE", BIDI, 0),
        ("a\u202cb", BIDI, 1),  # pop directional formatting
        ("a\u2066b", BIDI, 1),  # left-to-right isolate
        ("a\u2069", BIDI, 1),  # pop directional isolate
        ("Z\u200bW", INVISIBLE, 1),  # zero-width space
        ("a\u2060b", INVISIBLE, 1),  # word joiner
        ("\ufeffBOM", INVISIBLE, 0),
        ("soft\u00adhyphen", INVISIBLE, 4),
        ("a\u2062b", INVISIBLE, 1),  # invisible times
        ("a\u206ab", INVISIBLE, 1),  # deprecated format character
        ("a\U000e0001b", INVISIBLE, 1),  # language tag
        ("\u200dAda", INVISIBLE, 0),  # leading joiner
        ("Ada\u200d", INVISIBLE, 3),  # trailing joiner
        ("Ada\u200c", INVISIBLE, 3),
        ("A\u200d\u200db", INVISIBLE, 1),  # doubled joiner
        ("a \u200cb", INVISIBLE, 2),  # joiner beside a space
        ("1\u200d2", INVISIBLE, 1),  # joiner between digits
        ("a\U000e0067\U000e007f", INVISIBLE, 1),  # tags without an emoji
        ("🏴\U000e0067\U000e0062", INVISIBLE, 1),  # tags never cancelled
        ("🏴\U000e007f", INVISIBLE, 1),  # a lone cancel tag
        ("a\ufdd0", NONCHARACTER, 1),
        ("a\ufffe", NONCHARACTER, 1),
        ("\U0001ffff", NONCHARACTER, 0),
        ("\U0010ffff", NONCHARACTER, 0),
    ],
)
@pytest.mark.parametrize("rule", list(TextRule))
def test_faults_are_found_under_both_rules(text, kind, index, rule):
    fault = find_fault(text, rule)
    assert fault is not None
    assert (fault.kind, fault.index) == (kind, index)
    assert fault.char == text[index]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("a\nb", CONTROL),
        ("a\tb", CONTROL),
        ("a\u2028b", CONTROL),  # line separator
        ("a\u2029b", CONTROL),  # paragraph separator
        ("Ali\u200e", BIDI),  # left-to-right mark
        ("\u200fעלי", BIDI),  # right-to-left mark
        ("a\u061cb", BIDI),  # Arabic letter mark
        ("\ue000", PRIVATE_USE),
        ("\U000f0000", PRIVATE_USE),
        ("\u3164", INVISIBLE),  # Hangul filler: an invisible "letter"
        ("a\u115fb", INVISIBLE),
        ("\u2800", INVISIBLE),  # braille blank
    ],
)
def test_names_are_stricter_than_free_text(text, kind):
    assert find_fault(text, TextRule.FREE_TEXT) is None
    fault = find_fault(text, TextRule.NAME)
    assert fault is not None and fault.kind == kind


def test_free_text_is_the_default_rule():
    assert find_fault("line one\nline two\tend") is None
    assert find_fault("bad\x00") is not None


def test_a_long_run_of_tag_characters_is_checked_in_one_pass():
    run = "🏴" + "\U000e0061" * 4000
    assert find_fault(run + "\U000e007f") is None
    fault = find_fault(run)
    assert fault is not None and fault.index == 1


def test_text_problem_codes_and_descriptions():
    surrogate = text_problem("x\ud83d", what="message", code="chat_text")
    assert surrogate == Problem(
        "invalid_text",
        "The message is not valid Unicode text (a lone surrogate, U+D83D).",
    )
    bidi = text_problem("Eve\u202e", what="name", code="name", rule=TextRule.NAME)
    assert isinstance(bidi, Problem) and bidi.code == "name_control_chars"
    assert "direction" in bidi.description and "U+202E" in bidi.description
    invisible = text_problem("a\u200bb", what="message", code="chat_text")
    assert isinstance(invisible, Problem)
    assert invisible.code == "chat_text_control_chars"
    assert "invisible" in invisible.description and "U+200B" in invisible.description
    control = text_problem("a\x07", what="description", code="bug_text")
    assert isinstance(control, Problem) and control.code == "bug_text_control_chars"
    assert "control characters (U+0007)" in control.description


def test_lone_surrogate_helpers():
    assert has_lone_surrogate("a\udc00")
    assert not has_lone_surrogate("a😀")  # a real astral character is fine
    fixed = replace_lone_surrogates("a\ud800b\udfff")
    assert fixed == "a\ufffdb\ufffd"
    assert fixed.encode("utf-8")


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ({"ok": "fine", "list": [1, "x"]}, None),
        ({"a": "\ud800"}, "diagnostics.a"),
        ({"a": {"b": [0, 1, "ok\udfff"]}}, "diagnostics.a.b[2]"),
        ({"k\ud800": 1}, "diagnostics.k\ufffd"),
        ({"deep": [[[[[[[[[["\ud800"]]]]]]]]]]}, "diagnostics.deep" + "[0]" * 10),
        ("\ud800", "diagnostics"),
    ],
)
def test_find_lone_surrogate_names_where(value, path):
    assert find_lone_surrogate(value, "diagnostics") == path


def test_find_lone_surrogate_walks_without_recursion():
    value: object = "\ud800"
    for _ in range(50_000):
        value = [value]
    found = find_lone_surrogate(value)
    assert found is not None and found.count("[0]") == 50_000
