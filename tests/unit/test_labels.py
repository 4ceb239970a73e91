import pytest
import reflex as rx

from reflex_meet.components.labels import (
    DEFAULT_LABELS,
    LANGUAGES,
    TRANSLATIONS,
    Labels,
    format_label,
    merge,
)


def test_merge_overrides_and_keeps_the_rest():
    labels = merge({"join": "Rejoindre"})
    assert labels["join"] == "Rejoindre"
    assert all(labels.text("join", code) == "Rejoindre" for code in LANGUAGES)
    assert labels.text("leave") == DEFAULT_LABELS["leave"]
    assert labels.text("leave", "de") == TRANSLATIONS["de"]["leave"]
    assert merge(None) is merge() is merge({})
    assert merge(labels) is labels


def test_translated_labels_are_looked_up_in_the_browser():
    labels = merge()
    var = labels["leave"]
    assert isinstance(var, rx.Var)
    code = str(var)
    assert code.startswith("meetText(meetLanguage, ")
    for language in LANGUAGES:
        assert f'"{language}": "{TRANSLATIONS[language]["leave"]}"' in code
    data = var._get_all_var_data()
    assert "const meetLanguage = useMeetLanguage()" in str(data.hooks)
    # The same text in every language needs no lookup.
    assert labels["debug_ice"] == "ICE"
    assert labels["leave"] is var  # built once


def test_one_language_per_language_and_forced():
    labels = merge({"join": "Enter", "de": {"join": "Rein", "leave": "Tschüss"}})
    assert labels.text("join", "de") == "Rein"
    assert labels.text("join", "es") == "Enter"
    assert labels.text("join") == "Enter"
    assert "Tschüss" in str(labels["leave"])

    german = merge(language="de")
    assert german.language == "de"
    assert german["join"] == TRANSLATIONS["de"]["join"]  # plain text, no lookup
    assert merge({"language": "es"})["leave"] == TRANSLATIONS["es"]["leave"]
    # The argument wins over the key; a Labels can be forced afterwards.
    assert merge({"language": "es"}, language="de").language == "de"
    assert merge(labels, language="es")["join"] == "Enter"
    assert merge(labels, language="de")["join"] == "Rein"
    assert merge(labels, language="de") == merge(labels, language="de")


def test_merge_rejects_unknown_keys_languages_and_placeholders():
    with pytest.raises(KeyError, match="jion"):
        merge({"jion": "Join"})
    with pytest.raises(KeyError, match="fr"):
        merge({"fr": {"join": "Rejoindre"}})
    with pytest.raises(KeyError, match="jion"):
        merge({"de": {"jion": "Rein"}})
    with pytest.raises(ValueError, match="shipped languages are en, de, es"):
        merge(language="fr")
    with pytest.raises(ValueError, match="shipped languages"):
        merge({"language": "fr"})
    with pytest.raises(ValueError, match=r"\{nom\}"):
        merge({"joined_notice": "{nom} joined"})
    with pytest.raises(ValueError, match=r"de: 'join' uses \{name\}"):
        merge({"de": {"join": "{name}"}})
    with pytest.raises(TypeError, match="must be a text"):
        merge({"join": 3})
    with pytest.raises(TypeError, match="must map label keys"):
        merge({"de": "Rein"})
    # Fewer placeholders than the default is fine (nothing left unfilled).
    assert merge({"joined_notice": "Someone joined"})["joined_notice"] == (
        "Someone joined"
    )


def test_labels_need_every_key_in_every_language():
    tables = {code: dict(TRANSLATIONS[code]) for code in LANGUAGES}
    del tables["es"]["join"]
    with pytest.raises(ValueError, match="'es' lacks the labels join"):
        Labels(tables)


def test_format_label_plain_and_with_vars():
    assert format_label("Leave") == "Leave"
    assert format_label("{count} people", count=3) is not None
    var = format_label("{count} people", count=rx.Var.create(3))
    assert isinstance(var, rx.Var)
    assert "people" in str(var)
    with pytest.raises(KeyError):
        format_label("{missing}")


def test_format_label_fills_a_translated_label_in_the_browser():
    template = merge()["joined_notice"]
    filled = format_label(template, name=rx.Var.create("Ada"))
    code = str(filled)
    assert code.startswith("fill(meetText(meetLanguage, ")
    assert '["name"] : "Ada"' in code
    assert "useMeetLanguage" in str(filled._get_all_var_data().hooks)
    with pytest.raises(KeyError, match="name"):
        format_label(template)
    assert format_label(merge()["leave"]) is merge()["leave"]


def test_every_template_placeholder_is_documented():
    # The app fills these placeholders; a translation must keep them.
    assert "{count}" in DEFAULT_LABELS["people_in_room_other"]
    assert "{name}" in DEFAULT_LABELS["muted_by_other"]
