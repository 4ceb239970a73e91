"""Room commands as pure functions: ``apply(room, command)``.

The roster keeps Orange Meets' user fields; the field names are its wire names
(camelCase on purpose, so the shared room state reads like Orange's).

Every command returns :class:`Accepted` (a new room plus notices of what
happened) or :class:`Refused` (a :class:`~core.problems.Problem`). No clock, no
randomness: callers pass ``now`` and fresh ids in. Rules enforced here:

* a participant changes only their own entry, field by field, with validated
  types and sizes; ``id``, ``name`` (see :class:`SetName`), ``joined`` and
  timestamps are not writable through :class:`UpdateOwn`;
* :class:`Mute` is the only command that touches someone else's entry, and it
  can only turn their microphone *off*;
* a meeting id is set when the first person joins an empty room and cleared
  when the last one leaves or is swept out.
"""

# ruff: noqa: N815  (Orange's wire names are camelCase)

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from reflex_meet.core.problems import Problem
from reflex_meet.core.validation import (
    validate_bool,
    validate_display_name,
    validate_session_id,
    validate_track_id,
)

__all__ = [
    "AI_TRACK_NAME",
    "AI_USER_ID",
    "AUTO_MUTE_ABOVE",
    "HEARTBEAT_TIMEOUT",
    "MAX_CHANGES",
    "Accepted",
    "AddAi",
    "Enter",
    "Heartbeat",
    "Join",
    "Leave",
    "MeetingEnded",
    "MeetingStarted",
    "Mute",
    "RaiseHand",
    "Refused",
    "RemoveAi",
    "Room",
    "SetName",
    "SetSession",
    "Sweep",
    "Tracks",
    "UpdateOwn",
    "User",
    "UserJoined",
    "UserLeft",
    "UserMuted",
    "apply",
    "find_user",
    "is_ai",
    "joined_humans",
    "joined_users",
    "joins_muted",
    "people_count",
    "user_from_wire",
    "user_to_wire",
]

# A participant silent for longer than this (seconds) is swept out.
HEARTBEAT_TIMEOUT = 15.0
# At most this many fields in one UpdateOwn.
MAX_CHANGES = 16
# Joining a meeting that already has more than this many people starts muted
# (as Orange Meets does): a crowd hears no newcomer's kitchen by accident.
AUTO_MUTE_ABOVE = 5
# The AI voice participant's roster id (people's ids are 12 hex digits) and
# the name of its voice track on its Calls session.
AI_USER_ID = "ai"
AI_TRACK_NAME = "ai-generated-voice"


@dataclass(frozen=True)
class Tracks:
    """A participant's published tracks (ids are ``"<sessionId>/<trackName>"``)."""

    audio: str | None = None
    audioEnabled: bool = True
    audioUnavailable: bool = False
    video: str | None = None
    videoEnabled: bool = True
    screenshare: str | None = None
    screenShareEnabled: bool = False


@dataclass(frozen=True)
class User:
    """One participant (one browser tab) in a room."""

    id: str
    name: str
    joined: bool = False
    raisedHand: bool = False
    speaking: bool = False
    transceiverSessionId: str | None = None
    tracks: Tracks = field(default_factory=Tracks)
    joinedAt: float = 0.0
    handRaisedAt: float = 0.0


@dataclass(frozen=True)
class Room:
    """A room's roster.

    Attributes:
        meetingId: The current meeting, None while nobody has joined.
        users: Everyone in the room, lobby included, in arrival order.
        lastSeen: Last heartbeat time per user id. Treat as read-only: every
            command returns a room with a new mapping.
    """

    meetingId: str | None = None
    users: tuple[User, ...] = ()
    lastSeen: Mapping[str, float] = field(default_factory=dict)


# ---- commands ---------------------------------------------------------------


@dataclass(frozen=True)
class Enter:
    """Arrive in the lobby (added with ``joined=False``)."""

    user_id: str
    name: str
    now: float


@dataclass(frozen=True)
class Join:
    """Join the meeting; starts it (with ``new_meeting_id``) if nobody had."""

    user_id: str
    now: float
    new_meeting_id: str


@dataclass(frozen=True)
class UpdateOwn:
    """Change fields of one's own entry: ``{"raisedHand": True, ...}``."""

    user_id: str
    changes: Mapping[str, object]
    now: float = 0.0


@dataclass(frozen=True)
class SetName:
    """Change one's own display name."""

    user_id: str
    name: str


