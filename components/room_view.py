"""This tab's view of the room, computed in the browser, as Reflex vars.

The server sends each tab the roster once and then only numbered changes
(:mod:`core.roster_feed`); ``assets/meet/roster.jsx`` keeps the roster and
computes everything a tab shows from it: who I am, the participants list,
the stage (its order, pages, the pinned tile, the active speaker brought
on), and the tracks to pull. Nothing derived is sent by the server, so a
raised hand costs every member one small message whatever the room's size.

Components read the view through :class:`RoomView`, whose attributes are
ordinary Reflex vars (``rx.foreach(RoomView.stage_tiles, participant_tile)``,
``rx.cond(RoomView.mic_on, ...)``); :func:`roster_sync` (invisible, once per
page) feeds the browser's store.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx
from reflex.event import EventHandler, no_args_event_spec
from reflex.vars.base import Var
from reflex_base.event import EventChain
from reflex_base.utils.imports import ImportVar
from reflex_base.vars import VarData
from reflex_base.vars.function import ArgsFunctionOperationBuilder, FunctionVar

from reflex_meet.browser import shipped
from reflex_meet.core.roster import User
from reflex_meet.state.room import RoomState
from reflex_meet.state.roster_feed import RosterFeed
from reflex_meet.state.session import SessionState

__all__ = ["RoomView", "RosterSync", "TileView", "roster_sync"]

_LIBRARY = shipped("roster.jsx")


@dataclasses.dataclass(frozen=True)
class TileView:
    """One tile as the components render it (flat, ready to show)."""

    key: str
    id: str
    kind: str
    name: str
    initial: str
    is_self: bool
    audio_enabled: bool
    video_enabled: bool
    raised_hand: bool
    speaking: bool
    # What the tile shows: a pulled track id, "self:camera"/"self:screen" for
    # one's own media, "" when there is nothing to show (avatar).
    video_track: str
    # The person's audio track (speaking ring), "" when none.
    audio_track: str
    pinned: bool


_VIEW = VarData(
    hooks={"const meetView = useMeetView()": None},
    imports={_LIBRARY: [ImportVar(tag="useMeetView")]},
)


def _view(name: str, type_: Any) -> Var:
    return Var(_js_expr=f"meetView.{name}", _var_data=_VIEW).to(type_)


def _call(function: str, *args: Any) -> Var:
    """An event trigger that calls a function of ``roster.jsx`` in the browser."""
    target = Var(
        _js_expr=function,
        _var_data=VarData(imports={_LIBRARY: [ImportVar(tag=function)]}),
    ).to(FunctionVar)
    return ArgsFunctionOperationBuilder.create(
        args_names=(), return_expr=target.call(*args)
    ).to(FunctionVar, EventChain)


class RoomView:
    """This tab's view of the room (browser-side vars, read-only).

    Attributes:
        self_id: This tab's participant id ("" outside a room).
        me: This tab's roster entry, or null.
        in_meeting: Whether this tab has joined the meeting.
        mic_on: Whether this tab's microphone is on.
        camera_on: Whether this tab's camera is on.
        hand_raised: Whether this tab's hand is raised.
        people_count: How many people joined the meeting.
        participants: Everyone who joined, self first, then joining order.
        stage_tiles: The tiles of the stage page shown.
        page: The stage page shown (1-based).
        pages: How many stage pages there are.
        overflow_count: Tiles not on the page shown.
        pinned_key: The pinned tile on this stage ("" when none).
        pull_audio: Audio tracks this tab pulls (everyone's but its own).
        pull_video: Video tracks this tab pulls (the page shown).
        audio_only: Whether this tab pulls no video (remembered).
        debug_open: Whether the connection details are shown.
        sounds_on: Whether join/leave/raised-hand sounds play (remembered).
        mic_problem: Why this tab's microphone could not be opened (a device
            error code such as ``permission_denied`` or ``no_device``; ""
            when it works).
        camera_problem: The same for the camera.
    """

    self_id = _view("self_id", str)
    me = _view("me", User | None)
    in_meeting = _view("in_meeting", bool)
    mic_on = _view("mic_on", bool)
    camera_on = _view("camera_on", bool)
    hand_raised = _view("hand_raised", bool)
    people_count = _view("people_count", int)
    participants = _view("participants", list[TileView])
    stage_tiles = _view("stage_tiles", list[TileView])
    page = _view("page", int)
    pages = _view("pages", int)
    overflow_count = _view("overflow_count", int)
    pinned_key = _view("pinned_key", str)
    pull_audio = _view("pull_audio", list[str])
    pull_video = _view("pull_video", list[str])
    audio_only = _view("audio_only", bool)
    debug_open = _view("debug_open", bool)
    sounds_on = _view("sounds_on", bool)
    mic_problem = _view("mic_problem", str)
    camera_problem = _view("camera_problem", str)

    @staticmethod
    def toggle_pin(key: Var | str) -> Var:
        """Pin a tile on this tab's stage, or unpin the pinned one.

        Args:
            key: The tile key (``"<userId>:camera"`` or ``"<userId>:screen"``).

        Returns:
            An event trigger (runs in the browser, nothing is sent).
        """
        return _call("togglePin", key)

    @staticmethod
    def toggle_audio_only() -> Var:
        """Turn audio-only on or off for this tab (remembered in the browser).

        Returns:
            An event trigger (runs in the browser, nothing is sent).
        """
        return _call("toggleAudioOnly")

    @staticmethod
    def toggle_sounds() -> Var:
        """Turn the join/leave/raised-hand sounds on or off (remembered).

        Returns:
            An event trigger (runs in the browser, nothing is sent).
        """
        return _call("toggleSounds")

    @staticmethod
    def toggle_debug() -> Var:
        """Show or hide the connection details on this tab.

        Returns:
            An event trigger (runs in the browser, nothing is sent).
        """
        return _call("toggleDebug")

    @staticmethod
    def show_page(page: Var | int) -> Var:
        """Show a page of the stage.

        Args:
            page: The page (1-based), clamped to the pages there are.

        Returns:
            An event trigger (runs in the browser, nothing is sent).
        """
        return _call("showPage", page)


class RosterSync(rx.Component):
    """Invisible: feeds the browser's roster store (``roster.jsx``)."""

    library = _LIBRARY
    tag = "RosterSync"
    is_default = False

    room: rx.Var[str]
    self_id: rx.Var[str]
    snapshot: rx.Var[dict[str, Any]]
    log: rx.Var[list[dict[str, Any]]]
    own: rx.Var[dict[str, Any]]
    on_resync: EventHandler[no_args_event_spec]


def roster_sync() -> rx.Component:
    """The roster feed of this tab's room (once per lobby or meeting page).

    Returns:
        The invisible component.

    Example:
        >>> from reflex_meet.components.room_view import roster_sync
        >>> feed = roster_sync()
    """
    return RosterSync.create(
        room=SessionState.room,
        self_id=SessionState.participant_id,
        snapshot=RosterFeed.snapshot,
        log=RoomState.roster_log,
        own=RosterFeed.own,
        on_resync=RosterFeed.resync,
    )
