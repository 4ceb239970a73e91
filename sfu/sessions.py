"""Calls sessions: tracks, negotiations (406/425/410) and timeouts.

One :class:`Session` is one client PeerConnection. Its SDP-mutating operations
run one at a time: a second one arriving meanwhile is refused with 406 (Calls
does not queue them). Operations that need media flowing wait up to
``connect_wait`` seconds for the PeerConnection to be connected, then answer
425. A session whose PeerConnection failed or closed, or that stayed without a
connection for ``session_timeout`` seconds, is closed (see
:mod:`sfu.registry`): afterwards 410.

A session's first negotiation never waits: it is either a publish (the client
offers) or a pull on a fresh session (the stand-in offers, as Calls allows for
receive-only clients); both start the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiortc import RTCRtpTransceiver

from reflex_meet.core.calls_wire import LocalTrackItem, RemoteTrackItem, UpdateItem
from reflex_meet.sfu import aiortc_hooks, errors, sdp_numbering
from reflex_meet.sfu.config import SfuConfig
from reflex_meet.sfu.forwarding import FeedTrack, RelayedTrack, TrackRelay
from reflex_meet.sfu.peer import SdpError, SfuPeer
from reflex_meet.sfu.tracks import LocalTrack, RemoteTrack

logger = logging.getLogger(__name__)

MSID_TOKEN = re.compile(r"[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]{1,64}")


def _local_item_problem(
    item: LocalTrackItem,
    media: dict[str | None, sdp_numbering.MediaInfo],
    names: set[str],
    mids: set[str],
) -> tuple[str, str] | None:
    """Returns the per-track error of a track to publish, or ``None``.

    Args:
        item: The local track object.
        media: The offer's m-sections by mid.
        names: Track names already published (or earlier in this call).
        mids: Mids already published (or earlier in this call).

    Returns:
        ``(errorCode, errorDescription)`` or ``None`` if the track is fine.
    """
    info = media.get(item.mid)
    if info is None or info.kind not in sdp_numbering.MEDIA_KINDS:
        return (
            errors.EMPTY_TRACK_ERROR,
            f"the offer has no audio/video m-section with mid {item.mid!r}",
        )
    if not info.sends:
        return (
            errors.EMPTY_TRACK_ERROR,
            f"m-section {item.mid!r} of the offer sends no media",
        )
    if item.track_name in names or item.mid in mids:
        return (
            errors.REPEATED_LOCAL_TRACK_ERROR,
            f"track {item.track_name!r} (mid {item.mid!r}) is already published "
            "by this session",
        )
    return None


@dataclass
class _Generated:
    """A local track the stand-in offered; it exists once the answer came."""

    item: LocalTrackItem
    transceiver: RTCRtpTransceiver
    feed: FeedTrack | None


@dataclass
class _Pending:
    """A subscription being added by one ``tracks/new`` call."""

    index: int
    item: RemoteTrackItem
    source: LocalTrack
    transceiver: RTCRtpTransceiver
    relayed: RelayedTrack
    result: dict[str, Any] = field(default_factory=dict)


class Session:
    """One Calls session: a PeerConnection, its tracks and its negotiations.

    Args:
        session_id: The session id.
        config: The stand-in's settings.
        lookup: Returns another live session by id (for subscriptions), or None.
        clock: Monotonic clock.
        third_party: A session for a server-side third-party peer
            (``sessions/new?thirdparty=true``, e.g. an AI voice endpoint): the
            stand-in's offers carry no data-channel m-section.
    """

    def __init__(
        self,
        session_id: str,
        config: SfuConfig,
        lookup: Callable[[str], Session | None],
        clock: Callable[[], float] = time.monotonic,
        third_party: bool = False,
    ) -> None:
        self.id = session_id
        self.config = config
        self.third_party = third_party
        self._lookup = lookup
        self._clock = clock
        self.peer = SfuPeer(on_state=self._on_state, data_channel_tag=not third_party)
        self.local: dict[str, LocalTrack] = {}
        self.remote: dict[str, RemoteTrack] = {}
        # Feeds into bidirectional local tracks, by the local track's mid.
        self.feeds: dict[str, RemoteTrack] = {}
        # Local tracks offered by the stand-in, waiting for the answer, by mid.
        self._generated: dict[str, _Generated] = {}
        self.closed = False
        self.created = clock()
        self.disconnected_since: float | None = self.created
        self._busy: str | None = None
        self._msid_ids: set[str] = set()

    # -- state ---------------------------------------------------------------

    def _on_state(self, state: str) -> None:
        if state == "connected":
            self.disconnected_since = None
        elif self.disconnected_since is None:
            self.disconnected_since = self._clock()

    @property
    def busy(self) -> bool:
        """Whether an SDP-mutating operation is running on this session."""
        return self._busy is not None

    def check_open(self) -> None:
        """Raises the 410 error if the session is closed.

        Raises:
            ApiError: 410 ``session_error``.
        """
        if self.closed or self.peer.ended.is_set():
            raise errors.session_gone(self.id)

    @contextlib.asynccontextmanager
    async def negotiation(self, what: str) -> AsyncIterator[None]:
        """Runs one SDP-mutating operation; refuses (406) an overlapping one.

        Args:
            what: Name of the operation, for the error description.

        Raises:
            ApiError: 406 if another negotiation of this session is running, or
                if an offer of the stand-in still waits for its answer (except
                for ``renegotiate``, which answers it).
        """
        self.check_open()
        if self._busy is not None:
            raise errors.negotiation_in_progress(
                self.id, f"{what} overlaps {self._busy}, which is still in progress"
            )
        if what != "renegotiate" and self.peer.awaiting_answer:
            raise errors.negotiation_in_progress(
                self.id,
                f"{what} arrived while an SFU offer waits for its answer "
                "(PUT renegotiate)",
            )
        self._busy = what
        try:
            yield
        finally:
            self._busy = None

    async def wait_connected(self) -> None:
        """Waits (up to ``connect_wait``) for the PeerConnection to be connected.

        Raises:
            ApiError: 425 if it did not connect in time, 410 if it ended.
        """
        if self.peer.connected.is_set():
            return
        waiters = [
            asyncio.ensure_future(self.peer.connected.wait()),
            asyncio.ensure_future(self.peer.ended.wait()),
        ]
        try:
            await asyncio.wait(
                waiters,
                timeout=self.config.connect_wait,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            for waiter in waiters:
                waiter.cancel()
        self.check_open()
        if not self.peer.connected.is_set():
            raise errors.not_connected(self.id, self.config.connect_wait)

    # -- operations ----------------------------------------------------------

    async def new_with_offer(self, offer_sdp: str) -> str:
        """Answers the optional offer of ``sessions/new``.

        Args:
            offer_sdp: The client's offer.

        Returns:
            The answer SDP.
        """
        async with self.negotiation("sessions/new"):
            return await self._answer(offer_sdp)

    async def publish(
        self, offer_sdp: str, items: Sequence[LocalTrackItem]
    ) -> dict[str, Any]:
        """``tracks/new`` with a client offer: publishes local tracks.

        Args:
            offer_sdp: The client's offer.
            items: The local tracks, each naming a mid of the offer.

        Returns:
            The Calls response body (answer and per-track results).
        """
        async with self.negotiation("tracks/new"):
            if self.peer.negotiated:
                await self.wait_connected()
            try:
                media = {m.mid: m for m in sdp_numbering.media_info(offer_sdp)}
            except ValueError as exc:
                raise errors.ApiError(
                    400, errors.INVALID_SESSION_DESCRIPTION, str(exc)
                ) from exc
            results: list[dict[str, Any]] = []
            accepted: list[tuple[int, LocalTrackItem]] = []
            names = {t.name for t in self.local.values() if t.live}
            mids = {t.mid for t in self.local.values() if t.live}
            for item in items:
                echo = {"mid": item.mid, "trackName": item.track_name}
                problem = _local_item_problem(item, media, names, mids)
                if problem is not None:
                    results.append(errors.item_error(echo, *problem))
                    continue
                names.add(item.track_name)
                mids.add(item.mid)
                accepted.append((len(results), item))
                results.append({**echo, "sessionId": self.id})

            answer = await self._answer(offer_sdp)

            for index, item in accepted:
                transceiver = self.peer.transceiver(item.mid)
                if transceiver is None or transceiver.receiver.track is None:
                    results[index] = errors.item_error(
                        {"mid": item.mid, "trackName": item.track_name},
                        errors.EMPTY_TRACK_ERROR,
                        f"no receiving m-section {item.mid!r} after negotiation",
                    )
                    continue
                self._add_local(item, transceiver, offer_sdp)
            return {
                "requiresImmediateRenegotiation": False,
                "sessionDescription": {"type": "answer", "sdp": answer},
                "tracks": results,
            }

    async def publish_generated(
        self, items: Sequence[LocalTrackItem]
    ) -> dict[str, Any]:
        """``tracks/new`` with local tracks and no SDP: the stand-in offers.

        This is how a third-party peer (which only answers) publishes: each
        track gets a transceiver that receives (and, with
        ``bidirectionalMediaStream``, also sends what is fed in by ``mid``).
        The tracks exist once the peer's answer arrives (``renegotiate``).

        Args:
            items: The local tracks (name, kind, bidirectional flag).

        Returns:
            The Calls response body (offer, new mids and per-track results).
        """
        async with self.negotiation("tracks/new"):
            if self.peer.negotiated:
                await self.wait_connected()
            results: list[dict[str, Any]] = []
            added: list[tuple[int, _Generated, dict[str, Any]]] = []
            names = {t.name for t in self.local.values() if t.live}
            names |= {g.item.track_name for g in self._generated.values()}
            for item in items:
                echo: dict[str, Any] = {
                    "location": "local",
                    "trackName": item.track_name,
                    "kind": item.kind,
                }
                if item.bidirectional:
                    echo["bidirectionalMediaStream"] = True
                if item.track_name in names:
                    results.append(
                        errors.item_error(
                            echo,
                            errors.REPEATED_LOCAL_TRACK_ERROR,
                            f"track {item.track_name!r} is already published by "
                            "this session",
                        )
                    )
                    continue
                names.add(item.track_name)
                assert item.kind is not None
                transceiver = self.peer.pc.addTransceiver(
                    item.kind,
                    direction="sendrecv" if item.bidirectional else "recvonly",
                )
                feed = None
                if item.bidirectional:
                    feed = FeedTrack(item.kind)
                    transceiver.sender.replaceTrack(feed)
                    aiortc_hooks.set_keyframe_handler(
                        transceiver.sender, feed.request_keyframe
                    )
                added.append((len(results), _Generated(item, transceiver, feed), echo))
                results.append(echo)
            if not added:
                return {"requiresImmediateRenegotiation": False, "tracks": results}
            try:
                offer = await self.peer.offer()
            except SdpError as exc:
                for _, generated, _ in added:
                    await generated.transceiver.stop()
                    aiortc_hooks.retire_transceiver(self.peer.pc, generated.transceiver)
                raise errors.ApiError(500, errors.INTERNAL_ERROR, str(exc)) from exc
            for index, generated, echo in added:
                mid = generated.transceiver.mid
                assert mid is not None
                self._generated[mid] = generated
                results[index] = {**echo, "mid": mid, "sessionId": self.id}
            return {
                "requiresImmediateRenegotiation": True,
                "sessionDescription": {"type": "offer", "sdp": offer},
                "tracks": results,
            }

    async def subscribe(self, items: Sequence[RemoteTrackItem]) -> dict[str, Any]:
        """``tracks/new`` without SDP: pulls remote tracks; the stand-in offers.

        Args:
            items: The remote tracks (publisher session id and track name).

        Returns:
            The Calls response body (offer, new mids and per-track results).
        """
        async with self.negotiation("tracks/new"):
            # A fresh session may start with the SFU's offer (a receive-only
            # client); afterwards pulling needs a connected PeerConnection.
            if self.peer.negotiated:
                await self.wait_connected()
            results: list[dict[str, Any]] = []
            pending: list[_Pending] = []
            for item in items:
                echo = {
                    "location": "remote",
                    "sessionId": item.session_id,
                    "trackName": item.track_name,
                }
                if item.mid is not None:
                    results.append(self._feed(item, echo))
                    continue
                publisher = self._lookup(item.session_id)
                source = publisher.local.get(item.track_name) if publisher else None
                if source is None or not source.live:
                    results.append(
                        errors.item_error(
                            echo,
                            errors.NOT_FOUND_TRACK_ERROR,
                            f"session {item.session_id} has no live track "
                            f"{item.track_name!r}",
                        )
                    )
                    continue
                transceiver = self.peer.pc.addTransceiver(
                    source.kind, direction="sendonly"
                )
                relayed = source.relay.subscribe(self._msid_track_id(item.track_name))
                transceiver.sender.replaceTrack(relayed)
                aiortc_hooks.set_stream_id(transceiver.sender, item.session_id)
                aiortc_hooks.set_keyframe_handler(
                    transceiver.sender, relayed.request_keyframe
                )
                pending.append(
                    _Pending(len(results), item, source, transceiver, relayed, echo)
                )
                results.append(echo)

            if not pending:
                return {"requiresImmediateRenegotiation": False, "tracks": results}
            try:
                offer = await self.peer.offer()
            except SdpError as exc:
                for added in pending:
                    added.source.relay.unsubscribe(added.relayed)
                    await added.transceiver.stop()
                    aiortc_hooks.retire_transceiver(self.peer.pc, added.transceiver)
                raise errors.ApiError(500, errors.INTERNAL_ERROR, str(exc)) from exc
            for added in pending:
                mid = added.transceiver.mid
                assert mid is not None
                self.remote[mid] = RemoteTrack(
                    session_id=added.item.session_id,
                    name=added.item.track_name,
                    mid=mid,
                    transceiver=added.transceiver,
                    source=added.source,
                    relayed=added.relayed,
                )
                results[added.index] = {**added.result, "mid": mid}
            return {
                "requiresImmediateRenegotiation": True,
                "sessionDescription": {"type": "offer", "sdp": offer},
                "tracks": results,
            }

    async def renegotiate(self, answer_sdp: str) -> dict[str, Any]:
        """``renegotiate``: applies the client's answer to the stand-in's offer.

        Args:
            answer_sdp: The client's answer.

        Returns:
            The Calls response body (``{}``).
        """
        async with self.negotiation("renegotiate"):
            if not self.peer.awaiting_answer:
                raise errors.ApiError(
                    400,
                    errors.INVALID_SESSION_DESCRIPTION,
                    "no offer of the SFU is waiting for an answer",
                )
            if self.peer.negotiated:  # else: the answer to the first offer
                await self.wait_connected()
            try:
                await self.peer.apply_answer(answer_sdp)
            except SdpError as exc:
                self.check_open()
                raise errors.ApiError(
                    400, errors.INVALID_SESSION_DESCRIPTION, str(exc)
                ) from exc
            rejected = sdp_numbering.rejected_mids(answer_sdp)
            await self._start_generated(answer_sdp, rejected)
            for mid, track in list(self.remote.items()):
                if mid in rejected:
                    await self._close_remote(mid)
                elif not track.answered:
                    track.answered = True
                    track.source.relay.keyframe_burst()
            return {}

    async def close_tracks(
        self, mids: Sequence[str], offer_sdp: str | None, force: bool
    ) -> dict[str, Any]:
        """``tracks/close``: stops published or pulled tracks by mid.

        Args:
            mids: The mids to close.
            offer_sdp: The client's offer (transceivers already stopped), if any.
            force: Close without renegotiation when no offer is given.

        Returns:
            The Calls response body.
        """
        async with self.negotiation("tracks/close"):
            await self.wait_connected()
            results: list[dict[str, Any]] = []
            to_close: list[str] = []
            # Cleaned-up (inactive) tracks can still be closed by their mid.
            local_mids = {t.mid: t for t in self.local.values()}
            for mid in mids:
                if (mid in local_mids or mid in self.remote) and mid not in to_close:
                    to_close.append(mid)
                    results.append({"mid": mid})
                else:
                    results.append(
                        errors.item_error(
                            {"mid": mid},
                            errors.CLOSE_TRACK_ERROR,
                            f"session {self.id} has no open track with mid {mid!r}",
                        )
                    )
            body: dict[str, Any] = {"tracks": results}
            if offer_sdp is not None:
                answer = await self._answer(offer_sdp, frozenset(to_close))
                body["sessionDescription"] = {"type": "answer", "sdp": answer}
            for mid in to_close:
                if mid in local_mids:
                    await self._close_local(local_mids[mid], forget=True)
                else:
                    await self._close_remote(mid)
            if offer_sdp is None and not force and to_close:
                try:
                    offer = await self.peer.offer()
                except SdpError as exc:
                    raise errors.ApiError(500, errors.INTERNAL_ERROR, str(exc)) from exc
                body["sessionDescription"] = {"type": "offer", "sdp": offer}
                body["requiresImmediateRenegotiation"] = True
            else:
                body["requiresImmediateRenegotiation"] = False
            return body

    def update_tracks(self, items: Sequence[UpdateItem]) -> dict[str, Any]:
        """``tracks/update``: accepted; simulcast preferences have no effect here.

        Args:
            items: The track updates.

        Returns:
            The Calls response body, unknown mids flagged per item.
        """
        self.check_open()
        results = []
        for item in items:
            if item.mid is not None and item.mid not in self.remote:
                results.append(
                    errors.item_error(
                        item.raw,
                        errors.UPDATE_TRACK_ERROR,
                        f"session {self.id} pulls no track with mid {item.mid!r}",
                    )
                )
            else:
                results.append(dict(item.raw))
        return {"requiresImmediateRenegotiation": False, "tracks": results}

    def info(self) -> dict[str, Any]:
        """``GET sessions/{id}``: the session's tracks with their status."""
        self.check_open()
        tracks: list[dict[str, Any]] = [
            {
                "location": "local",
                "mid": t.mid,
                "trackName": t.name,
                "status": t.status,
            }
            for t in self.local.values()
        ]
        tracks += [
            {
                "location": "remote",
                "mid": t.mid,
                "trackName": t.name,
                "sessionId": t.session_id,
                "status": t.status,
            }
            for t in list(self.remote.values()) + list(self.feeds.values())
        ]
        return {"tracks": tracks, "dataChannels": []}

    # -- helpers -------------------------------------------------------------

    def _feed_target(self, mid: str) -> LocalTrack | None:
        """The live bidirectional local track named by ``mid`` or ``#<name>``."""
        if mid.startswith("#"):
            track = self.local.get(mid[1:])
        else:
            track = next((t for t in self.local.values() if t.mid == mid), None)
        if track is None or track.feed is None or not track.live:
            return None
        return track

    def _feed(self, item: RemoteTrackItem, echo: dict[str, Any]) -> dict[str, Any]:
        """Feeds another session's track into a bidirectional local track.

        No renegotiation: the transceiver already sends (what it sent before
        is replaced).

        Args:
            item: The remote track object, with ``mid``.
            echo: The track object as it is answered.

        Returns:
            The answered track object (the target's mid, or a per-track error).
        """
        assert item.mid is not None
        echo = {**echo, "mid": item.mid}
        target = self._feed_target(item.mid)
        if target is None:
            return errors.item_error(
                echo,
                errors.NOT_FOUND_TRACK_ERROR,
                f"session {self.id} has no live bidirectional track {item.mid!r}",
            )
        publisher = self._lookup(item.session_id)
        source = publisher.local.get(item.track_name) if publisher else None
        if source is None or not source.live:
            return errors.item_error(
                echo,
                errors.NOT_FOUND_TRACK_ERROR,
                f"session {item.session_id} has no live track {item.track_name!r}",
            )
        if source.kind != target.kind:
            return errors.item_error(
                echo,
                errors.NOT_FOUND_TRACK_ERROR,
                f"track {item.track_name!r} is {source.kind}, "
                f"{item.mid!r} carries {target.kind}",
            )
        assert target.feed is not None
        relayed = source.relay.subscribe()
        previous = self.feeds.get(target.mid)
        target.feed.switch(relayed)  # before the old source ends (see FeedTrack)
        if previous is not None:
            previous.source.relay.unsubscribe(previous.relayed)
        self.feeds[target.mid] = RemoteTrack(
            session_id=item.session_id,
            name=item.track_name,
            mid=target.mid,
            transceiver=target.transceiver,
            source=source,
            relayed=relayed,
            answered=True,
        )
        logger.info(
            "session %s feeds %s/%s into %r",
            self.id,
            item.session_id,
            item.track_name,
            target.name,
        )
        return {**echo, "mid": target.mid}

    async def _start_generated(self, answer_sdp: str, rejected: set[str]) -> None:
        """Turns answered stand-in-offered tracks into published tracks."""
        for mid, generated in list(self._generated.items()):
            del self._generated[mid]
            transceiver = self.peer.transceiver(mid)
            if (
                mid in rejected
                or transceiver is None
                or transceiver.receiver.track is None
            ):
                logger.info(
                    "session %s: the answer refused track %r (mid %s)",
                    self.id,
                    generated.item.track_name,
                    mid,
                )
                if generated.feed is not None:
                    generated.feed.stop()
                continue
            self._add_local(
                LocalTrackItem(mid=mid, track_name=generated.item.track_name),
                transceiver,
                answer_sdp,
            )
            self.local[generated.item.track_name].feed = generated.feed

    def _msid_track_id(self, track_name: str) -> str | None:
        """The track name as ``a=msid`` track id, if valid and never used here."""
        if MSID_TOKEN.fullmatch(track_name) and track_name not in self._msid_ids:
            self._msid_ids.add(track_name)
            return track_name
        return None

    async def _answer(
        self, offer_sdp: str, also_reject: frozenset[str] = frozenset()
    ) -> str:
        try:
            answer = await self.peer.answer(offer_sdp, also_reject)
        except SdpError as exc:
            self.check_open()
            raise errors.ApiError(
                400, errors.INVALID_SESSION_DESCRIPTION, str(exc)
            ) from exc
        # A local track whose m-section the client stopped without tracks/close.
        rejected = sdp_numbering.rejected_mids(offer_sdp)
        for track in list(self.local.values()):
            if track.mid in rejected and not track.cleaned:
                await self._close_local(track, forget=True)
        for mid in list(self.remote):
            if mid in rejected:
                await self._close_remote(mid)
        # Keep PLIs aimed at the publisher's current SSRC.
        for track in self.local.values():
            primary, _ = sdp_numbering.primary_ssrc(offer_sdp, track.mid)
            if primary is not None:
                track.primary_ssrc = primary
        return answer

    def _add_local(
        self, item: LocalTrackItem, transceiver: RTCRtpTransceiver, offer_sdp: str
    ) -> None:
        receiver = transceiver.receiver
        primary, rtx = sdp_numbering.primary_ssrc(offer_sdp, item.mid)
        track: LocalTrack | None = None

        async def send_pli() -> None:
            ssrc = track.primary_ssrc if track is not None else None
            if ssrc is not None:
                await aiortc_hooks.send_pli(receiver, ssrc)

        kind = transceiver.kind
        relay = TrackRelay(receiver.track, kind, send_pli, clock=self._clock)
        track = LocalTrack(
            name=item.track_name,
            mid=item.mid,
            kind=kind,
            transceiver=transceiver,
            relay=relay,
            primary_ssrc=primary,
        )
        if kind == "video":
            aiortc_hooks.use_fixed_remb(receiver, self.config.remb_bitrate)
            if rtx is not None:
                aiortc_hooks.route_rtx_ssrc(receiver, rtx)
        self.local[item.track_name] = track
        relay.start()
        logger.info(
            "session %s publishes %s track %r on mid %s",
            self.id,
            kind,
            item.track_name,
            item.mid,
        )

    def _end_feed(self, track: LocalTrack) -> None:
        """Stops what a bidirectional track sends back."""
        if track.feed is None:
            return
        track.feed.stop()
        fed = self.feeds.pop(track.mid, None)
        if fed is not None:
            fed.source.relay.unsubscribe(fed.relayed)

    async def _close_local(self, track: LocalTrack, forget: bool) -> None:
        """Stops a published track; subscribers see it inactive."""
        track.cleaned = True
        self._end_feed(track)
        await track.relay.stop()
        await self.peer.stop_transceiver(track.transceiver)
        if forget and self.local.get(track.name) is track:
            del self.local[track.name]

    async def _close_remote(self, mid: str) -> None:
        track = self.remote.pop(mid, None)
        if track is None:
            return
        track.source.relay.unsubscribe(track.relayed)
        await self.peer.stop_transceiver(track.transceiver)

    async def expire_idle_tracks(self) -> None:
        """Cleans up published tracks without media for ``track_timeout``."""
        for track in list(self.local.values()):
            if track.cleaned:
                continue
            if not track.relay.live or (
                track.relay.idle_for() > self.config.track_timeout
            ):
                logger.info(
                    "session %s: track %r had no media for %.1f s, cleaned up",
                    self.id,
                    track.name,
                    track.relay.idle_for(),
                )
                await self._close_local(track, forget=False)

    def idle_for(self) -> float:
        """Seconds the PeerConnection has been without a connection (0 if up)."""
        if self.disconnected_since is None:
            return 0.0
        return self._clock() - self.disconnected_since

    async def close(self, reason: str) -> None:
        """Closes the session: its tracks end, its PeerConnection closes."""
        if self.closed:
            return
        self.closed = True
        logger.info("session %s closed: %s", self.id, reason)
        for track in list(self.local.values()):
            track.cleaned = True
            self._end_feed(track)
            await track.relay.stop()
        for track in list(self.remote.values()):
            track.source.relay.unsubscribe(track.relayed)
        for generated in self._generated.values():
            if generated.feed is not None:
                generated.feed.stop()
        await self.peer.close()
