"""Which characters people may write: one checker for names, chat and reports.

Any text people write is accepted: every script (right-to-left included),
combining marks, CJK, emoji with skin tones, variation selectors, flags, tag
sequences (🏴󠁧󠁢󠁳󠁣󠁴󠁿) and zero-width-joiner sequences (👩‍💻), and the zero-width
non-joiner of Persian and Indic scripts ("می‌خواهم"). Refused, everywhere:

* lone UTF-16 surrogates (they cannot be encoded as UTF-8, so they could be
  neither stored nor sent) — kind :data:`SURROGATE`;
* C0/C1 control characters (free text may keep newline and tab) — kind
  :data:`CONTROL`;
* bidirectional embeddings, overrides and isolates (U+202A–U+202E,
  U+2066–U+2069), which reorder what follows them — kind :data:`BIDI`;
* invisible format characters no script needs (zero-width space, word
  joiner, soft hyphen, byte order mark, invisible operators, stray tag
  characters…), and a ZWJ/ZWNJ that is not *between* two visible characters
  (leading, trailing, doubled or beside a space: only good for hiding
  something) — kind :data:`INVISIBLE`;
* noncharacters (U+FDD0–U+FDEF, U+xFFFE, U+xFFFF) — kind
  :data:`NONCHARACTER`.

Names are held to a stricter rule because they identify people and are shown
to everyone: no newlines or tabs, no line/paragraph separators, no
left-to-right/right-to-left marks (U+200E, U+200F, U+061C: invisible, so two
names could look the same), no Hangul fillers or braille blank (invisible
"letters"), and no private-use characters (others' devices cannot show them).
Free text (chat, comments, bug reports) may contain those marks and
private-use characters.

Code points unassigned in this Python's Unicode database are accepted: they
are mostly characters newer than it (Python 3.11 knows Unicode 14, so later
emoji would be refused otherwise).

:func:`find_fault` says what is wrong (or None); :func:`text_problem` turns
that into the :class:`~core.problems.Problem` the validators return; the other
helpers deal with lone surrogates in data that is not people's text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum

from reflex_meet.core.problems import Problem

__all__ = [
    "BIDI",
    "CONTROL",
    "INVISIBLE",
    "NONCHARACTER",
    "PRIVATE_USE",
    "SURROGATE",
    "TextFault",
    "TextRule",
    "find_fault",
    "find_lone_surrogate",
    "has_lone_surrogate",
    "replace_lone_surrogates",
    "text_problem",
]

SURROGATE = "surrogate"
CONTROL = "control"
BIDI = "bidi"
INVISIBLE = "invisible"
NONCHARACTER = "noncharacter"
PRIVATE_USE = "private_use"

ZWNJ = "\u200c"
ZWJ = "\u200d"
_JOINERS = frozenset((ZWNJ, ZWJ))
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Invisible direction marks: fine in free text, refused in names.
_BIDI_MARKS = frozenset("\u200e\u200f\u061c")
# Visible or script-required format characters (Unicode category Cf):
# prepended concatenation marks (Arabic, Syriac, Kaithi number signs) and
# Egyptian hieroglyph format controls.
_SCRIPT_FORMAT = re.compile(
    "[\u0600-\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd"
    "\U00013430-\U0001343f]"
)
# Invisible "letters" that are not Cf: Hangul fillers and the braille blank.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_TAG_CHARS = range(0xE0020, 0xE007F)  # tag space … tag tilde
_CANCEL_TAG = "\U000e007f"
_SURROGATES = re.compile("[\ud800-\udfff]")


class TextRule(Enum):
    """How strict the check is.

    Attributes:
        NAME: A display name: one line, nothing invisible beyond the joiners
            scripts and emoji need.
        FREE_TEXT: A message or report: may keep newlines, tabs, direction
            marks and private-use characters.
    """

    NAME = "name"
    FREE_TEXT = "free_text"


@dataclass(frozen=True)
class TextFault:
    """The first character a text may not contain.

    Attributes:
        kind: One of :data:`SURROGATE`, :data:`CONTROL`, :data:`BIDI`,
            :data:`INVISIBLE`, :data:`NONCHARACTER`, :data:`PRIVATE_USE`.
        char: The character.
        index: Its position in the text (code points).
    """

    kind: str
    char: str
    index: int

    @property
    def code_point(self) -> str:
        """The character as ``U+XXXX``."""
        return f"U+{ord(self.char):04X}"


def _is_noncharacter(code: int) -> bool:
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def _visible_neighbour(char: str | None) -> bool:
    """Whether a joiner may stand beside ``char``: a letter, mark or symbol."""
    if char is None or char in _JOINERS:
        return False
    return unicodedata.category(char)[0] in "LMS"


def _tag_run_end(text: str, start: int) -> int | None:
    """Where the emoji tag sequence whose tags start at ``start`` ends.

    A tag sequence is an emoji (a symbol) followed by tag characters
    U+E0020–U+E007E and ended by CANCEL TAG U+E007F, e.g. the flag of
    Scotland.

    Returns:
        The index after its CANCEL TAG, or None when it is not one.
    """
    if start == 0 or unicodedata.category(text[start - 1]) != "So":
        return None
    end = start
    while end < len(text) and ord(text[end]) in _TAG_CHARS:
        end += 1
    if end < len(text) and text[end] == _CANCEL_TAG:
        return end + 1
    return None


def _format_fault(text: str, index: int, rule: TextRule) -> str | None:
    """The fault kind of the format character (category Cf) at ``index``."""
    char = text[index]
    if char in _BIDI_CONTROLS:
        return BIDI
    if char in _BIDI_MARKS:
        return BIDI if rule is TextRule.NAME else None
    if char in _JOINERS:
        before = text[index - 1] if index > 0 else None
        after = text[index + 1] if index + 1 < len(text) else None
        if _visible_neighbour(before) and _visible_neighbour(after):
            return None
        return INVISIBLE
    if _SCRIPT_FORMAT.fullmatch(char):
        return None
    return INVISIBLE


def _char_fault(text: str, index: int, rule: TextRule) -> str | None:
    char = text[index]
    category = unicodedata.category(char)
    if category == "Cs":
        return SURROGATE
    if category == "Cc":
        if rule is TextRule.FREE_TEXT and char in "\n\t":
            return None
        return CONTROL
    if category == "Cf":
        return _format_fault(text, index, rule)
    if _is_noncharacter(ord(char)):
        return NONCHARACTER
    if rule is TextRule.FREE_TEXT:
        return None
    if category == "Co":
        return PRIVATE_USE
    if category in ("Zl", "Zp"):
        return CONTROL
    if char in _BLANK_LETTERS:
        return INVISIBLE
    return None


def find_fault(text: str, rule: TextRule = TextRule.FREE_TEXT) -> TextFault | None:
    """Find the first character ``text`` may not contain.

    Args:
        text: The text as received.
        rule: :attr:`TextRule.NAME` or :attr:`TextRule.FREE_TEXT`.

    Returns:
        The first fault, or None when the text is acceptable.
    """
    index = 0
    while index < len(text):
        if ord(text[index]) in _TAG_CHARS:  # a whole tag sequence at once
            end = _tag_run_end(text, index)
            if end is None:
                return TextFault(INVISIBLE, text[index], index)
            index = end
            continue
        kind = _char_fault(text, index, rule)
        if kind is not None:
            return TextFault(kind, text[index], index)
        index += 1
    return None


_FAULT_WORDS = {
    CONTROL: "control characters",
    BIDI: "text direction controls",
    INVISIBLE: "invisible formatting characters",
    NONCHARACTER: "Unicode noncharacters",
    PRIVATE_USE: "private-use characters",
}


def text_problem(
    text: str, *, what: str, code: str, rule: TextRule = TextRule.FREE_TEXT
) -> Problem | None:
    """Check ``text`` and describe its first fault as a Problem.

    Args:
        text: The text as received.
        what: What the text is, for people (e.g. ``"name"``, ``"message"``).
        code: The field's code prefix (e.g. ``"name"`` → ``name_control_chars``).
        rule: :attr:`TextRule.NAME` or :attr:`TextRule.FREE_TEXT`.

    Returns:
        None when acceptable; else ``Problem("invalid_text")`` for a lone
        surrogate (not text at all), or ``Problem(f"{code}_control_chars")``
        for any other refused character, its description naming the kind and
        the code point.
    """
    fault = find_fault(text, rule)
    if fault is None:
        return None
    if fault.kind == SURROGATE:
        return Problem(
            "invalid_text",
            f"The {what} is not valid Unicode text "
            f"(a lone surrogate, {fault.code_point}).",
        )
    return Problem(
        f"{code}_control_chars",
        f"The {what} cannot contain {_FAULT_WORDS[fault.kind]} ({fault.code_point}).",
    )


def has_lone_surrogate(text: str) -> bool:
    """Whether ``text`` holds a UTF-16 surrogate (never valid in UTF-8).

    Args:
        text: Any string.

    Returns:
        True when it cannot be encoded as UTF-8.
    """
    return _SURROGATES.search(text) is not None


def replace_lone_surrogates(text: str) -> str:
    """Replace every surrogate with U+FFFD so the text is valid UTF-8.

    Args:
        text: Any string.

    Returns:
        The string, each surrogate replaced by the replacement character.
    """
    return _SURROGATES.sub("\ufffd", text)


def _child_path(path: str, key: object) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{replace_lone_surrogates(str(key))}"


def find_lone_surrogate(value: object, root: str = "") -> str | None:
    """Find a lone surrogate in the keys or strings of JSON-like data.

    Walks iteratively (no recursion limit to hit).

    Args:
        value: Parsed JSON (dicts, lists, strings, numbers…).
        root: The name of ``value`` in the returned path.

    Returns:
        The path of the first string holding one (e.g. ``"diagnostics.a[2]"``;
        a bad key is named with U+FFFD in its place), or None.
    """
    stack: list[tuple[object, str]] = [(value, root)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if has_lone_surrogate(item):
                return path
        elif isinstance(item, dict):
            for key, child in item.items():
                child_path = _child_path(path, key)
                if isinstance(key, str) and has_lone_surrogate(key):
                    return child_path
                stack.append((child, child_path))
        elif isinstance(item, list | tuple):
            stack.extend((child, _child_path(path, i)) for i, child in enumerate(item))
    return None
