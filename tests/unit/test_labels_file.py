"""Label overrides from a file: checked at start-up, clear errors."""

import json

import pytest

from reflex_meet.components.labels import DEFAULT_LABELS
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
    assert dict(labels_from_environment({})) == dict(DEFAULT_LABELS)


def test_a_file_overrides_some_labels(tmp_path):
    path = write(tmp_path, {"join": "Enter", "joined_notice": "{name} is here"})
    labels = labels_from_environment({"MEET_LABELS_FILE": path})
    assert labels["join"] == "Enter"
    assert labels["joined_notice"] == "{name} is here"
    assert labels["leave"] == DEFAULT_LABELS["leave"]


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
