"""The shipped languages: complete, same placeholders, nothing extra."""

import json
import shutil
import subprocess

import pytest

from reflex_meet.components.labels import (
    DEFAULT_LABELS,
    LANGUAGE_KEY,
    LANGUAGES,
    TRANSLATIONS,
    language_script,
    language_script_code,
    placeholders,
)

OTHERS = [code for code in LANGUAGES if code != "en"]


def test_english_first_and_every_language_has_a_table():
    assert LANGUAGES[0] == "en"
    assert set(TRANSLATIONS) == set(LANGUAGES)
    assert TRANSLATIONS["en"] is DEFAULT_LABELS
    assert {"de", "es"} <= set(LANGUAGES)
    # Language codes and the "language" key cannot be mistaken for labels.
    assert not (set(LANGUAGES) | {LANGUAGE_KEY}) & set(DEFAULT_LABELS)


@pytest.mark.parametrize("code", OTHERS)
def test_no_label_is_missing(code):
    missing = sorted(set(DEFAULT_LABELS) - set(TRANSLATIONS[code]))
    assert missing == [], f"{code} lacks {missing}"


@pytest.mark.parametrize("code", OTHERS)
def test_no_label_english_lacks(code):
    extra = sorted(set(TRANSLATIONS[code]) - set(DEFAULT_LABELS))
    assert extra == [], f"{code} has keys English lacks: {extra}"


@pytest.mark.parametrize("code", OTHERS)
def test_placeholders_are_the_same(code):
    wrong = {
        key: (sorted(placeholders(text)), sorted(placeholders(DEFAULT_LABELS[key])))
        for key, text in TRANSLATIONS[code].items()
        if key in DEFAULT_LABELS
        and placeholders(text) != placeholders(DEFAULT_LABELS[key])
    }
    assert wrong == {}, f"{code}: placeholders differ (theirs, English's): {wrong}"


@pytest.mark.parametrize("code", OTHERS)
def test_texts_are_translated_not_blank(code):
    table = TRANSLATIONS[code]
    assert all(isinstance(text, str) and text.strip() for text in table.values())
    # Mostly translated: only names, symbols and loanwords may stay English.
    same = sorted(key for key in DEFAULT_LABELS if table[key] == DEFAULT_LABELS[key])
    assert len(same) <= 12, f"{code}: left in English: {same}"


def _run_script(script: str, languages: list[str]) -> dict:
    node = shutil.which("node")
    assert node, "node is missing: run scripts/setup.sh"
    harness = f"""
const attrs = {{}}; const classes = new Set();
Object.defineProperty(globalThis, "navigator", {{
  value: {{ languages: {json.dumps(languages)}, language: "" }}, configurable: true,
}});
globalThis.document = {{ documentElement: {{
  set lang(v) {{ attrs.lang = v; }},
  setAttribute: (k, v) => {{ attrs[k] = v; }},
  classList: {{ add: (c) => classes.add(c) }},
}} }};
{script}
console.log(JSON.stringify({{ ...attrs, classes: [...classes] }}));
"""
    done = subprocess.run(
        [node, "-e", harness], capture_output=True, text=True, timeout=30, check=True
    )
    return json.loads(done.stdout)


def test_the_head_script_is_in_a_script_element():
    script = language_script("es")
    assert script.tag == "script"
    assert json.dumps(language_script_code("es")) in str(script)


@pytest.mark.parametrize(
    ("wanted", "chosen"),
    [
        (["de-DE", "en"], "de"),
        (["es-419"], "es"),
        (["fr-FR", "es-MX", "de"], "es"),  # the first shipped one
        (["fr-FR"], "en"),
        (["EN-gb", "de"], "en"),
        ([], "en"),
    ],
)
def test_head_script_picks_the_first_shipped_primary_subtag(wanted, chosen):
    result = _run_script(language_script_code(), wanted)
    assert result["lang"] == chosen
    assert result["data-meet-language"] == chosen
    # The prerendered English page waits hidden only for another language.
    pending = ["meet-lang-pending"] if chosen != "en" else []
    assert result["classes"] == pending


def test_head_script_with_a_forced_language_ignores_the_browser():
    result = _run_script(language_script_code("de"), ["es-ES"])
    assert result == {"lang": "de", "data-meet-language": "de", "classes": []}
    with pytest.raises(ValueError, match="shipped"):
        language_script_code("fr")


def test_the_app_head_gets_one_language_script():
    from types import SimpleNamespace

    from reflex_meet.app import mount

    # Only its head is used (a real rx.App would claim Reflex's registry).
    app = SimpleNamespace(head_components=[])
    mount._use_language(app, None)
    mount._use_language(app, "de")
    scripts = [c for c in app.head_components if c.tag == "script"]
    assert len(scripts) == 1
    assert json.dumps(language_script_code("de")) in str(scripts[0])