@dataclass(frozen=True)
class SetSession:
    """Record the Calls session the server created for a participant's tab.

    Only the server issues this (from the Calls proxy), never a browser. A new
    session (reconnection) drops the track ids of the old one until the tab
    announces its new ones.
    """

    user_id: str
    session_id: str


@dataclass(frozen=True)
class RaiseHand:
    """Raise or lower one's own hand."""

    user_id: str
    raised: bool
    now: float


@dataclass(frozen=True)
class Mute:
    """Ask that someone else's microphone be turned off."""

    by_id: str
    target_id: str


@dataclass(frozen=True)
class Heartbeat:
    """A participant is still there."""

    user_id: str
    now: float


@dataclass(frozen=True)
class Leave:
    """A participant leaves the room."""

    user_id: str


@dataclass(frozen=True)
class AddAi:
    """Put the AI voice participant into the meeting (the server, once connected).

    Attributes:
        by_id: The member who invited it (must have joined).
        session_id: The AI's third-party Calls session.
        name: The AI's display name.
        now: The time.
    """

    by_id: str
    session_id: str
    name: str
    now: float


@dataclass(frozen=True)
class RemoveAi:
    """Take the AI out of the meeting (``by_id`` a joined member, or "" the server)."""

    by_id: str = ""


@dataclass(frozen=True)
class Sweep:
    """Drop everyone silent for more than ``timeout`` seconds."""

    now: float
    timeout: float = HEARTBEAT_TIMEOUT


Command = (
    Enter | Join | UpdateOwn | SetName | RaiseHand | Mute | Heartbeat | Leave | Sweep
)

# ---- outcomes and notices --------------------------------------------------


@dataclass(frozen=True)
class UserJoined:
    """Someone joined the meeting."""

    user_id: str
    name: str


@dataclass(frozen=True)
class UserLeft:
    """Someone who had joined the meeting is gone."""

    user_id: str
    name: str
    reason: Literal["left", "timed_out"]


@dataclass(frozen=True)
class MeetingStarted:
    """The first person joined an empty room."""

    meeting_id: str


@dataclass(frozen=True)
class MeetingEnded:
    """The last person left."""

    meeting_id: str


@dataclass(frozen=True)
class UserMuted:
    """``by_id`` turned ``target_id``'s microphone off."""

    target_id: str
    by_id: str
    by_name: str


Notice = UserJoined | UserLeft | MeetingStarted | MeetingEnded | UserMuted


@dataclass(frozen=True)
class Accepted:
    """The command was applied (``room`` is the same object if nothing changed)."""

    room: Room
    notices: tuple[Notice, ...] = ()


@dataclass(frozen=True)
class Refused:
    """The command was refused; the room is unchanged."""

    problem: Problem


Outcome = Accepted | Refused

# ---- queries -----------------------------------------------------------------


def find_user(room: Room, user_id: str) -> User | None:
    """Return the entry of ``user_id``, if present.

    Args:
        room: The room.
        user_id: The participant id.

    Returns:
        The user or None.
    """
    return next((user for user in room.users if user.id == user_id), None)


def is_ai(user: User) -> bool:
    """Whether a roster entry is the AI voice participant.

    Args:
        user: A roster entry.

    Returns:
        True for the AI.
    """
    return user.id == AI_USER_ID


def joined_humans(room: Room) -> tuple[User, ...]:
    """Return the people who joined the meeting (not the AI, not the lobby).

    Args:
        room: The room.

    Returns:
        The joined people in roster order.
    """
    return tuple(user for user in room.users if user.joined and not is_ai(user))


def joined_users(room: Room) -> tuple[User, ...]:
    """Return everyone who joined the meeting (lobby visitors excluded).

    Args:
        room: The room.

    Returns:
        The joined users in roster order.
    """
    return tuple(user for user in room.users if user.joined)


def people_count(room: Room) -> int:
    """Return how many people joined the meeting.

    Args:
        room: The room.

    Returns:
        The number of joined users.
    """
    return len(joined_users(room))


def user_to_wire(user: User) -> dict[str, object]:
    """Return a user as plain JSON-ready data (Orange's field names).

    Args:
        user: The user.

    Returns:
        A dict with a nested ``tracks`` dict.
    """
    return dataclasses.asdict(user)


def user_from_wire(data: Mapping[str, object]) -> User:
    """Rebuild a user from :func:`user_to_wire` output.

    Args:
        data: The stored dict.

    Returns:
        The user.
    """
    values = dict(data)
    tracks = values.pop("tracks", None) or {}
    return User(**values, tracks=Tracks(**tracks))  # type: ignore[arg-type]


