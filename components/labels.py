"""Every user-facing string of the components, in English, German and Spanish.

:data:`DEFAULT_LABELS` is English; :data:`TRANSLATIONS` adds German
(``labels_de.py``) and Spanish (``labels_es.py``), each with every key and
the same ``{placeholders}``. The page is built once, for everybody: a
label compiles to a lookup that the browser does (``assets/meet/i18n.js``),
in the language chosen from ``navigator.languages`` before the first paint
(the first whose primary subtag is shipped, else English). No server round
trip, no state var per string.

Components take ``labels=``, which :func:`merge` reads. It may hold:

* ``{"join": "Enter"}``: that text for every language;
* ``{"de": {"join": "Rein"}}``: that text for one language (applied after
  the texts for every language);
* ``{"language": "de"}``: one language for everybody (no lookup at all);
* a :class:`Labels` (what :func:`merge` and ``add_pages`` return), as is.

Unknown keys and languages are refused; an override may use only the
placeholders of its key. ``labels[key]`` is a ``str`` when the text is the
same in every language (or one language is forced), otherwise a string var;
both go wherever a component takes text. :func:`format_label` fills
placeholders, on the client.

Example:
    >>> from reflex_meet.components import labels
    >>> mine = labels.merge({"join": "Enter", "de": {"leave": "Tschüss"}})
    >>> mine["join"], mine.text("leave", "de"), mine.text("leave")
    ('Enter', 'Tschüss', 'Leave')
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

import reflex as rx
from reflex.vars.base import Var
from reflex_base.utils.imports import ImportVar
from reflex_base.vars import VarData

__all__ = [
    "DEFAULT_LABELS",
    "LANGUAGES",
    "TRANSLATIONS",
    "Labels",
    "format_label",
    "language_script",
    "language_script_code",
    "merge",
    "placeholders",
]

DEFAULT_LABELS: Mapping[str, str] = MappingProxyType(
    {
        # Home
        "app_title": "Meet",
        "notifications": "Notifications",
        "home_heading": "Meet with anyone, right in the browser",
        "display_name": "Your name",
        "display_name_placeholder": "How others will see you",
        "save_name": "Save name",
        "new_room": "New room",
        "room_name": "Room name",
        "room_name_placeholder": "e.g. team-standup",
        "join_room": "Join room",
        "name_required_notice": "Enter your name to continue to the room.",
        "home_tagline": (
            "Video meetings that open in a tab: no account, no download. "
            "Pick a name, start a room, share the link."
        ),
        "home_feature_private": "Only people with the link can join",
        "home_feature_devices": "Check your camera and microphone before you join",
        "home_feature_together": "Screen sharing, chat and raised hands",
        "home_or": "or join a room by name",
        "toggle_color_mode": "Switch between light and dark mode",
        # Validation problems (keys are the Problem codes from core.validation)
        "name_missing": "Please enter your name.",
        "name_too_long": "Your name can be at most 50 characters.",
        "name_control_chars": "Your name contains characters that can't be shown.",
        "invalid_text": "That text is not valid Unicode (a lone surrogate).",
        "room_missing": "Please enter a room name.",
        "room_too_long": "Room names can be at most 64 characters.",
        "room_invalid_chars": (
            "Room names may only use letters a–z, digits 0–9 and dashes."
        ),
        # Lobby
        "lobby_heading": "Ready to join {room}?",
        "people_in_room_zero": "Nobody is in the room yet",
        "people_in_room_one": "1 person in the room",
        "people_in_room_other": "{count} people in the room",
        "join": "Join",
        "copy_link": "Copy link",
        "link_copied": "Link copied",
        "signed_in_as": "Joining as {name}",
        "change_name": "Change name",
        "mic_level": "Microphone level",
        "camera_off": "Camera is off",
        "camera_preview": "Camera preview",
        "error_permission_denied": (
            "The browser was not allowed to use your camera or microphone. "
            "Allow access in the address bar, then reload."
        ),
        "error_no_device": "No camera or microphone was found.",
        "error_device_busy": (
            "Your camera or microphone is being used by another application."
        ),
        "error_unsupported": "This browser cannot use a camera or microphone here.",
        "error_unknown": "Your camera or microphone could not be started.",
        "preview_starting": "Starting your camera and microphone…",
        "permission_title": "Allow your camera and microphone",
        "permission_body": (
            "Your browser will now ask to use your camera and microphone, so "
            "that others can see and hear you. You can turn them off at any time."
        ),
        "permission_continue": "Continue",
        "mic_blocked": (
            "Microphone blocked: allow it in the browser's address bar, then reload."
        ),
        "camera_blocked": (
            "Camera blocked: allow it in the browser's address bar, then reload."
        ),
        "mic_missing": "No microphone was found.",
        "camera_missing": "No camera was found.",
        "mic_busy": "Your microphone is being used by another application.",
        "camera_busy": "Your camera is being used by another application.",
        "mic_unavailable": "Your microphone could not be started.",
        "camera_unavailable": "Your camera could not be started.",
        # Room
        "room_heading": "Meeting in {room}",
        "controls": "Meeting controls",
        "microphone": "Microphone",
        "camera": "Camera",
        "turn_mic_on": "Turn microphone on",
        "turn_mic_off": "Turn microphone off",
        "turn_camera_on": "Turn camera on",
        "turn_camera_off": "Turn camera off",
        "raise_hand": "Raise hand",
        "lower_hand": "Lower hand",
        "participants": "Participants",
        "close_participants": "Close participants",
        "leave": "Leave",
        "you": "(you)",
        "mic_off": "Microphone off",
        "mic_on": "Microphone on",
        "hand_raised": "Hand raised",
        "speaking": "Speaking",
        "mute": "Mute",
        "mute_title": "Mute {name}?",
        "mute_body": "Only {name} can turn their microphone back on.",
        "cancel": "Cancel",
        "confirm_mute": "Mute",
        "muted_by_other": "You were muted by {name}.",
        "joined_notice": "{name} joined",
        "left_notice": "{name} left",
        "timed_out_notice": "{name} lost connection",
        "stage": "Participants on stage",
        "more_participants": "+{count} more",
        "stage_pages": "Stage pages",
        "previous_page": "Previous page",
        "next_page": "Next page",
        "page_indicator": "Page {page} of {pages}",
        "not_in_room": "You are no longer in this room.",
        "shortcuts_hint": "Ctrl/⌘+D microphone · Ctrl/⌘+E camera",
        "microphone_shortcut": "Microphone (Ctrl/⌘+D)",
        "camera_shortcut": "Camera (Ctrl/⌘+E)",
        "more_controls": "More options",
        "waiting_for_others": "Waiting for others to join…",
        # Whole-page states
        "offline_heading": "You are offline",
        "offline_body": (
            "The connection to the server was lost. This page reconnects by "
            "itself as soon as it can."
        ),
        "offline_retrying": "Reconnecting…",
        "not_found_heading": "Page not found",
        "not_found_body": "There is nothing at this address.",
        "go_home": "Go to the home page",
        # Media
        "share_screen": "Share screen",
        "stop_sharing": "Stop sharing",
        "screen_of": "{name}'s screen",
        "pin": "Pin {name}",
        "unpin": "Unpin {name}",
        "settings": "Settings",
        "close_settings": "Close settings",
        "speaker": "Speaker",
        "device_default": "System default",
        "video_of": "Video of {name}",
        "connection_lost": "Connection lost. Reconnecting…",
        "reconnected": "Reconnected",
        "unstable_connection": (
            "Your connection is unstable: others may not hear or see you well."
        ),
        "media_error": "Media could not start: {description}",
        "media_connecting": "Connecting media…",
        "quality_poor": "Poor connection",
        "quality_bad": "Bad connection",
        # Cues, audio-only, meeting id, debug overlay
        "muted_hint": "Are you talking? You are muted.",
        "unmute": "Unmute",
        "auto_muted": "You joined muted: more than 5 people are here.",
        "sounds": "Join and leave sounds",
        "audio_only": "Audio only",
        "meeting_id": "Meeting ID",
        "copy_meeting_id": "Copy meeting ID",
        "meeting_id_copied": "Meeting ID copied",
        "debug": "Connection details",
        "debug_close": "Close connection details",
        "debug_connection": "Connection",
        "debug_ice": "ICE",
        "debug_rtt": "Round trip",
        "debug_bandwidth": "Available upload",
        "debug_track": "Track",
        "debug_in": "↓",
        "debug_out": "↑",
        "debug_bitrate": "Bitrate",
        "debug_loss": "Packet loss",
        "debug_no_connection": "Media is not connected yet.",
        # After a meeting
        "feedback_heading": "Did you experience any issues?",
        "feedback_yes": "Yes",
        "feedback_no": "No",
        "feedback_comment": "Anything you want to tell us? (optional)",
        "feedback_send": "Send",
        "feedback_skip": "Skip",
        "feedback_choice_missing": "Please choose yes or no.",
        "comment_too_long": "Your comment can be at most 2000 characters.",
        "comment_control_chars": "Your comment has characters that can't be saved.",
        "feedback_failed": "Your answer could not be saved. Try again.",
        "feedback_thanks": "Thank you for your feedback.",
        # Bug reports
        "report_bug": "Report a bug",
        "report_bug_heading": "Report a bug",
        "report_bug_body": (
            "Describe what went wrong. Technical details about this call are "
            "attached automatically (no passwords or keys)."
        ),
        "report_bug_description": "What happened?",
        "report_bug_send": "Send report",
        "report_bug_sent": "Thank you. Your reference is {reference}.",
        "report_bug_failed": "The report could not be sent: {description}",
        "close": "Close",
        # Chat
        "chat": "Chat",
        "close_chat": "Close chat",
        "chat_messages": "Messages",
        "chat_empty": "No messages yet.",
        "chat_unread": "{count} unread",
        "direct_to": "Direct message to {name}",
        "direct_from": "{name} (direct message)",
        "you_said": "You",
        "send_to": "Send to",
        "everyone": "Everyone",
        "message": "Message",
        "send": "Send",
        "new_message": "{name}: {text}",
        "new_direct_message": "Direct message from {name}: {text}",
        "chat_rate_limited": "You are sending messages too fast. Wait a moment.",
        "chat_text_missing": "Write a message first.",
        "chat_text_too_long": "Messages can be at most 2000 characters.",
        "chat_text_control_chars": "That message has characters that can't be sent.",
        "chat_not_joined": "Join the meeting to chat.",
        "chat_recipient_gone": "That person is not in the meeting any more.",
        "records_unavailable": "This cannot be saved right now. Try again.",
        # The AI participant (components/ai.py)
        "invite_ai": "Invite AI",
        "invite_ai_title": "Invite an AI assistant",
        "invite_ai_description": (
            "The AI joins as a participant everyone hears. Hold the talk "
            "button (or the A key) to speak to it; one person at a time."
        ),
        "ai_instructions": "Instructions",
        "ai_voice": "Voice",
        "ai_invite_submit": "Invite",
        "ai_cancel": "Cancel",
        "ai_connecting": "The AI is joining…",
        "remove_ai": "Remove AI",
        "ai_talk": "Hold to talk to the AI",
        "ai_talk_hint": "Hold to talk to the AI (or hold the A key)",
        "ai_other_talking": "{name} is talking to the AI",
        "ai_error": "AI: {error}",
    }
)


# Imported here, after DEFAULT_LABELS, so the tables can be checked against it.
from reflex_meet.components.labels_de import LABELS as _GERMAN  # noqa: E402
from reflex_meet.components.labels_es import LABELS as _SPANISH  # noqa: E402

# The shipped languages, English (the built page's language) first.
LANGUAGES: tuple[str, ...] = ("en", "de", "es")
BUILT_LANGUAGE = "en"
# Every label by language.
TRANSLATIONS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "en": DEFAULT_LABELS,
        "de": MappingProxyType(dict(_GERMAN)),
        "es": MappingProxyType(dict(_SPANISH)),
    }
)
# The key of ``labels=`` that forces one language.
LANGUAGE_KEY = "language"

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def placeholders(template: str) -> set[str]:
    """Return the names of a template's ``{placeholders}``.

    Args:
        template: A label text.

    Returns:
        The placeholder names.
    """
    return set(_PLACEHOLDER.findall(template))


@functools.cache
def _lookup_data() -> VarData:
    # Resolved on first use: shipped() links the browser files into the app.
    from reflex_meet.browser import shipped

    return VarData(
        hooks={"const meetLanguage = useMeetLanguage()": None},
        imports={
            shipped("i18n.js"): [ImportVar(tag="useMeetLanguage")],
            shipped("text.js"): [ImportVar(tag="meetText")],
        },
    )


def _check_language(language: Any) -> str:
    if language not in LANGUAGES:
        msg = (
            f"Unknown language {language!r}: the shipped languages are "
            f"{', '.join(LANGUAGES)}"
        )
        raise ValueError(msg)
    return language


def _check_text(key: str, text: Any, where: str) -> str:
    if key not in DEFAULT_LABELS:
        msg = f"Unknown label keys: {key}"
        raise KeyError(msg)
    if not isinstance(text, str):
        msg = f"{where}{key!r} must be a text, not {type(text).__name__}"
        raise TypeError(msg)
    extra = placeholders(text) - placeholders(DEFAULT_LABELS[key])
    if extra:
        allowed = ", ".join(
            f"{{{n}}}" for n in sorted(placeholders(DEFAULT_LABELS[key]))
        )
        msg = (
            f"{where}{key!r} uses {', '.join(f'{{{n}}}' for n in sorted(extra))}, "
            f"but only {allowed or 'no placeholders'} can be filled"
        )
        raise ValueError(msg)
    return text


class Labels(Mapping[str, Any]):
    """Every label in every shipped language, overrides applied (read-only).

    ``labels[key]`` is what a component shows: the text itself when it is
    the same in every language (or a language is forced), otherwise a
    string var that the browser resolves in the page's language.
    """

    __slots__ = ("_cache", "_language", "_tables")

    def __init__(
        self,
        tables: Mapping[str, Mapping[str, str]],
        language: str | None = None,
    ) -> None:
        """Hold complete tables (use :func:`merge` to build them).

        Args:
            tables: Every label by language, for each of :data:`LANGUAGES`.
            language: One language for everybody, or ``None`` (the browser's).

        Raises:
            ValueError: A language is missing a label or unknown.
        """
        if language is not None:
            _check_language(language)
        for code in LANGUAGES:
            missing = set(DEFAULT_LABELS) - set(tables.get(code, {}))
            if missing:
                msg = f"{code!r} lacks the labels {', '.join(sorted(missing))}"
                raise ValueError(msg)
        self._tables = MappingProxyType(
            {code: MappingProxyType(dict(tables[code])) for code in LANGUAGES}
        )
        self._language = language
        self._cache: dict[str, Any] = {}

    @property
    def language(self) -> str | None:
        """The forced language, or ``None`` when the browser's is used."""
        return self._language

    @property
    def tables(self) -> Mapping[str, Mapping[str, str]]:
        """Every label text by language (overrides applied)."""
        return self._tables

    def text(self, key: str, language: str | None = None) -> str:
        """Return one label's plain text in one language.

        Args:
            key: The label key.
            language: The language (default: the forced one, else English).

        Returns:
            The text.

        Raises:
            KeyError: ``key`` is not a label.
            ValueError: ``language`` is not shipped.
        """
        code = _check_language(language or self._language or BUILT_LANGUAGE)
        return self._tables[code][key]

    def __getitem__(self, key: str) -> Any:
        """Return the label for a component: a ``str`` or a string var.

        Args:
            key: The label key.

        Returns:
            The text, or a var the browser resolves in the page's language.

        Raises:
            KeyError: ``key`` is not a label.
        """
        if key in self._cache:
            return self._cache[key]
        if key not in DEFAULT_LABELS:
            raise KeyError(key)
        texts = {code: self._tables[code][key] for code in LANGUAGES}
        if self._language is not None:
            value: Any = texts[self._language]
        elif len(set(texts.values())) == 1:
            value = texts[BUILT_LANGUAGE]
        else:
            table = json.dumps(texts, ensure_ascii=False)
            value = Var(
                _js_expr=f"meetText(meetLanguage, {table})",
                _var_data=_lookup_data(),
            ).to(str)
        self._cache[key] = value
        return value

    def __iter__(self) -> Iterator[str]:
        """Iterate over the label keys."""
        return iter(DEFAULT_LABELS)

    def __len__(self) -> int:
        """Return how many labels there are."""
        return len(DEFAULT_LABELS)

    def __eq__(self, other: object) -> bool:
        """Compare texts and forced language (not the vars).

        Args:
            other: Another object.

        Returns:
            Whether both hold the same texts and language.
        """
        if not isinstance(other, Labels):
            return NotImplemented
        return self._language == other._language and self._tables == other._tables

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        """Name the forced language, if any."""
        return f"Labels(language={self._language!r})"


DEFAULT = Labels(TRANSLATIONS)


def merge(
    overrides: Mapping[str, Any] | None = None, *, language: str | None = None
) -> Labels:
    """Return every label with ``overrides`` applied.

    Args:
        overrides: Texts by key (every language), texts by key under a
            language code (that language), ``"language"`` (force one), or a
            :class:`Labels` (kept as it is).
        language: Force this language for everybody (wins over
            ``overrides["language"]``).

    Returns:
        The labels.

    Raises:
        KeyError: ``overrides`` names a key that no component uses.
        ValueError: An unknown language, or a text using a placeholder
            its key does not have.
        TypeError: A text that is not a ``str``, or a language section
            that is not a mapping.
    """
    if language is not None:
        _check_language(language)
    if isinstance(overrides, Labels):
        if language is None or language == overrides.language:
            return overrides
        return Labels(overrides.tables, language)
    if not overrides:
        return DEFAULT if language is None else Labels(TRANSLATIONS, language)
    unknown = sorted(
        key
        for key in overrides
        if key not in DEFAULT_LABELS and key not in LANGUAGES and key != LANGUAGE_KEY
    )
    if unknown:
        msg = f"Unknown label keys: {', '.join(unknown)}"
        raise KeyError(msg)
    tables = {code: dict(TRANSLATIONS[code]) for code in LANGUAGES}
    for key, text in overrides.items():
        if key in DEFAULT_LABELS:
            _check_text(key, text, "")
            for table in tables.values():
                table[key] = text
    for code in LANGUAGES:
        section = overrides.get(code)
        if section is None:
            continue
        if not isinstance(section, Mapping):
            msg = f"labels[{code!r}] must map label keys to texts"
            raise TypeError(msg)
        for key, text in section.items():
            tables[code][key] = _check_text(key, text, f"{code}: ")
    forced = overrides.get(LANGUAGE_KEY)
    if forced is not None:
        _check_language(forced)
    return Labels(tables, language or forced)


def language_script(language: str | None = None) -> rx.Component:
    """The ``<head>`` script that picks the page's language before it paints.

    It takes the first of ``navigator.languages`` whose primary subtag is
    shipped (else English), or ``language`` when one is forced, and sets
    ``<html lang>`` and ``data-meet-language`` (read by ``i18n.js``). When
    that is not English, the prerendered (English) kit pages stay hidden
    until their labels switch, right after hydration (``meet-lang-pending``
    in ``theme.css``; shown after 1.5 s whatever happens).

    Args:
        language: A forced language, or ``None``.

    Returns:
        A ``<script>`` for ``rx.App.head_components``.

    Raises:
        ValueError: ``language`` is not shipped.
    """
    return rx.el.script(language_script_code(language))


def language_script_code(language: str | None = None) -> str:
    """The JavaScript of :func:`language_script`.

    Args:
        language: A forced language, or ``None``.

    Returns:
        The script's code.

    Raises:
        ValueError: ``language`` is not shipped.
    """
    forced = _check_language(language) if language is not None else ""
    return _SCRIPT.replace("SHIPPED", json.dumps(list(LANGUAGES))).replace(
        "FORCED", json.dumps(forced)
    )


# No "<", ">" or "&": the text goes into the HTML as it is.
_SCRIPT = """(function () {
  try {
    var root = document.documentElement;
    var shipped = SHIPPED;
    var forced = FORCED;
    var wanted = navigator.languages || [];
    if (!wanted.length) wanted = [navigator.language || ""];
    var chosen = forced;
    if (!chosen) {
      wanted.some(function (tag) {
        var primary = String(tag || "").toLowerCase().split("-")[0];
        if (shipped.indexOf(primary) === -1) return false;
        chosen = primary;
        return true;
      });
    }
    chosen = chosen || "en";
    root.lang = chosen;
    root.setAttribute("data-meet-language", chosen);
    if (!forced) {
      if (chosen !== "en") root.classList.add("meet-lang-pending");
    }
  } catch (e) {}
})();"""


def format_label(template: str | rx.Var[str], **values: Any) -> rx.Var[str] | str:
    """Fill ``{name}`` placeholders of a label with plain values or state vars.

    Args:
        template: A label (``labels[key]``: a text or a translated var).
        **values: A value (or ``rx.Var``) per placeholder.

    Returns:
        The template itself when there is nothing to fill, otherwise a
        string var that the browser keeps up to date (in the page's
        language for a translated label).

    Raises:
        KeyError: If the template names a placeholder without a value.
    """
    if isinstance(template, Var):
        return _fill_on_client(template, values)
    parts: list[Any] = []
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(template[position : match.start()])
        key = match.group(1)
        if key not in values:
            msg = f"No value for placeholder {key!r} in {template!r}"
            raise KeyError(msg)
        parts.append(values[key])
        position = match.end()
    if not parts:
        return template
    parts.append(template[position:])
    result: rx.Var[str] = rx.Var.create("")
    for part in parts:
        if isinstance(part, rx.Var):
            result = result + part.to_string(use_json=False)
        elif part != "":
            result = result + rx.Var.create(str(part))
    return result


def _fill_on_client(template: Var, values: Mapping[str, Any]) -> rx.Var[str]:
    # A translated label's expression holds its texts: their placeholders
    # are the ones to fill (the same in every language).
    missing = sorted(placeholders(str(template)) - set(values))
    if missing:
        msg = f"No value for placeholder {missing[0]!r} in {template!s}"
        raise KeyError(msg)
    if not values:
        return template
    from reflex_meet.browser import shipped

    filled = rx.Var.create({key: values[key] for key in sorted(values)})
    return Var(
        _js_expr=f"fill({template!s}, {filled!s})",
        _var_data=VarData.merge(
            template._get_all_var_data(),
            filled._get_all_var_data(),
            VarData(imports={shipped("text.js"): [ImportVar(tag="fill")]}),
        ),
    ).to(str)
