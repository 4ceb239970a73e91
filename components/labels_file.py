"""Label overrides from a JSON file, for deployers who change words, not code.

``MEET_LABELS_FILE=/path/labels.json`` (``{"join": "Enter", ...}``) replaces
any of :data:`components.labels.DEFAULT_LABELS` in the app's pages. The file
is checked at start-up: unknown keys, non-text values and templates whose
``{placeholders}`` differ from the default's stop the start with a message
naming the key, rather than showing a broken page.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path

from reflex_meet.components.labels import DEFAULT_LABELS, Labels, merge

__all__ = ["LabelsFileError", "labels_from_environment", "read_labels_file"]

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
MAX_FILE_BYTES = 1_000_000


class LabelsFileError(ValueError):
    """The labels file cannot be used; the message says why and where."""


def read_labels_file(path: str | os.PathLike[str]) -> dict[str, str]:
    """Read and check a labels file.

    Args:
        path: A JSON file holding one object of ``{label key: text}``.

    Returns:
        The overrides, checked.

    Raises:
        LabelsFileError: The file is missing, too big, not JSON, not an object,
            or has an unknown key, a non-text value or other placeholders.
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
    unknown = sorted(set(data) - set(DEFAULT_LABELS))
    if unknown:
        raise LabelsFileError(f"{source}: unknown label keys: {', '.join(unknown)}")
    for key, text in data.items():
        if not isinstance(text, str) or not text.strip():
            raise LabelsFileError(f"{source}: {key!r} must be a non-empty text")
        wanted = sorted(set(_PLACEHOLDER.findall(DEFAULT_LABELS[key])))
        found = sorted(set(_PLACEHOLDER.findall(text)))
        if found != wanted:
            expected = ", ".join(f"{{{name}}}" for name in wanted) or "none"
            raise LabelsFileError(
                f"{source}: {key!r} must use the placeholders {expected}, "
                f"not {', '.join(f'{{{n}}}' for n in found) or 'none'}"
            )
    return data


def labels_from_environment(environ: Mapping[str, str]) -> Labels:
    """The app's labels: the defaults with ``MEET_LABELS_FILE``'s overrides.

    Args:
        environ: The environment, e.g. ``os.environ``.

    Returns:
        Every label.

    Raises:
        LabelsFileError: The file named is not usable.
    """
    path = environ.get("MEET_LABELS_FILE", "").strip()
    return merge(read_labels_file(path)) if path else merge()