# ---- helpers -------------------------------------------------------------------


def _refuse(code: str, description: str) -> Refused:
    return Refused(Problem(code, description))


def _not_in_room() -> Refused:
    return _refuse("not_in_room", "You are not in this room.")


def _replace_user(room: Room, user: User) -> Room:
    users = tuple(user if u.id == user.id else u for u in room.users)
    return dataclasses.replace(room, users=users)


def _without(room: Room, user_ids: set[str]) -> tuple[Room, tuple[Notice, ...]]:
    """Remove users; end the meeting (and drop the AI) if nobody joined is left."""
    users = tuple(u for u in room.users if u.id not in user_ids)
    if not any(u.joined and not is_ai(u) for u in users):
        users = tuple(u for u in users if not is_ai(u))
    seen = {k: v for k, v in room.lastSeen.items() if k not in user_ids}
    meeting = room.meetingId
    notices: list[Notice] = []
    if meeting and not any(u.joined for u in users):
        notices.append(MeetingEnded(meeting))
        meeting = None
    return Room(meetingId=meeting, users=users, lastSeen=seen), tuple(notices)


# ---- field rules for UpdateOwn ---------------------------------------------------

_Validator = Callable[[object], object]


def _optional(validator: _Validator) -> _Validator:
    def check(raw: object) -> object:
        return None if raw is None else validator(raw)

    return check


_USER_FIELDS: dict[str, _Validator] = {
    "speaking": validate_bool,
    "raisedHand": validate_bool,
}
_TRACK_FIELDS: dict[str, _Validator] = {
    "audio": _optional(validate_track_id),
    "audioEnabled": validate_bool,
    "audioUnavailable": validate_bool,
    "video": _optional(validate_track_id),
    "videoEnabled": validate_bool,
    "screenshare": _optional(validate_track_id),
    "screenShareEnabled": validate_bool,
}
_NOT_WRITABLE = {
    "id",
    "name",
    "joined",
    "joinedAt",
    "handRaisedAt",
    "tracks",
    "transceiverSessionId",
}
_TRACK_ID_FIELDS = ("audio", "video", "screenshare")


def _check_change(key: object, value: object) -> tuple[str, object] | Refused:
    """Validate one change; return (key, accepted value) or a refusal."""
    if not isinstance(key, str) or len(key) > 64:
        return _refuse("unknown_field", "Field names must be short strings.")
    if key in _NOT_WRITABLE:
        return _refuse("field_not_writable", f"“{key}” cannot be changed this way.")
    if key.startswith("tracks."):
        validator = _TRACK_FIELDS.get(key.removeprefix("tracks."))
    else:
        validator = _USER_FIELDS.get(key)
    if validator is None:
        return _refuse("unknown_field", f"“{key}” is not a roster field.")
    checked = validator(value)
    if isinstance(checked, Problem):
        return Refused(Problem(checked.code, f"{key}: {checked.description}"))
    return key, checked


def _with_changes(user: User, changes: dict[str, object]) -> User:
    own = {k: v for k, v in changes.items() if not k.startswith("tracks.")}
    tracks = {
        k.removeprefix("tracks."): v
        for k, v in changes.items()
        if k.startswith("tracks.")
    }
    if tracks:
        own["tracks"] = dataclasses.replace(user.tracks, **tracks)  # type: ignore[arg-type]
    return dataclasses.replace(user, **own)  # type: ignore[arg-type]


# ---- command handlers ------------------------------------------------------------


def _enter(room: Room, cmd: Enter) -> Outcome:
    name = validate_display_name(cmd.name)
    if isinstance(name, Problem):
        return Refused(name)
    seen = {**room.lastSeen, cmd.user_id: cmd.now}
    user = find_user(room, cmd.user_id)
    if user is None:
        users = (*room.users, User(id=cmd.user_id, name=name))
        return Accepted(dataclasses.replace(room, users=users, lastSeen=seen))
    updated = (
        room
        if user.name == name
        else _replace_user(room, dataclasses.replace(user, name=name))
    )
    return Accepted(dataclasses.replace(updated, lastSeen=seen))


def joins_muted(room: Room, user_id: str) -> bool:
    """Whether someone joining ``room`` now starts with the microphone off.

    Args:
        room: The room before the join.
        user_id: Who joins (not counted).

    Returns:
        True when more than :data:`AUTO_MUTE_ABOVE` other people (the AI
        not counted) are in the meeting.
    """
    others = sum(1 for u in room.users if u.joined and u.id != user_id and not is_ai(u))
    return others > AUTO_MUTE_ABOVE


