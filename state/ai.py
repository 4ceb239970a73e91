"""The AI voice participant of a room: invite, push-to-talk control, remove.

Every handler authorises from server-side facts only: the caller is the
participant recorded for the calling tab (:class:`state.session.SessionState`)
and must have joined the meeting; the Calls session that is fed to the AI is
the caller's own, as recorded in the roster. The OpenAI token stays in
:mod:`calls.ai` (never in a state var, an event or a log line).

The room's shared ``RoomState.ai`` says what everyone sees:
``{enabled, connectionPending, error, controllingUser, controllingName}``;
the AI itself is a roster entry (:data:`core.roster.AI_USER_ID`) whose audio
track is ``<aiSessionId>/ai-generated-voice``, pulled like anyone's.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import reflex as rx
from reflex.istate.manager.token import BaseStateToken

from reflex_meet.calls.ai import (
    DEFAULT_INSTRUCTIONS,
    DEFAULT_VOICE,
    AiError,
    AiSession,
    check_request,
    feed,
    invite,
    is_alive,
)
from reflex_meet.core import ids, roster
from reflex_meet.core.problems import Problem
from reflex_meet.core.roster import User
from reflex_meet.state import background, membership
from reflex_meet.state.ai_backend import ai_config
from reflex_meet.state.calls_backend import calls_client
from reflex_meet.state.registered_app import registered_app
from reflex_meet.state.room import RoomState, read_room, room_state_token
from reflex_meet.state.session import SessionState

__all__ = ["AI_NAME", "AiState", "drop_ai_if_gone"]

logger = logging.getLogger("meet.ai")

AI_NAME = "AI assistant"
PENDING_TIMEOUT_S = 60.0
"""A connection pending longer than this (a worker died meanwhile) is stale."""

T = TypeVar("T")


def _pending(ai: dict[str, Any], now: float) -> bool:
    since = ai.get("pendingSince")
    return bool(ai.get("connectionPending")) and (
        not isinstance(since, int | float) or now - since < PENDING_TIMEOUT_S
    )


def _ai_user(users: tuple[User, ...]) -> User | None:
    return next((u for u in users if roster.is_ai(u)), None)


async def _change_room(room: str, change: Callable[[RoomState], T]) -> T:
    """Run ``change`` on the room's state under its lock (by the room's token)."""
    async with registered_app().modify_state(room_state_token(room)) as root:
        return change(await root.get_state(RoomState))


def _refuse(room: str, who: str, what: str, problem: Problem) -> None:
    logger.warning(
        "room %s: refused %s from %s: %s (%s)",
        room or "-",
        what,
        who or "-",
        problem.code,
        problem.description,
    )


async def drop_ai_if_gone(room: str) -> bool:
    """Take the AI out of a room whose AI service hung up (the sweeper calls it).

    Reads the room without a lock; asks Calls only when the room has an AI.

    Args:
        room: A normalised room name.

    Returns:
        Whether the AI was taken out.
    """
    ai_user = _ai_user((await read_room(room))._plain_users())
    if ai_user is None or not ai_user.transceiverSessionId:
        return False
    session_id = ai_user.transceiverSessionId
    try:
        alive = await is_alive(calls_client(), AiSession(session_id=session_id, mid=""))
    except AiError as failure:  # Calls could not tell: ask again next time
        logger.info("room %s: AI liveness unknown: %s", room, failure.problem.code)
        return False
    if alive:
        return False

    def gone(state: RoomState) -> bool:
        current = _ai_user(state._plain_users())
        if current is None or current.transceiverSessionId != session_id:
            return False  # removed or replaced meanwhile
        state._apply(roster.RemoveAi(), actor="", room=room)
        state.ai = {"enabled": False, "error": "The AI has left the call."}
        return True

    dropped = await _change_room(room, gone)
    if dropped:
        logger.info("room %s: the AI's session %s ended; removed it", room, session_id)
    return dropped


class AiState(rx.State):
    """This tab's side of the AI participant: the invitation dialog."""

    # The invitation dialog (prefilled from ?instructions= and ?voice=).
    invite_open: bool = False
    draft_instructions: str = DEFAULT_INSTRUCTIONS
    draft_voice: str = DEFAULT_VOICE
    # Why this tab's last invitation was refused before anything started.
    invite_problem: str = ""

    @rx.var
    def available(self) -> bool:
        """Whether the AI participant is configured (else its controls hide)."""
        return ai_config() is not None

    async def _member(self, what: str) -> tuple[str, str, User] | None:
        """The caller's (room, participant, entry) if they joined; else logs why."""
        root = await registered_app().state_manager.get_state(
            BaseStateToken(ident=self.router.session.client_token, cls=AiState)
        )
        session = await root.get_state(SessionState)
        room, participant = session.room, session.participant_id
        users = (await read_room(room))._plain_users() if room else ()
        me = next((u for u in users if u.id == participant), None)
        if not participant or me is None or not me.joined:
            _refuse(
                room,
                participant,
                what,
                Problem("ai_not_member", "Only members of the meeting may do this."),
            )
            return None
        return room, participant, me

    @rx.event
    def open_invite(self, open_: object) -> None:
        """Open (prefilled from the page's query) or close the invitation dialog.

        Args:
            open_: True to open.
        """
        if not isinstance(open_, bool):
            return
        self.invite_open = open_
        if not open_:
            return
        query = self.router.url.query_parameters
        checked = check_request(query.get("instructions"), query.get("voice"))
        if isinstance(checked, Problem):
            checked = (DEFAULT_INSTRUCTIONS, DEFAULT_VOICE)
        self.draft_instructions, self.draft_voice = checked
        self.invite_problem = ""

    @rx.event(background=True)
    async def invite_ai(self, form: object) -> None:
        """Invite the AI into the caller's meeting (a joined member only).

        Args:
            form: ``{"instructions": str, "voice": str}`` from the dialog.
        """
        config = ai_config()
        member = await self._member("invite_ai")
        if member is None or config is None:
            return
        room, participant, _ = member
        values = form if isinstance(form, dict) else {}
        checked = check_request(values.get("instructions"), values.get("voice"))
        if isinstance(checked, Problem):
            async with self:
                self.invite_problem = checked.description
            return
        instructions, voice = checked
        now = time.time()

        def claim(state: RoomState) -> bool:
            if _pending(state.ai, now) or _ai_user(state._plain_users()):
                return False
            state.ai = {
                "enabled": False,
                "connectionPending": True,
                "pendingSince": now,
                "error": "",
                "controllingUser": "",
                "controllingName": "",
            }
            return True

        if not await _change_room(room, claim):
            _refuse(
                room,
                participant,
                "invite_ai",
                Problem("ai_already_here", "The AI is already here or on its way."),
            )
            return
        async with self:
            self.invite_open = False
            self.invite_problem = ""
        try:
            ai = await invite(calls_client(), config, instructions, voice)
        except AiError as failure:
            logger.info(
                "room %s: the AI could not join: %s (%s)",
                room,
                failure.problem.code,
                failure.problem.description,
            )

            reason = failure.problem.description

            def failed(state: RoomState) -> None:
                state.ai = {"enabled": False, "error": reason}

            await _change_room(room, failed)
            return

        def joined(state: RoomState) -> Problem | None:
            problem = state._apply(
                roster.AddAi(
                    by_id=participant,
                    session_id=ai.session_id,
                    name=AI_NAME,
                    now=time.time(),
                ),
                actor=participant,
                room=room,
            )
            if problem is None:
                state.ai = {
                    "enabled": True,
                    "connectionPending": False,
                    "error": "",
                    "controllingUser": "",
                    "controllingName": "",
                }
            else:
                state.ai = {"enabled": False, "error": problem.description}
            return problem

        if await _change_room(room, joined) is not None:
            # The inviter left meanwhile: the AI's session is not wanted.
            background.spawn(membership.close_calls_session(ai.session_id))

    @rx.event(background=True)
    async def remove_ai(self) -> None:
        """Take the AI out of the meeting (a joined member only).

        Its Calls tracks are closed by the roster's release of departed
        participants (:mod:`state.membership`).
        """
        member = await self._member("remove_ai")
        if member is None:
            return
        room, participant, _ = member

        def removed(state: RoomState) -> None:
            state._apply(
                roster.RemoveAi(by_id=participant), actor=participant, room=room
            )
            if not _pending(state.ai, time.time()):
                state.ai = {}

        await _change_room(room, removed)

    @rx.event(background=True)
    async def request_ai_control(self, track: object) -> None:
        """Talk to the AI: feed the caller's push-to-talk track into it.

        One person controls the AI at a time; control held by someone who is
        no longer in the meeting is free.

        Args:
            track: The name of the caller's push-to-talk track (on the
                caller's own Calls session, as recorded in the roster).
        """
        member = await self._member("request_ai_control")
        if member is None:
            return
        room, participant, me = member
        if not ids.is_id(ids.TRACK_NAME, track):
            _refuse(
                room,
                participant,
                "request_ai_control",
                Problem("ai_bad_track", "The track name is not valid."),
            )
            return
        if not me.transceiverSessionId:
            _refuse(
                room,
                participant,
                "request_ai_control",
                Problem("ai_no_session", "You have no media session yet."),
            )
            return

        def claim(state: RoomState) -> User | Problem:
            users = state._plain_users()
            ai_user = _ai_user(users)
            if ai_user is None or not ai_user.transceiverSessionId:
                return Problem("ai_absent", "The AI is not in the meeting.")
            holder = state.ai.get("controllingUser") or ""
            if holder and holder != participant:
                still_here = any(u.id == holder and u.joined for u in users)
                if still_here:
                    return Problem("ai_busy", "Someone else is talking to the AI.")
            if holder != participant:
                state.ai = {
                    **state.ai,
                    "controllingUser": participant,
                    "controllingName": me.name,
                    "error": "",
                }
            return ai_user

        claimed = await _change_room(room, claim)
        if isinstance(claimed, Problem):
            _refuse(room, participant, "request_ai_control", claimed)
            return
        ai = AiSession(session_id=claimed.transceiverSessionId or "", mid="")
        try:
            await feed(calls_client(), ai, me.transceiverSessionId, track)
        except AiError as failure:
            logger.info(
                "room %s: feeding %s to the AI failed: %s",
                room,
                participant,
                failure.problem.description,
            )
            gone = failure.problem.code == "ai_session_closed"
            reason = failure.problem.description

            def failed(state: RoomState) -> None:
                if gone:
                    state._apply(roster.RemoveAi(), actor="", room=room)
                    state.ai = {"enabled": False, "error": reason}
                elif state.ai.get("controllingUser") == participant:
                    state.ai = {
                        **state.ai,
                        "controllingUser": "",
                        "controllingName": "",
                        "error": reason,
                    }

            await _change_room(room, failed)

    @rx.event(background=True)
    async def release_ai_control(self) -> None:
        """Stop talking to the AI (only the person in control gives it back)."""
        member = await self._member("release_ai_control")
        if member is None:
            return
        room, participant, _ = member

        def release(state: RoomState) -> None:
            if state.ai.get("controllingUser") == participant:
                state.ai = {**state.ai, "controllingUser": "", "controllingName": ""}

        await _change_room(room, release)
