"""Spanish labels: every key of ``labels.DEFAULT_LABELS``, same placeholders.

Informal address ("tú"), as Spanish product interfaces mostly use.
``tests/unit/test_translations.py`` checks the table is complete.
"""

from __future__ import annotations

__all__ = ["LABELS"]

LABELS: dict[str, str] = {
    # Home
    "app_title": "Meet",
    "notifications": "Notificaciones",
    "home_heading": "Reúnete con quien quieras, directamente en el navegador",
    "display_name": "Tu nombre",
    "display_name_placeholder": "Cómo te verán los demás",
    "save_name": "Guardar nombre",
    "new_room": "Nueva sala",
    "room_name": "Nombre de la sala",
    "room_name_placeholder": "p. ej. reunion-diaria",
    "join_room": "Entrar en la sala",
    "name_required_notice": "Escribe tu nombre para entrar en la sala.",
    "home_tagline": (
        "Videollamadas que se abren en una pestaña: sin cuenta, sin descargas. "
        "Elige un nombre, crea una sala y comparte el enlace."
    ),
    "home_feature_private": "Solo quien tenga el enlace puede unirse",
    "home_feature_devices": "Prueba tu cámara y tu micrófono antes de unirte",
    "home_feature_together": "Pantalla compartida, chat y manos levantadas",
    "home_or": "o entra en una sala por su nombre",
    "toggle_color_mode": "Cambiar entre modo claro y oscuro",
    # Validation problems
    "name_missing": "Escribe tu nombre.",
    "name_too_long": "Tu nombre puede tener como máximo 50 caracteres.",
    "name_control_chars": "Tu nombre contiene caracteres que no se pueden mostrar.",
    "invalid_text": "Ese texto no es Unicode válido (un sustituto suelto).",
    "room_missing": "Escribe el nombre de una sala.",
    "room_too_long": "Los nombres de sala pueden tener como máximo 64 caracteres.",
    "room_invalid_chars": (
        "Los nombres de sala solo pueden usar letras a–z, dígitos 0–9 y guiones."
    ),
    # Lobby
    "lobby_heading": "¿Todo listo para entrar en {room}?",
    "people_in_room_zero": "Todavía no hay nadie en la sala",
    "people_in_room_one": "1 persona en la sala",
    "people_in_room_other": "{count} personas en la sala",
    "join": "Unirse",
    "copy_link": "Copiar enlace",
    "link_copied": "Enlace copiado",
    "signed_in_as": "Te unirás como {name}",
    "change_name": "Cambiar nombre",
    "mic_level": "Nivel del micrófono",
    "camera_off": "La cámara está apagada",
    "camera_preview": "Vista previa de la cámara",
    "error_permission_denied": (
        "El navegador no tiene permiso para usar tu cámara o tu micrófono. "
        "Permite el acceso en la barra de direcciones y vuelve a cargar la "
        "página."
    ),
    "error_no_device": "No se encontró ninguna cámara ni ningún micrófono.",
    "error_device_busy": "Otra aplicación está usando tu cámara o tu micrófono.",
    "error_unsupported": (
        "Este navegador no puede usar una cámara ni un micrófono aquí."
    ),
    "error_unknown": "No se pudo iniciar tu cámara o tu micrófono.",
    "preview_starting": "Iniciando tu cámara y tu micrófono…",
    "permission_title": "Permite el acceso a tu cámara y tu micrófono",
    "permission_body": (
        "Tu navegador te pedirá ahora permiso para usar tu cámara y tu "
        "micrófono, para que los demás puedan verte y oírte. Puedes "
        "apagarlos en cualquier momento."
    ),
    "permission_continue": "Continuar",
    "mic_blocked": (
        "Micrófono bloqueado: permítelo en la barra de direcciones del "
        "navegador y vuelve a cargar la página."
    ),
    "camera_blocked": (
        "Cámara bloqueada: permítela en la barra de direcciones del navegador "
        "y vuelve a cargar la página."
    ),
    "mic_missing": "No se encontró ningún micrófono.",
    "camera_missing": "No se encontró ninguna cámara.",
    "mic_busy": "Otra aplicación está usando tu micrófono.",
    "camera_busy": "Otra aplicación está usando tu cámara.",
    "mic_unavailable": "No se pudo iniciar tu micrófono.",
    "camera_unavailable": "No se pudo iniciar tu cámara.",
    # Room
    "room_heading": "Reunión en {room}",
    "controls": "Controles de la reunión",
    "microphone": "Micrófono",
    "camera": "Cámara",
    "turn_mic_on": "Activar micrófono",
    "turn_mic_off": "Desactivar micrófono",
    "turn_camera_on": "Activar cámara",
    "turn_camera_off": "Desactivar cámara",
    "raise_hand": "Levantar la mano",
    "lower_hand": "Bajar la mano",
    "participants": "Participantes",
    "close_participants": "Cerrar participantes",
    "leave": "Salir",
    "you": "(tú)",
    "mic_off": "Micrófono desactivado",
    "mic_on": "Micrófono activado",
    "hand_raised": "Mano levantada",
    "speaking": "Hablando",
    "mute": "Silenciar",
    "mute_title": "¿Silenciar a {name}?",
    "mute_body": "Solo {name} puede volver a activar su micrófono.",
    "cancel": "Cancelar",
    "confirm_mute": "Silenciar",
    "muted_by_other": "{name} te ha silenciado.",
    "joined_notice": "{name} se ha unido",
    "left_notice": "{name} ha salido",
    "timed_out_notice": "{name} ha perdido la conexión",
    "stage": "Participantes en el escenario",
    "more_participants": "+{count} más",
    "stage_pages": "Páginas del escenario",
    "previous_page": "Página anterior",
    "next_page": "Página siguiente",
    "page_indicator": "Página {page} de {pages}",
    "not_in_room": "Ya no estás en esta sala.",
    "shortcuts_hint": "Ctrl/⌘+D micrófono · Ctrl/⌘+E cámara",
    "microphone_shortcut": "Micrófono (Ctrl/⌘+D)",
    "camera_shortcut": "Cámara (Ctrl/⌘+E)",
    "more_controls": "Más opciones",
    "waiting_for_others": "Esperando a que se unan otras personas…",
    # Whole-page states
    "offline_heading": "No tienes conexión",
    "offline_body": (
        "Se perdió la conexión con el servidor. Esta página se volverá a "
        "conectar sola en cuanto pueda."
    ),
    "offline_retrying": "Reconectando…",
    "not_found_heading": "Página no encontrada",
    "not_found_body": "No hay nada en esta dirección.",
    "go_home": "Ir a la página de inicio",
    # Media
    "share_screen": "Compartir pantalla",
    "stop_sharing": "Dejar de compartir",
    "screen_of": "Pantalla de {name}",
    "pin": "Fijar a {name}",
    "unpin": "Dejar de fijar a {name}",
    "settings": "Configuración",
    "close_settings": "Cerrar configuración",
    "speaker": "Altavoz",
    "device_default": "Predeterminado del sistema",
    "video_of": "Vídeo de {name}",
    "connection_lost": "Se perdió la conexión. Reconectando…",
    "reconnected": "Conexión restablecida",
    "unstable_connection": (
        "Tu conexión es inestable: puede que los demás no te oigan o no te vean bien."
    ),
    "media_error": "No se pudieron iniciar los medios: {description}",
    "media_connecting": "Conectando los medios…",
    "quality_poor": "Conexión débil",
    "quality_bad": "Conexión mala",
    # Cues, audio-only, meeting id, debug overlay
    "muted_hint": "¿Estás hablando? Tienes el micrófono silenciado.",
    "unmute": "Activar micrófono",
    "auto_muted": "Te uniste con el micrófono silenciado: aquí hay más de 5 personas.",
    "sounds": "Sonidos al entrar y salir",
    "audio_only": "Solo audio",
    "meeting_id": "ID de la reunión",
    "copy_meeting_id": "Copiar ID de la reunión",
    "meeting_id_copied": "ID de la reunión copiado",
    "debug": "Detalles de la conexión",
    "debug_close": "Cerrar detalles de la conexión",
    "debug_connection": "Conexión",
    "debug_ice": "ICE",
    "debug_rtt": "Tiempo de ida y vuelta",
    "debug_bandwidth": "Subida disponible",
    "debug_track": "Pista",
    "debug_in": "↓",
    "debug_out": "↑",
    "debug_bitrate": "Tasa de bits",
    "debug_loss": "Pérdida de paquetes",
    "debug_no_connection": "Los medios todavía no están conectados.",
    # After a meeting
    "feedback_heading": "¿Has tenido algún problema?",
    "feedback_yes": "Sí",
    "feedback_no": "No",
    "feedback_comment": "¿Quieres contarnos algo? (opcional)",
    "feedback_send": "Enviar",
    "feedback_skip": "Omitir",
    "feedback_choice_missing": "Elige sí o no.",
    "comment_too_long": "Tu comentario puede tener como máximo 2000 caracteres.",
    "comment_control_chars": (
        "Tu comentario tiene caracteres que no se pueden guardar."
    ),
    "feedback_failed": "No se pudo guardar tu respuesta. Inténtalo de nuevo.",
    "feedback_thanks": "Gracias por tus comentarios.",
    # Bug reports
    "report_bug": "Informar de un error",
    "report_bug_heading": "Informar de un error",
    "report_bug_body": (
        "Describe qué ha fallado. Los detalles técnicos de esta llamada se "
        "adjuntan automáticamente (sin contraseñas ni claves)."
    ),
    "report_bug_description": "¿Qué ha pasado?",
    "report_bug_send": "Enviar informe",
    "report_bug_sent": "Gracias. Tu referencia es {reference}.",
    "report_bug_failed": "No se pudo enviar el informe: {description}",
    "close": "Cerrar",
    # Chat
    "chat": "Chat",
    "close_chat": "Cerrar chat",
    "chat_messages": "Mensajes",
    "chat_empty": "Todavía no hay mensajes.",
    "chat_unread": "{count} sin leer",
    "direct_to": "Mensaje directo a {name}",
    "direct_from": "{name} (mensaje directo)",
    "you_said": "Tú",
    "send_to": "Enviar a",
    "everyone": "Todos",
    "message": "Mensaje",
    "send": "Enviar",
    "new_message": "{name}: {text}",
    "new_direct_message": "Mensaje directo de {name}: {text}",
    "chat_rate_limited": "Estás enviando mensajes demasiado rápido. Espera un momento.",
    "chat_text_missing": "Escribe primero un mensaje.",
    "chat_text_too_long": "Los mensajes pueden tener como máximo 2000 caracteres.",
    "chat_text_control_chars": (
        "Ese mensaje tiene caracteres que no se pueden enviar."
    ),
    "chat_not_joined": "Únete a la reunión para chatear.",
    "chat_recipient_gone": "Esa persona ya no está en la reunión.",
    "records_unavailable": "Ahora no se puede guardar. Inténtalo de nuevo.",
    # The AI participant
    "invite_ai": "Invitar a la IA",
    "invite_ai_title": "Invitar a un asistente de IA",
    "invite_ai_description": (
        "La IA se une como participante y todos la oyen. Mantén pulsado el "
        "botón para hablar (o la tecla A) para hablarle; solo una persona a "
        "la vez."
    ),
    "ai_instructions": "Instrucciones",
    "ai_voice": "Voz",
    "ai_invite_submit": "Invitar",
    "ai_cancel": "Cancelar",
    "ai_connecting": "La IA se está uniendo…",
    "remove_ai": "Quitar la IA",
    "ai_talk": "Mantén pulsado para hablar con la IA",
    "ai_talk_hint": "Mantén pulsado para hablar con la IA (o mantén la tecla A)",
    "ai_other_talking": "{name} está hablando con la IA",
    "ai_error": "IA: {error}",
}
