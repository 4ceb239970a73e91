"""Pure validation of chat text, comments, bug reports, diagnostics and ids."""

from __future__ import annotations

import json

import pytest

from reflex_meet.core.problems import Problem
from reflex_meet.records.validation import (
    MAX_DIAGNOSTICS_BYTES,
    validate_app_version,
    validate_bug_text,
    validate_chat_text,
    validate_comment,
    validate_diagnostics,
    validate_meeting_id,
    validate_participant_id,
    validate_reference,
    validate_track_id,
)


def code(value: object) -> str | None:
    return value.code if isinstance(value, Problem) else None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("hi", "hi"),
        ("  hello there \n", "hello there"),
        ("line one\nline two\tend", "line one\nline two\tend"),
        ("é🙂 ünïcode", "é🙂 ünïcode"),
        ("👩‍💻 shipped it 👨‍👩‍👧 🏴󠁧󠁢󠁳󠁣󠁴󠁿", "👩‍💻 shipped it 👨‍👩‍👧 🏴󠁧󠁢󠁳󠁣󠁴󠁿"),
        ("من می‌خواهم بیایم", "من می‌خواهم بیایم"),  # Persian with ZWNJ
        ("Ali (\u200eعلی) said hi", "Ali (\u200eعلی) said hi"),  # LRM ok in text
        ("שלום\nعالم", "שלום\nعالم"),
        ("x" * 2000, "x" * 2000),
        (" " + "x" * 2000 + " ", "x" * 2000),
    ],
)
def test_chat_text_accepted(raw, expected):
    assert validate_chat_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (None, "invalid_type"),
        (42, "invalid_type"),
        (["hi"], "invalid_type"),
        ("", "chat_text_missing"),
        ("   \n\t ", "chat_text_missing"),
        ("x" * 2001, "chat_text_too_long"),
        ("nul\x00inside", "chat_text_control_chars"),
        ("bell\x07", "chat_text_control_chars"),
        ("carriage\rreturn", "chat_text_control_chars"),
        ("escape\x1b[31m", "chat_text_control_chars"),
        ("zero\u200bwidth", "chat_text_control_chars"),
        ("bidi\u202eoverride", "chat_text_control_chars"),
        ("isolate\u2067x\u2069", "chat_text_control_chars"),
        ("c1\x9bcontrol", "chat_text_control_chars"),
        ("nonchar\uffff", "chat_text_control_chars"),
        ("lone\ud800surrogate", "invalid_text"),
        ("\udc00", "invalid_text"),
    ],
)
def test_chat_text_refused(raw, problem):
    result = validate_chat_text(raw)
    assert code(result) == problem
    assert result.description


def test_comment_is_optional_and_limited():
    assert validate_comment(None) is None
    assert validate_comment("   ") is None
    assert validate_comment(" ok\n") == "ok"
    assert validate_comment("x" * 2000) == "x" * 2000
    assert code(validate_comment("x" * 2001)) == "comment_too_long"
    assert code(validate_comment(5)) == "invalid_type"
    assert code(validate_comment("a\x00b")) == "comment_control_chars"


def test_bug_text():
    assert validate_bug_text(" it broke ") == "it broke"
    assert code(validate_bug_text("")) == "bug_text_missing"
    assert code(validate_bug_text(None)) == "invalid_type"
    assert code(validate_bug_text("x" * 4001)) == "bug_text_too_long"
    assert validate_bug_text("👩‍💻 می‌خواهم") == "👩‍💻 می‌خواهم"
    assert code(validate_bug_text("x\ud800")) == "invalid_text"
    assert code(validate_bug_text("x\u202e")) == "bug_text_control_chars"
    assert code(validate_comment("x\udfff")) == "invalid_text"


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        ({"ua": "\ud800"}, "diagnostics.ua"),
        ({"log": [{"msg": "ok"}, {"msg": "bad\udfff"}]}, "diagnostics.log[1].msg"),
        ({"\ud83d": "key"}, "diagnostics.\ufffd"),
    ],
)
def test_diagnostics_with_a_lone_surrogate_are_refused(raw, where):
    result = validate_diagnostics(raw)
    assert code(result) == "invalid_text"
    assert where in result.description
    assert result.description.encode("utf-8")  # the description itself is sendable


