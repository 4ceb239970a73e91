import pytest
import reflex as rx

from reflex_meet.components.labels import DEFAULT_LABELS, format_label, merge


def test_merge_overrides_and_keeps_the_rest():
    labels = merge({"join": "Rejoindre"})
    assert labels["join"] == "Rejoindre"
    assert labels["leave"] == DEFAULT_LABELS["leave"]
    assert merge(None) is DEFAULT_LABELS


def test_merge_rejects_unknown_keys():
    with pytest.raises(KeyError, match="jion"):
        merge({"jion": "Join"})


def test_format_label_plain_and_with_vars():
    assert format_label("Leave") == "Leave"
    assert format_label("{count} people", count=3) is not None
    var = format_label("{count} people", count=rx.Var.create(3))
    assert isinstance(var, rx.Var)
    assert "people" in str(var)
    with pytest.raises(KeyError):
        format_label("{missing}")


def test_every_template_placeholder_is_documented():
    # The app fills these placeholders; a translation must keep them.
    assert "{count}" in DEFAULT_LABELS["people_in_room_other"]
    assert "{name}" in DEFAULT_LABELS["muted_by_other"]
