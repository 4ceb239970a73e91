"""Label overrides from a file: checked at start-up, clear errors."""

import json

import pytest

from reflex_meet.components.labels import DEFAULT_LABELS, TRANSLATIONS, merge
from reflex_meet.components.labels_file import (
    LabelsFileError,
    labels_from_environment,
    read_labels_file,
)


def write(tmp_path, content) -> str:
    path = tmp_path / "labels.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


def test_no_file_means_the_defaults():
    labels = labels_from_environment({})
    assert labels == merge()
    assert labels.tables["en"] == DEFAULT_LABELS
    assert labels.language is None


def test_a_file_overrides_some_labels(tmp_path):
    path = write(tmp_path, {"join": "Enter", "joined_notice": "{name} is here"})
    labels = labels_from_environment({"MEET_LABELS_FILE": path})
    # A text for every language: the same everywhere, no lookup needed.
    assert labels["join"] == "Enter"
    assert labels["joined_notice"] == "{name} is here"
    assert labels.text("join", "de") == "Enter"
    assert labels.text("leave") == DEFAULT_LABELS["leave"]
    assert labels.text("leave", "de") == TRANSLATIONS["de"]["leave"]


def test_a_file_overrides_one_language_or_forces_one(tmp_path):
    path = write(
        tmp_path,
        {"join": "Enter", "de": {"join": "Rein", "left_notice": "{name} ging"}},
    )
    labels = labels_from_environment({"MEET_LABELS_FILE": path})
    assert labels.text("join", "de") == "Rein"
    assert labels.text("join", "es") == "Enter"
    assert labels.text("left_notice", "de") == "{name} ging"
    assert labels.language is None

    path = write(tmp_path, {"language": "es", "es": {"join": "Entrar"}})
    labels = labels_from_environment({"MEET_LABELS_FILE": path})
    assert labels.language == "es"
    assert labels["join"] == "Entrar"
    assert labels["leave"] == TRANSLATIONS["es"]["leave"]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{not json", "not UTF-8 JSON"),
        ([1, 2], "one JSON object"),
        ({"jion": "Enter"}, "unknown label keys: jion"),
        ({"join": 3}, "'join' must be a non-empty text"),
        ({"join": "  "}, "'join' must be a non-empty text"),
        ({"joined_notice": "Someone joined"}, "placeholders {name}, not none"),
        ({"joined_notice": "{nom} joined"}, "placeholders {name}, not {nom}"),
        ({"fr": {"join": "Rejoindre"}}, "unknown label keys: fr"),
        ({"de": "Rein"}, "'de' must hold an object"),
        ({"de": {"jion": "Rein"}}, "de: unknown label keys: jion"),
        ({"es": {"join": ""}}, "es: 'join' must be a non-empty text"),
        ({"de": {"left_notice": "weg"}}, "de: 'left_notice' must use the placeholders"),
        ({"language": "fr"}, "'language' must be one of en, de, es, not 'fr'"),
    ],
)
def test_a_bad_file_is_refused_with_the_reason(tmp_path, content, says):
    path = write(tmp_path, content)
    with pytest.raises(LabelsFileError) as refused:
        read_labels_file(path)
    assert says in str(refused.value)
    assert path in str(refused.value)


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(LabelsFileError, match="cannot be read"):
        labels_from_environment({"MEET_LABELS_FILE": str(tmp_path / "nope.json")})
