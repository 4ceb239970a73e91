import pytest

from reflex_meet.core.problems import Problem
from reflex_meet.core.validation import (
    ROOM_ID_ALPHABET,
    normalise_room_name,
    room_id_from_bytes,
    safe_return_path,
    validate_bool,
    validate_display_name,
    validate_session_id,
    validate_track_id,
)


def code(result):
    assert isinstance(result, Problem), f"expected a refusal, got {result!r}"
    return result.code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ada", "Ada"),
        ("  Ada Lovelace \t", "Ada Lovelace"),
        ("x" * 50, "x" * 50),
        ("Zoë 🎉", "Zoë 🎉"),
        ("李", "李"),
        ("👩‍💻 Ada", "👩‍💻 Ada"),  # ZWJ emoji sequence
        ("👨‍👩‍👧", "👨‍👩‍👧"),
        ("🏴󠁧󠁢󠁳󠁣󠁴󠁿 Iain", "🏴󠁧󠁢󠁳󠁣󠁴󠁿 Iain"),  # tag sequence
        ("مریم می‌خواهد", "مریم می‌خواهد"),  # Persian with a ZWNJ
        ("שרה", "שרה"),
        ("क्‍षमा", "क्‍षमा"),  # Devanagari: ZWJ after a virama
    ],
)
def test_display_name_accepted_and_trimmed(raw, expected):
    assert validate_display_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (None, "name_missing"),
        (42, "name_missing"),
        (["Ada"], "name_missing"),
        ("", "name_missing"),
        ("   \n ", "name_missing"),
        ("x" * 51, "name_too_long"),
        ("  " + "x" * 51 + "  ", "name_too_long"),
        ("Ada\nBob", "name_control_chars"),
        ("Ada\tB", "name_control_chars"),
        ("Eve\u202e", "name_control_chars"),  # bidi override
        ("Z\u200bW", "name_control_chars"),  # zero-width space
        ("bell\x07", "name_control_chars"),
        ("\u202eevE", "name_control_chars"),
        ("Ada\u2066x\u2069", "name_control_chars"),  # bidi isolate
        ("Ada\u200d", "name_control_chars"),  # trailing joiner hides nothing
        ("Ali\u200f", "name_control_chars"),  # right-to-left mark
        ("\u3164", "name_control_chars"),  # Hangul filler (invisible)
        ("Ada\ue000", "name_control_chars"),  # private use
        ("Ada\ud800", "invalid_text"),  # lone surrogate
        ("\udfff", "invalid_text"),
    ],
)
def test_display_name_refused(raw, problem):
    assert code(validate_display_name(raw)) == problem


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("team", "team"),
        ("Team Standup", "team-standup"),
        ("  a   b\tc ", "a-b-c"),
        ("abc-123", "abc-123"),
        ("r" * 64, "r" * 64),
    ],
)
def test_room_name_normalised(raw, expected):
    assert normalise_room_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (None, "room_missing"),
        ("", "room_missing"),
        ("   ", "room_missing"),
        (7, "room_missing"),
        ("r" * 65, "room_too_long"),
        ("a_b", "room_invalid_chars"),
        ("bad/room", "room_invalid_chars"),
        ("café", "room_invalid_chars"),
        ("x<script>", "room_invalid_chars"),
        ("a\x00b", "room_invalid_chars"),
    ],
)
def test_room_name_refused(raw, problem):
    assert code(normalise_room_name(raw)) == problem


def test_room_name_problem_names_the_character():
    result = normalise_room_name("ab!c")
    assert isinstance(result, Problem)
    assert "!" in result.description


def test_room_id_from_bytes():
    room = room_id_from_bytes(bytes(range(8)))
    assert len(room) == 8
    assert set(room) <= set(ROOM_ID_ALPHABET)
    assert normalise_room_name(room) == room
    assert room_id_from_bytes(bytes([1] * 8)) != room_id_from_bytes(bytes([2] * 8))
    with pytest.raises(ValueError):
        room_id_from_bytes(b"short")


@pytest.mark.parametrize("path", ["/abc", "/abc/room", "/a?x=1"])
def test_return_path_same_site(path):
    assert safe_return_path(path) == path


@pytest.mark.parametrize(
    "path",
    [
        None,
        "",
        "abc",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
        "/x\\y",
        "/a\nb",
        "/javascript:alert(1)",
        "/" + "a" * 300,
        5,
    ],
)
def test_return_path_refused(path):
    assert safe_return_path(path) is None


@pytest.mark.parametrize("raw", [True, False])
def test_bool_accepted(raw):
    assert validate_bool(raw) is raw


@pytest.mark.parametrize("raw", [0, 1, "true", None, [], 1.0])
def test_bool_refused(raw):
    assert code(validate_bool(raw)) == "invalid_type"


def test_track_and_session_ids():
    assert validate_track_id("abc-123/mic") == "abc-123/mic"
    assert validate_session_id("s1_2-3") == "s1_2-3"
    # A session id goes into a URL path: no dots (".." would climb it).
    assert code(validate_session_id("..")) == "invalid_format"
    assert code(validate_session_id("s.1")) == "invalid_format"
    assert validate_track_id("abc/mic.v2") == "abc/mic.v2"
    assert code(validate_track_id("a.b/mic")) == "invalid_format"
    assert code(validate_track_id("s/" + "x" * 65)) == "invalid_format"
    assert code(validate_track_id(5)) == "invalid_type"
    assert code(validate_track_id("no-slash")) == "invalid_format"
    assert code(validate_track_id("a/b/c")) == "invalid_format"
    assert code(validate_track_id("s/" + "x" * 300)) == "too_long"
    assert code(validate_track_id("s/<img>")) == "invalid_format"
    assert code(validate_session_id("x" * 129)) == "too_long"
    assert code(validate_session_id("a b")) == "invalid_format"
