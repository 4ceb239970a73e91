"""German labels: every key of ``labels.DEFAULT_LABELS``, same placeholders.

Formal address ("Sie"), as German product interfaces mostly use.
``tests/unit/test_translations.py`` checks the table is complete.
"""

from __future__ import annotations

__all__ = ["LABELS"]

LABELS: dict[str, str] = {
    # Home
    "app_title": "Meet",
    "notifications": "Benachrichtigungen",
    "home_heading": "Treffen Sie sich mit allen, direkt im Browser",
    "display_name": "Ihr Name",
    "display_name_placeholder": "So sehen andere Sie",
    "save_name": "Name speichern",
    "new_room": "Neuer Raum",
    "room_name": "Raumname",
    "room_name_placeholder": "z. B. team-standup",
    "join_room": "Raum betreten",
    "name_required_notice": "Geben Sie Ihren Namen ein, um den Raum zu betreten.",
    "home_tagline": (
        "Videokonferenzen in einem Browser-Tab: kein Konto, kein Download. "
        "Namen wählen, Raum öffnen, Link teilen."
    ),
    "home_feature_private": "Nur wer den Link hat, kann teilnehmen",
    "home_feature_devices": "Kamera und Mikrofon vor dem Beitreten prüfen",
    "home_feature_together": "Bildschirmfreigabe, Chat und Handzeichen",
    "home_or": "oder einen Raum über seinen Namen betreten",
    "toggle_color_mode": "Zwischen hellem und dunklem Modus wechseln",
    # Validation problems
    "name_missing": "Bitte geben Sie Ihren Namen ein.",
    "name_too_long": "Ihr Name darf höchstens 50 Zeichen lang sein.",
    "name_control_chars": (
        "Ihr Name enthält Zeichen, die nicht angezeigt werden können."
    ),
    "invalid_text": ("Dieser Text ist kein gültiges Unicode (ein einzelnes Surrogat)."),
    "room_missing": "Bitte geben Sie einen Raumnamen ein.",
    "room_too_long": "Raumnamen dürfen höchstens 64 Zeichen lang sein.",
    "room_invalid_chars": (
        "Raumnamen dürfen nur Buchstaben a–z, Ziffern 0–9 und Bindestriche enthalten."
    ),
    # Lobby
    "lobby_heading": "Bereit, {room} zu betreten?",
    "people_in_room_zero": "Noch niemand im Raum",
    "people_in_room_one": "1 Person im Raum",
    "people_in_room_other": "{count} Personen im Raum",
    "join": "Teilnehmen",
    "copy_link": "Link kopieren",
    "link_copied": "Link kopiert",
    "signed_in_as": "Sie nehmen teil als {name}",
    "change_name": "Namen ändern",
    "mic_level": "Mikrofonpegel",
    "camera_off": "Kamera ist aus",
    "camera_preview": "Kameravorschau",
    "error_permission_denied": (
        "Der Browser darf Ihre Kamera oder Ihr Mikrofon nicht verwenden. "
        "Erlauben Sie den Zugriff in der Adressleiste und laden Sie die Seite "
        "neu."
    ),
    "error_no_device": "Es wurde keine Kamera und kein Mikrofon gefunden.",
    "error_device_busy": (
        "Ihre Kamera oder Ihr Mikrofon wird von einer anderen Anwendung verwendet."
    ),
    "error_unsupported": (
        "Dieser Browser kann hier keine Kamera und kein Mikrofon verwenden."
    ),
    "error_unknown": "Ihre Kamera oder Ihr Mikrofon konnte nicht gestartet werden.",
    "preview_starting": "Kamera und Mikrofon werden gestartet…",
    "permission_title": "Kamera und Mikrofon erlauben",
    "permission_body": (
        "Ihr Browser fragt gleich, ob Ihre Kamera und Ihr Mikrofon verwendet "
        "werden dürfen, damit andere Sie sehen und hören können. Sie können "
        "beides jederzeit ausschalten."
    ),
    "permission_continue": "Weiter",
    "mic_blocked": (
        "Mikrofon blockiert: Erlauben Sie es in der Adressleiste des Browsers "
        "und laden Sie die Seite neu."
    ),
    "camera_blocked": (
        "Kamera blockiert: Erlauben Sie sie in der Adressleiste des Browsers "
        "und laden Sie die Seite neu."
    ),
    "mic_missing": "Es wurde kein Mikrofon gefunden.",
    "camera_missing": "Es wurde keine Kamera gefunden.",
    "mic_busy": "Ihr Mikrofon wird von einer anderen Anwendung verwendet.",
    "camera_busy": "Ihre Kamera wird von einer anderen Anwendung verwendet.",
    "mic_unavailable": "Ihr Mikrofon konnte nicht gestartet werden.",
    "camera_unavailable": "Ihre Kamera konnte nicht gestartet werden.",
    # Room
    "room_heading": "Besprechung in {room}",
    "controls": "Besprechungssteuerung",
    "microphone": "Mikrofon",
    "camera": "Kamera",
    "turn_mic_on": "Mikrofon einschalten",
    "turn_mic_off": "Mikrofon ausschalten",
    "turn_camera_on": "Kamera einschalten",
    "turn_camera_off": "Kamera ausschalten",
    "raise_hand": "Hand heben",
    "lower_hand": "Hand senken",
    "participants": "Teilnehmende",
    "close_participants": "Teilnehmende schließen",
    "leave": "Verlassen",
    "you": "(Sie)",
    "mic_off": "Mikrofon aus",
    "mic_on": "Mikrofon an",
    "hand_raised": "Hand gehoben",
    "speaking": "Spricht",
    "mute": "Stummschalten",
    "mute_title": "{name} stummschalten?",
    "mute_body": "Nur {name} kann das eigene Mikrofon wieder einschalten.",
    "cancel": "Abbrechen",
    "confirm_mute": "Stummschalten",
    "muted_by_other": "{name} hat Sie stummgeschaltet.",
    "joined_notice": "{name} ist beigetreten",
    "left_notice": "{name} hat die Besprechung verlassen",
    "timed_out_notice": "{name} hat die Verbindung verloren",
    "stage": "Teilnehmende auf der Bühne",
    "more_participants": "+{count} weitere",
    "stage_pages": "Bühnenseiten",
    "previous_page": "Vorherige Seite",
    "next_page": "Nächste Seite",
    "page_indicator": "Seite {page} von {pages}",
    "not_in_room": "Sie sind nicht mehr in diesem Raum.",
    "shortcuts_hint": "Strg/⌘+D Mikrofon · Strg/⌘+E Kamera",
    "microphone_shortcut": "Mikrofon (Strg/⌘+D)",
    "camera_shortcut": "Kamera (Strg/⌘+E)",
    "more_controls": "Weitere Optionen",
    "waiting_for_others": "Warten auf weitere Teilnehmende…",
    # Whole-page states
    "offline_heading": "Sie sind offline",
    "offline_body": (
        "Die Verbindung zum Server ist unterbrochen. Diese Seite verbindet "
        "sich von selbst wieder, sobald es geht."
    ),
    "offline_retrying": "Verbindung wird wiederhergestellt…",
    "not_found_heading": "Seite nicht gefunden",
    "not_found_body": "Unter dieser Adresse gibt es nichts.",
    "go_home": "Zur Startseite",
    # Media
    "share_screen": "Bildschirm freigeben",
    "stop_sharing": "Freigabe beenden",
    "screen_of": "Bildschirm von {name}",
    "pin": "{name} anheften",
    "unpin": "{name} nicht mehr anheften",
    "settings": "Einstellungen",
    "close_settings": "Einstellungen schließen",
    "speaker": "Lautsprecher",
    "device_default": "Systemstandard",
    "video_of": "Video von {name}",
    "connection_lost": "Verbindung verloren. Verbindung wird wiederhergestellt…",
    "reconnected": "Wieder verbunden",
    "unstable_connection": (
        "Ihre Verbindung ist instabil: Andere hören oder sehen Sie "
        "möglicherweise schlecht."
    ),
    "media_error": "Medien konnten nicht starten: {description}",
    "media_connecting": "Medien werden verbunden…",
    "quality_poor": "Schwache Verbindung",
    "quality_bad": "Schlechte Verbindung",
    # Cues, audio-only, meeting id, debug overlay
    "muted_hint": "Sprechen Sie gerade? Sie sind stummgeschaltet.",
    "unmute": "Stummschaltung aufheben",
    "auto_muted": (
        "Sie sind stummgeschaltet beigetreten: Es sind mehr als 5 Personen hier."
    ),
    "sounds": "Töne beim Beitreten und Verlassen",
    "audio_only": "Nur Audio",
    "meeting_id": "Besprechungs-ID",
    "copy_meeting_id": "Besprechungs-ID kopieren",
    "meeting_id_copied": "Besprechungs-ID kopiert",
    "debug": "Verbindungsdetails",
    "debug_close": "Verbindungsdetails schließen",
    "debug_connection": "Verbindung",
    "debug_ice": "ICE",
    "debug_rtt": "Umlaufzeit",
    "debug_bandwidth": "Verfügbarer Upload",
    "debug_track": "Track",
    "debug_in": "↓",
    "debug_out": "↑",
    "debug_bitrate": "Bitrate",
    "debug_loss": "Paketverlust",
    "debug_no_connection": "Die Medien sind noch nicht verbunden.",
    # After a meeting
    "feedback_heading": "Gab es Probleme?",
    "feedback_yes": "Ja",
    "feedback_no": "Nein",
    "feedback_comment": "Möchten Sie uns etwas mitteilen? (optional)",
    "feedback_send": "Senden",
    "feedback_skip": "Überspringen",
    "feedback_choice_missing": "Bitte wählen Sie Ja oder Nein.",
    "comment_too_long": "Ihr Kommentar darf höchstens 2000 Zeichen lang sein.",
    "comment_control_chars": (
        "Ihr Kommentar enthält Zeichen, die nicht gespeichert werden können."
    ),
    "feedback_failed": (
        "Ihre Antwort konnte nicht gespeichert werden. Versuchen Sie es erneut."
    ),
    "feedback_thanks": "Vielen Dank für Ihr Feedback.",
    # Bug reports
    "report_bug": "Fehler melden",
    "report_bug_heading": "Fehler melden",
    "report_bug_body": (
        "Beschreiben Sie, was schiefgelaufen ist. Technische Details zu diesem "
        "Anruf werden automatisch angehängt (keine Passwörter oder Schlüssel)."
    ),
    "report_bug_description": "Was ist passiert?",
    "report_bug_send": "Meldung senden",
    "report_bug_sent": "Vielen Dank. Ihre Referenz lautet {reference}.",
    "report_bug_failed": "Die Meldung konnte nicht gesendet werden: {description}",
    "close": "Schließen",
    # Chat
    "chat": "Chat",
    "close_chat": "Chat schließen",
    "chat_messages": "Nachrichten",
    "chat_empty": "Noch keine Nachrichten.",
    "chat_unread": "{count} ungelesen",
    "direct_to": "Direktnachricht an {name}",
    "direct_from": "{name} (Direktnachricht)",
    "you_said": "Sie",
    "send_to": "Senden an",
    "everyone": "Alle",
    "message": "Nachricht",
    "send": "Senden",
    "new_message": "{name}: {text}",
    "new_direct_message": "Direktnachricht von {name}: {text}",
    "chat_rate_limited": (
        "Sie senden Nachrichten zu schnell. Warten Sie einen Moment."
    ),
    "chat_text_missing": "Schreiben Sie zuerst eine Nachricht.",
    "chat_text_too_long": "Nachrichten dürfen höchstens 2000 Zeichen lang sein.",
    "chat_text_control_chars": (
        "Diese Nachricht enthält Zeichen, die nicht gesendet werden können."
    ),
    "chat_not_joined": "Treten Sie der Besprechung bei, um zu chatten.",
    "chat_recipient_gone": "Diese Person ist nicht mehr in der Besprechung.",
    "records_unavailable": (
        "Das kann gerade nicht gespeichert werden. Versuchen Sie es erneut."
    ),
    # The AI participant
    "invite_ai": "KI einladen",
    "invite_ai_title": "Einen KI-Assistenten einladen",
    "invite_ai_description": (
        "Die KI nimmt wie eine weitere Person teil; alle können sie hören. "
        "Halten Sie die Sprechtaste (oder die Taste A) gedrückt, um mit ihr zu "
        "sprechen; immer nur eine Person gleichzeitig."
    ),
    "ai_instructions": "Anweisungen",
    "ai_voice": "Stimme",
    "ai_invite_submit": "Einladen",
    "ai_cancel": "Abbrechen",
    "ai_connecting": "Die KI tritt bei…",
    "remove_ai": "KI entfernen",
    "ai_talk": "Gedrückt halten, um mit der KI zu sprechen",
    "ai_talk_hint": (
        "Gedrückt halten, um mit der KI zu sprechen (oder die Taste A halten)"
    ),
    "ai_other_talking": "{name} spricht mit der KI",
    "ai_error": "KI: {error}",
}
