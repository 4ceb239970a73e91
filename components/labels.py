"""Every user-facing string of the room components, in one overridable mapping.

Components take ``labels=`` (a partial mapping); missing keys fall back to
:data:`DEFAULT_LABELS` (English). Templates use ``{name}`` placeholders that are
filled on the client from state vars by :func:`format_label`.

Example:
    >>> from reflex_meet.components import labels
    >>> french = labels.merge({"join": "Rejoindre", "leave": "Quitter"})
    >>> french["join"], french["mute"]
    ('Rejoindre', 'Mute')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import reflex as rx

__all__ = ["DEFAULT_LABELS", "Labels", "format_label", "merge"]

Labels = Mapping[str, str]

DEFAULT_LABELS: Labels = MappingProxyType(
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

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def merge(overrides: Mapping[str, str] | None = None) -> Labels:
    """Return the default labels with ``overrides`` applied.

    Args:
        overrides: Replacement strings by key; unknown keys are rejected so a
            typo does not silently leave the English text in place.

    Returns:
        A read-only mapping holding every label.

    Raises:
        KeyError: If ``overrides`` names a key that no component uses.
    """
    if not overrides:
        return DEFAULT_LABELS
    unknown = sorted(set(overrides) - set(DEFAULT_LABELS))
    if unknown:
        msg = f"Unknown label keys: {', '.join(unknown)}"
        raise KeyError(msg)
    return MappingProxyType({**DEFAULT_LABELS, **overrides})


def format_label(template: str, **values: Any) -> rx.Var[str] | str:
    """Fill ``{name}`` placeholders of a label with plain values or state vars.

    Args:
        template: A label such as ``"{count} people in the room"``.
        **values: A value (or ``rx.Var``) per placeholder.

    Returns:
        The template itself when it has no placeholders, otherwise a string
        var that the browser keeps up to date.

    Raises:
        KeyError: If the template names a placeholder without a value.
    """
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