def _join(room: Room, cmd: Join) -> Outcome:
    user = find_user(room, cmd.user_id)
    if user is None:
        return _not_in_room()
    if user.joined:
        return Accepted(room)
    notices: list[Notice] = []
    meeting = room.meetingId
    if not any(u.joined for u in room.users) or meeting is None:
        meeting = cmd.new_meeting_id
        notices.append(MeetingStarted(meeting))
    joined = dataclasses.replace(user, joined=True, joinedAt=cmd.now)
    if joins_muted(room, user.id) and user.tracks.audioEnabled:
        joined = dataclasses.replace(
            joined, tracks=dataclasses.replace(user.tracks, audioEnabled=False)
        )
    new_room = dataclasses.replace(
        _replace_user(room, joined),
        meetingId=meeting,
        lastSeen={**room.lastSeen, cmd.user_id: cmd.now},
    )
    notices.append(UserJoined(user.id, user.name))
    return Accepted(new_room, tuple(notices))


def _update_own(room: Room, cmd: UpdateOwn) -> Outcome:
    user = find_user(room, cmd.user_id)
    if user is None:
        return _not_in_room()
    if not isinstance(cmd.changes, Mapping) or not cmd.changes:
        return _refuse("no_changes", "Nothing to change.")
    if len(cmd.changes) > MAX_CHANGES:
        return _refuse(
            "too_many_changes", f"At most {MAX_CHANGES} fields can change at once."
        )
    accepted: dict[str, object] = {}
    for key, value in cmd.changes.items():
        checked = _check_change(key, value)
        if isinstance(checked, Refused):
            return checked
        accepted[checked[0]] = checked[1]
    foreign = _foreign_track(user, accepted)
    if foreign is not None:
        return foreign
    # A microphone the browser could not open is off, whatever is asked: the
    # others must never see it on.
    unavailable = accepted.get("tracks.audioUnavailable", user.tracks.audioUnavailable)
    if unavailable and accepted.get("tracks.audioEnabled", user.tracks.audioEnabled):
        accepted["tracks.audioEnabled"] = False
    if accepted.get("raisedHand") is True and not user.raisedHand:
        accepted["handRaisedAt"] = cmd.now
    return Accepted(_apply_plain(room, user, accepted))


def _foreign_track(user: User, accepted: Mapping[str, object]) -> Refused | None:
    """Refuse announcing a track id that is not on the user's own session."""
    for name in _TRACK_ID_FIELDS:
        track_id = accepted.get(f"tracks.{name}")
        if track_id is None:
            continue
        session = user.transceiverSessionId
        if not session or not str(track_id).startswith(f"{session}/"):
            return _refuse(
                "foreign_track",
                "Only tracks published on your own media session can be announced.",
            )
    return None


def _set_session(room: Room, cmd: SetSession) -> Outcome:
    user = find_user(room, cmd.user_id)
    if user is None:
        return _not_in_room()
    session = validate_session_id(cmd.session_id)
    if isinstance(session, Problem):
        return Refused(session)
    if user.transceiverSessionId == session:
        return Accepted(room)
    tracks = dataclasses.replace(user.tracks, audio=None, video=None, screenshare=None)
    updated = dataclasses.replace(user, transceiverSessionId=session, tracks=tracks)
    return Accepted(_replace_user(room, updated))


def _apply_plain(room: Room, user: User, accepted: dict[str, object]) -> Room:
    if not accepted:
        return room
    updated = _with_changes(user, accepted)
    return room if updated == user else _replace_user(room, updated)


def _set_name(room: Room, cmd: SetName) -> Outcome:
    user = find_user(room, cmd.user_id)
    if user is None:
        return _not_in_room()
    name = validate_display_name(cmd.name)
    if isinstance(name, Problem):
        return Refused(name)
    if name == user.name:
        return Accepted(room)
    return Accepted(_replace_user(room, dataclasses.replace(user, name=name)))


def _raise_hand(room: Room, cmd: RaiseHand) -> Outcome:
    user = find_user(room, cmd.user_id)
    if user is None:
        return _not_in_room()
    raised = validate_bool(cmd.raised)
    if isinstance(raised, Problem):
        return Refused(raised)
    if user.raisedHand == raised:
        return Accepted(room)
    at = cmd.now if raised else user.handRaisedAt
    updated = dataclasses.replace(user, raisedHand=raised, handRaisedAt=at)
    return Accepted(_replace_user(room, updated))


