"""Label overrides from a JSON file, for deployers who change words, not code.

``MEET_LABELS_FILE=/path/labels.json`` holds what ``labels=`` takes
(:func:`components.labels.merge`): ``{"join": "Enter"}`` replaces a label in
every language, ``{"de": {"join": "Rein"}}`` in one language, and
``{"language": "de"}`` shows one language to everybody. The file is checked
at start-up: unknown keys or languages, non-text values and texts whose
``{placeholders}`` differ from the key's stop the start with a message naming
the key, rather than showing a broken page.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path

from reflex_meet.components.labels import (
    DEFAULT_LABELS,
    LANGUAGE_KEY,
    LANGUAGES,
    Labels,
    merge,
)

__all__ = ["LabelsFileError", "labels_from_environment", "read_labels_file"]

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
MAX_FILE_BYTES = 1_000_000


class LabelsFileError(ValueError):
    """The labels file cannot be used; the message says why and where."""


def read_labels_file(path: str | os.PathLike[str]) -> dict[str, object]:
    """Read and check a labels file.

    Args:
        path: A JSON file holding one object: ``{label key: text}``,
            ``{language: {label key: text}}`` and ``{"language": code}``.

    Returns:
        The overrides, checked.

    Raises:
        LabelsFileError: The file is missing, too big, not JSON, not an object,
            or has an unknown key or language, a non-text value or other
            placeholders.
    """
    source = Path(path)
    try:
        raw = source.read_bytes()
    except OSError as failure:
        reason = failure.strerror or type(failure).__name__
        raise LabelsFileError(f"{source}: cannot be read ({reason})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise LabelsFileError(f"{source}: larger than {MAX_FILE_BYTES} bytes")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as failure:
        raise LabelsFileError(f"{source}: not UTF-8 JSON ({failure})") from None
    if not isinstance(data, dict):
        raise LabelsFileError(f"{source}: must hold one JSON object of key: text")
    unknown = sorted(set(data) - set(DEFAULT_LABELS) - set(LANGUAGES) - {LANGUAGE_KEY})
    if unknown:
        raise LabelsFileError(f"{source}: unknown label keys: {', '.join(unknown)}")
    for key, value in data.items():
        if key == LANGUAGE_KEY:
            if value not in LANGUAGES:
                raise LabelsFileError(
                    f"{source}: {LANGUAGE_KEY!r} must be one of "
                    f"{', '.join(LANGUAGES)}, not {value!r}"
                )
        elif key in LANGUAGES:
            if not isinstance(value, dict):
                raise LabelsFileError(
                    f"{source}: {key!r} must hold an object of key: text"
                )
            _check_section(source, value, f"{key}: ")
        else:
            _check_section(source, {key: value}, "")
    return data


def _check_section(source: Path, texts: dict[str, object], where: str) -> None:
    unknown = sorted(set(texts) - set(DEFAULT_LABELS))
    if unknown:
        raise LabelsFileError(
            f"{source}: {where}unknown label keys: {', '.join(unknown)}"
        )
    for key, text in texts.items():
        if not isinstance(text, str) or not text.strip():
            raise LabelsFileError(f"{source}: {where}{key!r} must be a non-empty text")
        wanted = sorted(set(_PLACEHOLDER.findall(DEFAULT_LABELS[key])))
        found = sorted(set(_PLACEHOLDER.findall(text)))
        if found != wanted:
            expected = ", ".join(f"{{{name}}}" for name in wanted) or "none"
            raise LabelsFileError(
                f"{source}: {where}{key!r} must use the placeholders {expected}, "
                f"not {', '.join(f'{{{n}}}' for n in found) or 'none'}"
            )


def labels_from_environment(environ: Mapping[str, str]) -> Labels:
    """The app's labels: every language with ``MEET_LABELS_FILE``'s overrides.

    Args:
        environ: The environment, e.g. ``os.environ``.

    Returns:
        Every label.

    Raises:
        LabelsFileError: The file named is not usable.
    """
    path = environ.get("MEET_LABELS_FILE", "").strip()
    return merge(read_labels_file(path)) if path else merge()
