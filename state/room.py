"""The room: roster and meeting shared by everyone in it (``rx.SharedState``).

The state only applies the pure commands of :mod:`core.roster` and exposes
read-only queries; every rule lives there. Identity never comes from event
arguments: the acting participant is the one recorded for the calling tab in
:class:`state.session.SessionState`.

Room traffic: every change to this state is sent to every member, so
heartbeat times are not kept here at all (see :mod:`state.presence`); the
tabs' secrets live there too.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Sequence
from typing import Any

import reflex as rx
from reflex.istate.manager.token import BaseStateToken

from reflex_meet.core import roster, roster_feed
from reflex_meet.core.paths import current as kit_paths
from reflex_meet.core.problems import Problem
from reflex_meet.core.roster import User
from reflex_meet.core.validation import normalise_room_name, validate_display_name
from reflex_meet.records import service
from reflex_meet.security.tokens import ROOM_TOKEN_PREFIX, room_token, tab_key
from reflex_meet.state import membership, presence
from reflex_meet.state.profile import ProfileState
from reflex_meet.state.registered_app import registered_app
from reflex_meet.state.roster_feed import RosterFeed, schedule_own_entries
from reflex_meet.state.session import SessionState

__all__ = [
    "ROOM_TOKEN_PREFIX",
    "RoomState",
    "read_room",
    "room_state_token",
    "room_token",
]

logger = logging.getLogger("meet.room")

# How many join/leave notices the room keeps for late toasts and screen readers.
MAX_NOTICES = 5
# ...within this many bytes of JSON (every member receives them with each one).
NOTICES_BUDGET = 400
# Public chat messages kept here for live delivery (history is in the database;
# each browser keeps what it received): every member receives this list with
# each message, so it is short and bounded in bytes.
MAX_CHAT_RECENT = 5
CHAT_RECENT_BUDGET = 1500


def room_state_token(room: str) -> BaseStateToken:
    """Return the state token that reaches a room's own ``RoomState``.

    Args:
        room: A normalised room name.

    Returns:
        The token for ``modify_state`` / ``state_manager.get_state``, used by
        code that is not a member's event (HTTP routes, the Calls proxy).
    """
    return BaseStateToken(ident=room_token(room), cls=RoomState)


async def read_room(room: str) -> RoomState:
    """Read a room's ``RoomState`` by its own token: no lock, nothing written.

    Args:
        room: A normalised room name.

    Returns:
        The room's state as stored now (for reading only).
    """
    root = await registered_app().state_manager.get_state(room_state_token(room))
    return await root.get_state(RoomState)


def _unwrap(value: object) -> object:
    """Return the plain object behind a Reflex mutable proxy."""
    return getattr(value, "__wrapped__", value)


class RoomState(rx.SharedState):
    """Roster, meeting id and recent notices of one room.

    The roster itself is a backend var: members receive it as a snapshot when
    they enter (:class:`state.roster_feed.RosterFeed`, sent to that tab alone)
    and then as numbered changes in ``roster_log`` (see
    :mod:`core.roster_feed`), so a change costs each member the size of the
    change, not of the room.
    """

    meeting_id: str = ""
    # The latest roster changes, numbered (core.roster_feed).
    roster_log: list[dict[str, Any]] = []
    # Recent join/leave/mute notices: {"seq", "kind", "user_id", "name", "by"}.
    notices: list[dict[str, str]] = []
    notice_seq: int = 0
    # The latest public chat messages (see state.chat).
    chat_recent: list[dict[str, Any]] = []
    # The AI voice participant (Orange's RoomState.ai; see state.ai):
    # {enabled, connectionPending, error, controllingUser, controllingName}.
    ai: dict[str, Any] = {}
    # Everyone in the room, lobby included, in arrival order.
    _users: list[User] = []
    # The number of the latest change in roster_log.
    _roster_seq: int = 0
    # The room's name (its token is derived from it and cannot be reversed).
    _room_name: str = ""
    # The Reflex client token of each participant's tab (backend only).
    _tabs: dict[str, str] = {}

    def _add_chat_message(self, message: dict[str, Any]) -> None:
        """Deliver a stored public chat message to everyone in the room.

        Args:
            message: The message as ``state.chat.chat_view`` shapes it.
        """
        self.chat_recent = roster_feed.latest_within(
            [*self.chat_recent, message],
            size=MAX_CHAT_RECENT,
            budget=CHAT_RECENT_BUDGET,
        )

    # ---- queries -------------------------------------------------------

    def _plain_users(self) -> tuple[User, ...]:
        """The roster as plain ``User`` objects (no Reflex proxies).

        Returns:
            Everyone in the room, lobby included, in arrival order.
        """
        return tuple(_unwrap(user) for user in _unwrap(self._users))  # type: ignore[misc, union-attr]

    def _snapshot(self, own_id: str = "") -> dict[str, Any]:
        """The shared roster for one tab, as of the latest change.

        Args:
            own_id: The tab's participant id.

        Returns:
            See :func:`core.roster_feed.snapshot`.
        """
        return roster_feed.snapshot(self._plain_users(), self._roster_seq, own_id)

    # ---- applying commands ---------------------------------------------

    def _room(self, last_seen: dict[str, float] | None = None) -> roster.Room:
        return roster.Room(
            meetingId=self.meeting_id or None,
            users=self._plain_users(),
            lastSeen=last_seen or {},
        )

    def _store(
        self, room: roster.Room, notices: Sequence[object], name: str = ""
    ) -> None:
        if (room.meetingId or "") != self.meeting_id:
            self.meeting_id = room.meetingId or ""
        before = self._plain_users()
        if tuple(room.users) != before:
            changes = roster_feed.changes_between(
                roster_feed.members(before), roster_feed.members(room.users)
            )
            if changes:
                self.roster_log, self._roster_seq = roster_feed.append_changes(
                    self.roster_log, changes, self._roster_seq
                )
            self._users = list(room.users)
            tabs = {
                uid: self._tabs[uid]
                for uid in roster_feed.lobby_changes(before, room.users)
                if uid in self._tabs
            }
            if tabs:
                schedule_own_entries(name or self._room_name, tabs)
            if self.ai.get("enabled") and not any(roster.is_ai(u) for u in room.users):
                self.ai = {}  # the AI left (removed, or with the last person)
        self._publish(notices)

    def _publish(self, notices: Sequence[object]) -> None:
        fresh: list[dict[str, str]] = []
        for notice in notices:
            entry = _notice_entry(notice)
            if entry is None:
                continue
            self.notice_seq += 1
            fresh.append({"seq": str(self.notice_seq), **entry})
        if fresh:
            self.notices = roster_feed.latest_within(
                [*self.notices, *fresh], size=MAX_NOTICES, budget=NOTICES_BUDGET
            )

    def _apply(
        self,
        command: object,
        *,
        actor: str,
        last_seen: dict[str, float] | None = None,
        room: str = "",
    ) -> Problem | None:
        """Apply one roster command; log and drop it when refused.

        Accepted commands are also recorded (meetings, attendance) in the
        background; ``room`` names the room when this state was loaded by its
        own token rather than through a member's link.
        """
        outcome = roster.apply(self._room(last_seen), command)
        if isinstance(outcome, roster.Refused):
            logger.warning(
                "room %s: refused %s from %s: %s (%s)",
                self._linked_to or "-",
                type(command).__name__,
                actor or "-",
                outcome.problem.code,
                outcome.problem.description,
            )
            return outcome.problem
        previous_meeting = self.meeting_id or None
        before = self._plain_users()
        name = room or self._room_name
        self._store(outcome.room, outcome.notices, name)
        service.schedule_roster_change(
            name, previous_meeting, outcome.room, outcome.notices
        )
        remaining = {user.id for user in outcome.room.users}
        gone = [user for user in before if user.id not in remaining]
        if gone:
            self._release(name, gone)
        return None

    def _release(self, room: str, gone: Sequence[User]) -> None:
        """Stop sending anything to participants who are no longer here."""
        tabs = dict(self._tabs)
        departures = []
        for user in gone:
            token = tabs.pop(user.id, "")
            if token and token in self._linked_from:
                # At once: no later change of this room is sent to that tab.
                self._linked_from.discard(token)
            departures.append(
                membership.Departure(
                    room=room,
                    participant_id=user.id,
                    client_token=token,
                    calls_session=user.transceiverSessionId or "",
                )
            )
        self._tabs = tabs
        membership.schedule_release(departures)

    async def _session(self) -> SessionState:
        session = await self.get_state(SessionState)
        if session.worker_pid != os.getpid():
            session.worker_pid = os.getpid()
        return session

    async def _actor(self) -> str:
        """The calling tab's participant id, if it is in this room."""
        session = await self._session()
        if session.room and room_token(session.room) == self._linked_to:
            return session.participant_id
        return ""

    # ---- lobby and meeting lifecycle -------------------------------------

    @rx.event
    async def enter(self) -> rx.event.EventSpec | None:
        """Enter the room named in the URL (lobby and meeting pages' on_load).

        Links this tab to the room's shared state and adds it to the roster as
        not yet joined. Invalid room names go home with a message.

        Returns:
            A redirect when the URL's room name is not a valid one.
        """
        session = await self._session()
        if session._left_room:
            session._left_room = ""  # the person came back on purpose
        return await self._enter_from_url()

    @rx.event
    async def reenter(self) -> rx.event.EventSpec | None:
        """Enter again after the server forgot this tab (a heartbeat got 410).

        A heartbeat still in flight when the person pressed Leave is answered
        410 too: the tab that left must not come back as a ghost, so this
        does nothing once the tab has left the room named in the URL.

        Returns:
            A redirect when the URL's room name is not a valid one.
        """
        session = await self._session()
        raw = self.router.page.params.get("room", "")
        if session._left_room and session._left_room == normalise_room_name(raw):
            logger.warning(
                "room %s: a late heartbeat answer after leaving was ignored",
                session._left_room,
            )
            return None
        return await self._enter_from_url()

    async def _enter_from_url(self) -> rx.event.EventSpec | None:
        raw = self.router.page.params.get("room", "")
        room = normalise_room_name(raw)
        if isinstance(room, Problem):
            profile = await self.get_state(ProfileState)
            profile.room_error = room.code
            profile.room_error_detail = room.description
            return rx.redirect(kit_paths().home)
        if room != raw:
            paths = kit_paths()
            suffix = paths.room_suffix(self.router.url.path, raw)
            return rx.redirect(paths.lobby(room) + suffix)
        profile = await self.get_state(ProfileState)
        name = validate_display_name(profile.display_name)
        if isinstance(name, Problem):
            return None  # require_name is sending this tab home first
        session = await self._session()
        if session.room and session.room != room and self._linked_to:
            await self._leave_linked(session)
        shared = await self._link_to(room_token(room))
        if shared._room_name != room:
            shared._room_name = room
        client_token = self.router.session.client_token
        if not session.participant_id or session.room != room:
            session.participant_id = uuid.uuid4().hex[:12]
            session.leave_key = tab_key(room, session.participant_id)
        session.room = room
        problem = shared._apply(
            roster.Enter(
                user_id=session.participant_id,
                name=name,
                now=time.time(),
            ),
            actor=session.participant_id,
        )
        if problem is None:
            if shared._tabs.get(session.participant_id) != client_token:
                shared._tabs = {**shared._tabs, session.participant_id: client_token}
            await presence.register(
                room, session.participant_id, time.time(), client_token=client_token
            )
        feed = await self.get_state(RosterFeed)
        feed.snapshot = shared._snapshot(session.participant_id)
        feed.own = {}
        return None

    @rx.event
    async def join(self) -> rx.event.EventSpec | None:
        """Join the meeting from the lobby, starting it if the room was empty.

        Returns:
            Navigation to the meeting page.
        """
        actor = await self._actor()
        if not actor:
            return None
        self._apply(
            roster.Join(
                user_id=actor, now=time.time(), new_meeting_id=str(uuid.uuid4())
            ),
            actor=actor,
        )
        session = await self.get_state(SessionState)
        return rx.redirect(kit_paths().meeting(session.room))

    @rx.event
    async def join_directly(self) -> None:
        """Join at once (meeting page opened without going through the lobby)."""
        actor = await self._actor()
        if not actor:
            return
        user = roster.find_user(self._room(), actor)
        if user is not None and user.joined:
            return
        self._apply(
            roster.Join(
                user_id=actor, now=time.time(), new_meeting_id=str(uuid.uuid4())
            ),
            actor=actor,
        )

    async def _leave_linked(self, session: SessionState) -> None:
        """Take this tab out of its room: roster, presence, link, Calls session."""
        from reflex_meet.state.media import MediaState  # imports this module

        self._apply(roster.Leave(user_id=session.participant_id), actor="")
        await presence.forget(session.room, {session.participant_id})
        session.room = ""
        session.participant_id = ""
        session.leave_key = ""
        (await self.get_state(MediaState))._calls_session = ""
        feed = await self.get_state(RosterFeed)
        feed.snapshot, feed.own = {}, {}
        # No later event of this tab loads the room (its tracks on Calls are
        # closed by the release that Leave scheduled).
        links = self._get_root_state()._reflex_internal_links or {}
        links.pop(RoomState.get_full_name(), None)

    @rx.event
    async def leave(self) -> rx.event.EventSpec:
        """Leave the room at once; ask about the call if there was one.

        Returns:
            Navigation to the feedback page (after a meeting) or home.
        """
        session = await self._session()
        actor = await self._actor()
        me = roster.find_user(self._room(), actor) if actor else None
        meeting = self.meeting_id if me is not None and me.joined else ""
        left = session.room or normalise_room_name(
            self.router.page.params.get("room", "")
        )
        if isinstance(left, str) and session._left_room != left:
            session._left_room = left
        if actor:
            await self._leave_linked(session)
        if meeting:
            session.last_meeting_id = meeting
            return rx.redirect(kit_paths().feedback)
        return rx.redirect(kit_paths().home)

    # ---- changing one's own entry ----------------------------------------

    @rx.event
    async def update_own(self, changes: object) -> None:
        """Change fields of the caller's own roster entry (field by field).

        Args:
            changes: Mapping of field name (``"raisedHand"``,
                ``"tracks.audioEnabled"``, ...) to new value; validated by
                :class:`core.roster.UpdateOwn`.
        """
        actor = await self._actor()
        if not isinstance(changes, dict):
            logger.warning(
                "room %s: refused update from %s: changes must be an object",
                self._linked_to or "-",
                actor or "-",
            )
            return
        if actor:
            self._apply(roster.UpdateOwn(user_id=actor, changes=changes), actor=actor)

    async def _rename_self(self, name: str) -> None:
        """Give the calling tab's own entry a new (already validated) name."""
        actor = await self._actor()
        if actor:
            self._apply(roster.SetName(user_id=actor, name=name), actor=actor)

    async def _set_own(self, key: str, value: object) -> None:
        await self.update_own({key: value})

    @rx.event
    async def set_microphone(self, enabled: object) -> None:
        """Turn the caller's own microphone on or off.

        Args:
            enabled: The new state (a boolean).
        """
        await self._set_own("tracks.audioEnabled", enabled)

    @rx.event
    async def set_camera(self, enabled: object) -> None:
        """Turn the caller's own camera on or off.

        Args:
            enabled: The new state (a boolean).
        """
        await self._set_own("tracks.videoEnabled", enabled)

    @rx.event
    async def toggle_own(self, what: object) -> None:
        """Flip the caller's microphone or camera (keyboard shortcuts).

        Args:
            what: ``"toggle_mic"`` or ``"toggle_camera"``.
        """
        actor = await self._actor()
        me = roster.find_user(self._room(), actor) if actor else None
        if me is None:
            return
        if what == "toggle_mic":
            await self._set_own("tracks.audioEnabled", not me.tracks.audioEnabled)
        elif what == "toggle_camera":
            await self._set_own("tracks.videoEnabled", not me.tracks.videoEnabled)

    @rx.event
    async def set_hand(self, raised: object) -> None:
        """Raise or lower the caller's hand.

        Args:
            raised: True to raise, False to lower.
        """
        actor = await self._actor()
        if not actor:
            return
        if not isinstance(raised, bool):
            logger.warning("room %s: refused hand from %s", self._linked_to, actor)
            return
        self._apply(
            roster.RaiseHand(user_id=actor, raised=raised, now=time.time()),
            actor=actor,
        )

    @rx.event
    async def mute(self, target_id: object) -> None:
        """Turn another participant's microphone off (they alone turn it on).

        Args:
            target_id: The participant id to mute.
        """
        actor = await self._actor()
        if not actor:
            return
        if not isinstance(target_id, str) or len(target_id) > 64:
            logger.warning("room %s: refused mute from %s", self._linked_to, actor)
            return
        self._apply(roster.Mute(by_id=actor, target_id=target_id), actor=actor)


def _notice_entry(notice: object) -> dict[str, str] | None:
    """Describe a roster notice for the room's toasts and live region."""
    if isinstance(notice, roster.UserJoined):
        return {"kind": "joined", "user_id": notice.user_id, "name": notice.name}
    if isinstance(notice, roster.UserLeft):
        kind = "timed_out" if notice.reason == "timed_out" else "left"
        return {"kind": kind, "user_id": notice.user_id, "name": notice.name}
    if isinstance(notice, roster.UserMuted):
        return {
            "kind": "muted",
            "user_id": notice.target_id,
            "name": "",
            "by": notice.by_id,
            "by_name": notice.by_name,
        }
    return None
