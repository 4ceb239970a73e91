"""Per-tab read-only views of the room: who I am, what is on my stage."""

from __future__ import annotations

import dataclasses

import reflex as rx

from core import stage
from core.roster import User
from state.room import RoomState
from state.session import SessionState

__all__ = ["TileView", "ViewState"]


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


def _video_track(tile: stage.Tile, user: User, is_self: bool) -> str:
    if tile.kind == "screen":
        return "self:screen" if is_self else user.tracks.screenshare or ""
    if not user.tracks.videoEnabled:
        return ""
    return "self:camera" if is_self else user.tracks.video or ""


def _tile_view(
    tile: stage.Tile, user: User, self_id: str, pinned: str | None = None
) -> TileView:
    is_self = user.id == self_id
    return TileView(
        key=tile.key,
        id=user.id,
        kind=tile.kind,
        name=user.name,
        initial=(user.name[:1] or "?").upper(),
        is_self=user.id == self_id,
        audio_enabled=user.tracks.audioEnabled,
        video_enabled=user.tracks.videoEnabled,
        raised_hand=user.raisedHand,
        speaking=user.speaking,
        video_track=_video_track(tile, user, is_self),
        audio_track=user.tracks.audio or "",
        pinned=tile.key == pinned,
    )


# Explicit dependencies: these vars read the shared room through helpers, which
# automatic dependency tracking does not follow.
_ROOM_DEPS = [
    RoomState.users,
    SessionState.participant_id,
    SessionState.narrow,
    SessionState.pinned,
    SessionState.dismissed_pins,
]


class ViewState(rx.State):
    """Queries over the shared room, seen from this tab (computed, read-only)."""

    @rx.var(deps=_ROOM_DEPS, auto_deps=False)
    async def self_id(self) -> str:
        """This tab's participant id ("" outside a room)."""
        return (await self.get_state(SessionState)).participant_id

    async def _me(self) -> User | None:
        session = await self.get_state(SessionState)
        room_state = await self.get_state(RoomState)
        for user in room_state._plain_users():
            if user.id == session.participant_id:
                return user
        return None

    @rx.var(deps=_ROOM_DEPS, auto_deps=False)
    async def me(self) -> User | None:
        """This tab's own roster entry, if it is in the room."""
        return await self._me()

    async def _joined(self) -> bool:
        me = await self._me()
        return bool(me and me.joined)

    @rx.var(deps=_ROOM_DEPS, auto_deps=False)
    async def in_meeting(self) -> bool:
        """Whether this tab has joined the meeting (not just the lobby)."""
        return await self._joined()

    @rx.var(deps=_ROOM_DEPS, auto_deps=False)
    async def mic_on(self) -> bool:
        """Whether this tab's microphone is on."""
        me = await self._me()
        return bool(me and me.tracks.audioEnabled)

    @rx.var(deps=_ROOM_DEPS, auto_deps=False)
    async def camera_on(self) -> bool:
        """Whether this tab's camera is on."""
        me = await self._me()
        return bool(me and me.tracks.videoEnabled)

    @rx.var(deps=_ROOM_DEPS, auto_deps=False)
    async def hand_raised(self) -> bool:
        """Whether this tab's hand is raised."""
        me = await self._me()
        return bool(me and me.raisedHand)

    @rx.var(deps=_ROOM_DEPS, auto_deps=False)
    async def participants(self) -> list[TileView]:
        """Everyone who joined, self first, then in joining order."""
        session = await self.get_state(SessionState)
        room_state = await self.get_state(RoomState)
        joined = [u for u in room_state._plain_users() if u.joined]
        joined.sort(key=lambda u: (u.id != session.participant_id, u.joinedAt, u.id))
        return [
            _tile_view(
                stage.Tile(
                    key=f"{u.id}:camera",
                    user_id=u.id,
                    kind="camera",
                    last_active=u.joinedAt,
                ),
                u,
                session.participant_id,
            )
            for u in joined
        ]

    async def _layout(self) -> tuple[list[TileView], list[TileView]]:
        session = await self.get_state(SessionState)
        room_state = await self.get_state(RoomState)
        users = [u for u in room_state._plain_users() if u.joined]
        by_id = {u.id: u for u in users}
        activity = {u.id: max(u.joinedAt, u.handRaisedAt) for u in users}
        tiles = stage.tiles_for(users, activity=activity)
        sharing = any(t.kind == "screen" for t in tiles)
        pin = stage.effective_pin(
            tiles, pinned=session.pinned, dismissed=session.dismissed_pins
        )
        # Joining order as the "previous" stage: tiles keep their places and
        # newcomers go last, unless more recently active than someone on stage.
        by_joining = sorted(users, key=lambda u: (u.joinedAt, u.id))
        layout = stage.order_stage(
            tiles,
            self_id=session.participant_id or None,
            pinned=pin,
            previous=[f"{u.id}:camera" for u in by_joining],
            capacity=stage.stage_capacity(
                screen_sharing=sharing, narrow=session.narrow
            ),
        )
        tile_by_key = {t.key: t for t in tiles}

        def views(keys: tuple[str, ...]) -> list[TileView]:
            return [
                _tile_view(
                    tile_by_key[k],
                    by_id[tile_by_key[k].user_id],
                    session.participant_id,
                    pin,
                )
                for k in keys
            ]

        return views(layout.on_stage), views(layout.off_stage)

    @rx.var(deps=_ROOM_DEPS, auto_deps=False)
    async def stage_tiles(self) -> list[TileView]:
        """Tiles on stage, by the stage-ordering rules (self first)."""
        return (await self._layout())[0]

    @rx.var(deps=_ROOM_DEPS, auto_deps=False)
    async def overflow_tiles(self) -> list[TileView]:
        """Tiles that did not fit on stage, most recently active first."""
        return (await self._layout())[1]

    @rx.var(deps=_ROOM_DEPS, auto_deps=False)
    async def pull_audio(self) -> list[str]:
        """Audio tracks this tab pulls: everyone's in the meeting but its own.

        Nothing while in the lobby: the lobby publishes, it does not listen.
        """
        if not await self._joined():
            return []
        session = await self.get_state(SessionState)
        room_state = await self.get_state(RoomState)
        return sorted(
            u.tracks.audio
            for u in room_state._plain_users()
            if u.joined and u.id != session.participant_id and u.tracks.audio
        )

    @rx.var(deps=_ROOM_DEPS, auto_deps=False)
    async def pull_video(self) -> list[str]:
        """Video tracks this tab pulls: only those of tiles on its stage."""
        if not await self._joined():
            return []
        on_stage = (await self._layout())[0]
        return sorted(
            t.video_track
            for t in on_stage
            if t.video_track and not t.video_track.startswith("self:")
        )

    @rx.var(deps=_ROOM_DEPS, auto_deps=False)
    async def pinned_key(self) -> str:
        """The tile pinned on this tab's stage ("" when none)."""
        on_stage = (await self._layout())[0]
        return next((t.key for t in on_stage if t.pinned), "")

    @rx.event
    async def toggle_pin(self, key: object) -> None:
        """Pin a tile, or unpin the pinned one.

        Args:
            key: The tile key (``"<userId>:camera"`` or ``"<userId>:screen"``).
        """
        if not isinstance(key, str) or len(key) > 80:
            return
        session = await self.get_state(SessionState)
        on_stage = (await self._layout())[0]
        current = next((t.key for t in on_stage if t.pinned), None)
        pinned, dismissed = stage.toggle_pin(
            key, current=current, dismissed=session.dismissed_pins
        )
        session.pinned = pinned
        session.dismissed_pins = list(dismissed)