def nested(depth: int) -> dict:
    value: dict = {"leaf": 1}
    for _ in range(depth - 1):
        value = {"n": value}
    return value


def test_diagnostics_accepts_json_objects():
    data = {"browser": "x", "stats": [1, 2.5, None, True], "nested": {"a": {"b": []}}}
    assert validate_diagnostics(data) == data
    assert validate_diagnostics({}) == {}
    assert validate_diagnostics(nested(8)) == nested(8)


def test_diagnostics_depth_counts_lists_too():
    eight = {"a": [[[[[[[1]]]]]]]}  # object + 7 lists = 8 levels
    assert validate_diagnostics(eight) == eight
    nine = {"a": [[[[[[[[1]]]]]]]]}
    assert code(validate_diagnostics(nine)) == "diagnostics_too_deep"
    assert code(validate_diagnostics(nested(9))) == "diagnostics_too_deep"


def test_diagnostics_very_deep_does_not_recurse():
    value: object = 1
    for _ in range(100_000):
        value = [value]
    assert code(validate_diagnostics({"deep": value})) == "diagnostics_too_deep"


@pytest.mark.parametrize("raw", [None, [], "text", 3, [{"a": 1}]])
def test_diagnostics_must_be_an_object(raw):
    assert code(validate_diagnostics(raw)) == "diagnostics_not_object"


def test_diagnostics_size_limit_is_on_the_serialised_form():
    filler = "x" * (
        MAX_DIAGNOSTICS_BYTES - len(json.dumps({"f": ""}, separators=(",", ":")))
    )
    at_limit = {"f": filler}
    assert validate_diagnostics(at_limit) == at_limit
    assert code(validate_diagnostics({"f": filler + "x"})) == "diagnostics_too_large"
    # multi-byte characters count as their UTF-8 escapes (ASCII JSON)
    assert code(validate_diagnostics({"f": "é" * 11000})) == "diagnostics_too_large"


@pytest.mark.parametrize(
    "raw", [{"x": float("nan")}, {"x": float("inf")}, {"x": object()}, {"x": "a\x00"}]
)
def test_diagnostics_must_be_plain_json(raw):
    assert code(validate_diagnostics(raw)) == "diagnostics_invalid"


def test_meeting_id():
    good = "0f8fad5b-d9cb-469f-a165-70867728950e"
    assert validate_meeting_id(good) == good
    assert validate_meeting_id(good.upper()) == good
    for bad in ["", "nope", good.replace("-", ""), "{" + good + "}", good + "x"]:
        assert code(validate_meeting_id(bad)) == "meeting_id_invalid", bad
    assert code(validate_meeting_id(None)) == "invalid_type"


def test_participant_id():
    assert validate_participant_id("a1b2c3d4e5f6") == "a1b2c3d4e5f6"
    assert code(validate_participant_id("")) == "participant_invalid"
    assert code(validate_participant_id("x" * 65)) == "participant_invalid"
    assert code(validate_participant_id("a b")) == "participant_invalid"
    assert code(validate_participant_id(7)) == "invalid_type"


def test_track_id_is_the_core_one():
    assert validate_track_id("sess-1/audio") == "sess-1/audio"
    assert code(validate_track_id("no-slash")) == "invalid_format"
    assert code(validate_track_id(3)) == "invalid_type"


def test_app_version_and_reference():
    assert validate_app_version("1.2.3+abc") == "1.2.3+abc"
    assert code(validate_app_version("")) == "app_version_invalid"
    assert code(validate_app_version("1.0 beta")) == "app_version_invalid"
    assert code(validate_app_version(1)) == "invalid_type"
    assert validate_reference("K3M9XQ2T") == "k3m9xq2t"
    for bad in ["k3m9xq2", "k3m9xq2tt", "k3m9xq2l", "k3m9xq20", "../etc/p"]:
        assert code(validate_reference(bad)) == "reference_invalid", bad
