"""Every event handler the app registers is on this list, with its rule.

Reflex makes every public method of a state class an event that any browser
can send with any arguments. A method that is meant as a helper becomes an
attack surface the moment it loses its leading underscore (that is how
``RoomState.add_chat_message`` let anyone forge chat). This test enumerates
the handlers of the app's whole state tree and fails on any that is not
listed here together with the rule that authorises it, and on any listed
one that no longer exists.
"""

from __future__ import annotations

import pytest

from app.app import app
from reflex_meet.state import (
    AiState,
    ChatState,
    FeedbackState,
    MediaState,
    ProfileState,
    RoomPresence,
    RoomState,
    RosterFeed,
    SessionState,
)

# Reflex's own handlers, present on every app.
_REFLEX = {
    ("State", "hydrate"): "Reflex: sends this tab its own state.",
    ("State", "hydrate_and_load"): "Reflex: hydrate, then the page's on_load.",
    ("State", "set_is_hydrated"): "Reflex: a flag of this tab's own state.",
    ("OnLoadInternalState", "on_load_internal"): (
        "Reflex: runs the on_load handlers of the page (all listed here)."
    ),
    ("OnLoadInternalState", "set_is_hydrated"): "Reflex: this tab's own flag.",
    ("UpdateVarsInternalState", "update_vars_internal"): (
        "Reflex: sets client-side storage vars of this tab's states; the app "
        "keeps none that carry authority (display name only)."
    ),
    ("FrontendEventExceptionState", "handle_frontend_exception"): (
        "Reflex: logs a browser error (rate-limited by Reflex)."
    ),
}

ALLOWED: dict[tuple[str, str], str] = {
    **_REFLEX,
    # RoomState (shared by the room): the actor is always the participant the
    # server recorded for the calling tab (SessionState), never an argument.
    (RoomState.__name__, "enter"): "on_load: the room comes from the URL, validated.",
    (RoomState.__name__, "reenter"): (
        "as enter; nothing once this tab left the URL's room (SessionState)."
    ),
    (RoomState.__name__, "join"): "only the caller's own entry, if in the room.",
    (RoomState.__name__, "join_directly"): "as join.",
    (RoomState.__name__, "leave"): "only the caller leaves.",
    (RoomState.__name__, "update_own"): "own entry, field by field (core.roster).",
    (RoomState.__name__, "set_microphone"): "own entry (update_own).",
    (RoomState.__name__, "set_camera"): "own entry (update_own).",
    (RoomState.__name__, "toggle_own"): "own entry (update_own).",
    (RoomState.__name__, "set_hand"): "own entry, a boolean.",
    (RoomState.__name__, "mute"): "a joined member turns a joined member's mic off.",
    # Per-tab states: change only the calling tab's own state.
    (SessionState.__name__, "set_settings_open"): "this tab's UI flag (boolean).",
    (SessionState.__name__, "toggle_participants"): "this tab's UI flag.",
    (RosterFeed.__name__, "resync"): "this tab's own snapshot of its own room.",
    (ProfileState.__name__, "load_home"): "this tab's profile.",
    (ProfileState.__name__, "set_name_draft"): "this tab's draft (validated on save).",
    (ProfileState.__name__, "save_name"): "this tab's name, validated.",
    (ProfileState.__name__, "new_room"): "navigation to a fresh room id.",
    (ProfileState.__name__, "join_room"): "navigation; the room name is validated.",
    (ProfileState.__name__, "require_name"): "on_load: redirect home without a name.",
    (ProfileState.__name__, "set_editing_name"): "this tab's UI flag (boolean).",
    (ProfileState.__name__, "rename"): (
        "this tab's name, validated (core.validation); in a room only the "
        "caller's own entry (RoomState._actor, core.roster.SetName)."
    ),
    (ChatState.__name__, "open_room"): "history the tab may see (own room, own DMs).",
    (ChatState.__name__, "send"): "joined members only; validated; rate-limited.",
    (FeedbackState.__name__, "load"): "this tab's last meeting.",
    (FeedbackState.__name__, "submit"): "feedback on this tab's last meeting only.",
    (FeedbackState.__name__, "skip"): "navigation home.",
    # The AI participant (state/ai.py): the caller is the tab's recorded
    # participant and must have joined; only their own Calls session is fed.
    (AiState.__name__, "open_invite"): "this tab's dialog flag and drafts.",
    (AiState.__name__, "invite_ai"): (
        "joined members only; validated; one AI (or invitation) per room."
    ),
    (AiState.__name__, "remove_ai"): "joined members only.",
    (AiState.__name__, "request_ai_control"): (
        "joined members only; feeds the caller's own session's track; one "
        "controller at a time."
    ),
    (AiState.__name__, "release_ai_control"): "only the person in control.",
    (MediaState.__name__, "calls_request"): (
        "core.calls_policy: own session, pulls of the room's tracks by joined "
        "members only; rate-limited."
    ),
}

# ``setvar`` exists on every state and dispatches to ``set_<name>``: it is
# allowed because every ``set_*`` it can reach is itself listed above.
SETVAR_RULE = "dispatches only to this state's listed set_* handlers."


def _walk(cls: type) -> list[type]:
    found = [cls]
    for sub in cls.get_substates():
        found.extend(_walk(sub))
    return found


def _states() -> list[type]:
    return _walk(app._state)


def _registered() -> set[tuple[str, str]]:
    return {
        (cls.__name__, name)
        for cls in _states()
        for name in cls.event_handlers
        if name != "setvar"
    }


def test_every_registered_event_handler_is_allowed_with_a_rule():
    unexpected = sorted(_registered() - set(ALLOWED))
    assert not unexpected, (
        "event handlers not on the allow-list (make them private with a "
        f"leading underscore, or list them with their rule): {unexpected}"
    )


def test_the_allow_list_names_no_handler_that_is_gone():
    stale = sorted(set(ALLOWED) - _registered())
    assert not stale, f"allow-list entries without a handler: {stale}"


def test_setvar_reaches_only_allowed_setters():
    for cls in _states():
        setters = {name for name in dir(cls) if name.startswith("set_")}
        for name in setters:
            assert (cls.__name__, name) in ALLOWED or (
                cls.__name__ in {s.__name__ for s in _states()}
                and ("State", name) in ALLOWED
            ), f"{cls.__name__}.setvar could reach {name}: {SETVAR_RULE}"


@pytest.mark.parametrize(
    "helper",
    [
        "_add_chat_message",
        "_plain_users",
        "_apply",
        "_release",
        "_leave_linked",
        "_actor",
    ],
)
def test_room_helpers_are_not_events(helper):
    assert hasattr(RoomState, helper)
    assert helper not in RoomState.event_handlers
    assert helper.lstrip("_") not in RoomState.event_handlers


def test_backend_only_states_expose_no_events():
    assert set(RoomPresence.event_handlers) <= {"setvar"}