def _mute(room: Room, cmd: Mute) -> Outcome:
    by = find_user(room, cmd.by_id)
    target = find_user(room, cmd.target_id)
    if by is None or not by.joined:
        return _not_in_room()
    if target is None or not target.joined:
        return _refuse("unknown_participant", "That participant is not in the meeting.")
    if target.id == by.id:
        return _refuse("cannot_mute_self", "Use your own microphone button.")
    if is_ai(target):
        return _refuse("cannot_mute_ai", "The AI only hears whoever talks to it.")
    if not target.tracks.audioEnabled:
        return Accepted(room)
    tracks = dataclasses.replace(target.tracks, audioEnabled=False)
    updated = _replace_user(room, dataclasses.replace(target, tracks=tracks))
    return Accepted(updated, (UserMuted(target.id, by.id, by.name),))


def _heartbeat(room: Room, cmd: Heartbeat) -> Outcome:
    if find_user(room, cmd.user_id) is None:
        return _not_in_room()
    return Accepted(
        dataclasses.replace(room, lastSeen={**room.lastSeen, cmd.user_id: cmd.now})
    )


def _leave(room: Room, cmd: Leave) -> Outcome:
    user = find_user(room, cmd.user_id)
    if user is None:
        return Accepted(room)
    new_room, ended = _without(room, {user.id})
    notices: tuple[Notice, ...] = ()
    if user.joined:
        notices = (UserLeft(user.id, user.name, "left"),)
    return Accepted(new_room, notices + ended)


def _sweep(room: Room, cmd: Sweep) -> Outcome:
    cutoff = cmd.now - cmd.timeout
    # The AI sends no heartbeats: it stays while a person is in the meeting.
    stale = [
        u
        for u in room.users
        if not is_ai(u) and room.lastSeen.get(u.id, float("-inf")) < cutoff
    ]
    if not stale:
        return Accepted(room)
    new_room, ended = _without(room, {u.id for u in stale})
    left = tuple(UserLeft(u.id, u.name, "timed_out") for u in stale if u.joined)
    return Accepted(new_room, left + ended)


def _add_ai(room: Room, cmd: AddAi) -> Outcome:
    by = find_user(room, cmd.by_id)
    if by is None or not by.joined or is_ai(by):
        return _not_in_room()
    session = validate_session_id(cmd.session_id)
    if isinstance(session, Problem):
        return Refused(session)
    name = validate_display_name(cmd.name)
    if isinstance(name, Problem):
        return Refused(name)
    ai = User(
        id=AI_USER_ID,
        name=name,
        joined=True,
        transceiverSessionId=session,
        tracks=Tracks(audio=f"{session}/{AI_TRACK_NAME}", videoEnabled=False),
        joinedAt=cmd.now,
    )
    users = tuple(u for u in room.users if not is_ai(u))
    return Accepted(dataclasses.replace(room, users=(*users, ai)))


def _remove_ai(room: Room, cmd: RemoveAi) -> Outcome:
    if cmd.by_id:
        by = find_user(room, cmd.by_id)
        if by is None or not by.joined or is_ai(by):
            return _not_in_room()
    if not any(is_ai(u) for u in room.users):
        return Accepted(room)
    users = tuple(u for u in room.users if not is_ai(u))
    return Accepted(dataclasses.replace(room, users=users))


_HANDLERS: dict[type, Callable[[Room, object], Outcome]] = {
    AddAi: _add_ai,  # type: ignore[dict-item]
    RemoveAi: _remove_ai,  # type: ignore[dict-item]
    Enter: _enter,  # type: ignore[dict-item]
    Join: _join,  # type: ignore[dict-item]
    UpdateOwn: _update_own,  # type: ignore[dict-item]
    SetName: _set_name,  # type: ignore[dict-item]
    SetSession: _set_session,  # type: ignore[dict-item]
    RaiseHand: _raise_hand,  # type: ignore[dict-item]
    Mute: _mute,  # type: ignore[dict-item]
    Heartbeat: _heartbeat,  # type: ignore[dict-item]
    Leave: _leave,  # type: ignore[dict-item]
    Sweep: _sweep,  # type: ignore[dict-item]
}


def apply(room: Room, command: object) -> Outcome:
    """Apply one command to a room.

    Args:
        room: The current room.
        command: One of the command dataclasses of this module.

    Returns:
        :class:`Accepted` with the new room and notices, or :class:`Refused`.
    """
    handler = _HANDLERS.get(type(command))
    if handler is None:
        return _refuse("unknown_command", f"Unknown command {type(command).__name__}.")
    return handler(room, command)
