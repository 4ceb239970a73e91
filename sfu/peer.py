"""One session's server-side PeerConnection and its SDP handling.

:class:`SfuPeer` wraps an aiortc ``RTCPeerConnection`` (max-bundle, no ICE
servers) and does the SDP work Chrome needs: answers with stopped m-sections
rejected, offers renumbered to the client's numbering (see
:mod:`sfu.sdp_numbering`), and a memory of every client SDP.

The BUNDLE tag: Chrome builds its single transport on the first m-section of
the BUNDLE group. When that m-section is stopped, Chrome makes a new transport
and closes the old DTLS association, which ends an aiortc PeerConnection. So
when the stand-in makes a session's first offer (a receive-only client), that
offer starts with a data-channel m-section (aiortc's
``alwaysNegotiateDataChannels``), which no track close ever stops. When the
client makes the first offer, its first m-section is the tag: the stand-in never
rejects it itself (a track closed there by ``force`` or by the no-media timeout
is answered ``a=inactive``), but if the client stops that transceiver, Chrome
moves to a new transport and the session ends (410; the client recovers with a
new session, as after any failure).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiortc import (
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpTransceiver,
    RTCSessionDescription,
)
from aiortc.rtcconfiguration import RTCBundlePolicy

from reflex_meet.sfu import aiortc_hooks, sdp_numbering

logger = logging.getLogger(__name__)


class SdpError(Exception):
    """A session description the PeerConnection could not apply."""


class SfuPeer:
    """The stand-in's end of one session's PeerConnection.

    Args:
        on_state: Called with the new ``connectionState`` on every change.
        data_channel_tag: Whether a first offer of the stand-in starts with a
            data-channel m-section (the BUNDLE tag a browser needs, see the
            module docstring). A third-party peer's session (whose tracks are
            never closed one by one) offers its media alone.
    """

    def __init__(
        self,
        on_state: Callable[[str], None] | None = None,
        data_channel_tag: bool = True,
    ) -> None:
        # aiortc reads alwaysNegotiateDataChannels in each createOffer(); it is
        # turned off once the first negotiation is done (see module docstring).
        self._configuration = RTCConfiguration(
            iceServers=[],
            bundlePolicy=RTCBundlePolicy.MAX_BUNDLE,
            alwaysNegotiateDataChannels=data_channel_tag,
        )
        self.pc = RTCPeerConnection(self._configuration)
        self.numbering = sdp_numbering.NumberingMemory()
        self.rejected: set[str] = set()
        self.connected = asyncio.Event()
        self.ended = asyncio.Event()
        self.ever_connected = False
        self._on_state = on_state

        @self.pc.on("connectionstatechange")
        def _changed() -> None:
            state = self.pc.connectionState
            logger.debug("connectionState -> %s", state)
            if state == "connected":
                self.ever_connected = True
                self.connected.set()
            else:
                self.connected.clear()
            if state in ("failed", "closed"):
                self.ended.set()
            if self._on_state is not None:
                self._on_state(state)

    @property
    def state(self) -> str:
        """The PeerConnection's ``connectionState``."""
        return self.pc.connectionState

    @property
    def negotiated(self) -> bool:
        """Whether a remote description was ever applied."""
        return self.pc.remoteDescription is not None

    @property
    def awaiting_answer(self) -> bool:
        """Whether an offer made by the stand-in waits for the client's answer."""
        return self.pc.signalingState == "have-local-offer"

    def transceiver(self, mid: str) -> RTCRtpTransceiver | None:
        """Returns the live transceiver with this mid, if any."""
        for transceiver in self.pc.getTransceivers():
            if transceiver.mid == mid and not transceiver.stopped:
                return transceiver
        return None

    def remote_sdp(self) -> str:
        """Returns the current remote description's SDP (empty if none)."""
        description = self.pc.remoteDescription
        return description.sdp if description is not None else ""

    async def answer(
        self, offer_sdp: str, also_reject: frozenset[str] = frozenset()
    ) -> str:
        """Applies a client's offer and returns the answer to send back.

        The answer has gathered candidates, and every m-section the offer
        rejected (port 0) is rejected too and left out of the BUNDLE group.

        Args:
            offer_sdp: The client's offer.
            also_reject: Mids the stand-in closes although the offer keeps them.

        Returns:
            The answer SDP.

        Raises:
            SdpError: If aiortc cannot apply the offer.
        """
        offer_sdp = sdp_numbering.fill_rejected_sections(offer_sdp, self.numbering)
        offered = {m.mid for m in sdp_numbering.media_info(offer_sdp)}
        rejected = sdp_numbering.rejected_mids(offer_sdp)
        closed = (also_reject | (self.rejected & offered)) - rejected
        # Never reject the BUNDLE tag ourselves: answer it inactive instead.
        keep = closed & {sdp_numbering.bundle_tag(offer_sdp)}
        try:
            await self.pc.setRemoteDescription(
                RTCSessionDescription(sdp=offer_sdp, type="offer")
            )
        except Exception as exc:
            raise SdpError(f"cannot apply the offer: {exc}") from exc
        self._configuration.alwaysNegotiateDataChannels = False
        sdp_numbering.learn(self.numbering, offer_sdp)
        self._retire_recycled(offer_sdp)
        try:
            answer = await self.pc.createAnswer()
            await self.pc.setLocalDescription(answer)
        except Exception as exc:
            raise SdpError(f"cannot answer the offer: {exc}") from exc
        self.rejected |= rejected | closed
        answer_sdp = sdp_numbering.reject_sections(
            self.pc.localDescription.sdp, rejected | (closed - keep)
        )
        return sdp_numbering.inactivate_sections(answer_sdp, keep)

    async def offer(self) -> str:
        """Makes an offer (after transceivers were added) in the client's numbering.

        Returns:
            The offer SDP, stopped m-sections rejected.

        Raises:
            SdpError: If aiortc cannot make or apply the offer.
        """
        try:
            offer = await self.pc.createOffer()
            aiortc_hooks.mark_bundled_on_sctp(self.pc)
            sdp = sdp_numbering.renumber_offer(offer.sdp, self.numbering)
            await self.pc.setLocalDescription(
                RTCSessionDescription(sdp=sdp, type="offer")
            )
        except Exception as exc:
            raise SdpError(f"cannot make an offer: {exc}") from exc
        keep = self.rejected & {self._current_tag()}
        offer_sdp = sdp_numbering.reject_sections(
            self.pc.localDescription.sdp, self.rejected - keep
        )
        return sdp_numbering.inactivate_sections(offer_sdp, keep)

    def _current_tag(self) -> str | None:
        """The BUNDLE tag of the last negotiation (the client's view)."""
        remote = self.pc.remoteDescription
        return sdp_numbering.bundle_tag(remote.sdp) if remote is not None else None

    async def apply_answer(self, answer_sdp: str) -> None:
        """Applies the client's answer to the stand-in's offer.

        Args:
            answer_sdp: The client's answer.

        Raises:
            SdpError: If no offer is pending or aiortc cannot apply the answer.
        """
        if not self.awaiting_answer:
            raise SdpError("no offer of the SFU is waiting for an answer")
        answer_sdp = sdp_numbering.fill_rejected_sections(answer_sdp, self.numbering)
        try:
            await self.pc.setRemoteDescription(
                RTCSessionDescription(sdp=answer_sdp, type="answer")
            )
        except Exception as exc:
            raise SdpError(f"cannot apply the answer: {exc}") from exc
        self._configuration.alwaysNegotiateDataChannels = False
        sdp_numbering.learn(self.numbering, answer_sdp)
        self.rejected |= sdp_numbering.rejected_mids(answer_sdp)

    async def stop_transceiver(self, transceiver: RTCRtpTransceiver) -> None:
        """Stops a transceiver; its m-section is rejected in later SDPs."""
        if transceiver.mid is not None:
            self.rejected.add(transceiver.mid)
        if not transceiver.stopped:
            await transceiver.stop()

    def _retire_recycled(self, offer_sdp: str) -> None:
        """Forgets stopped transceivers whose m-line the client reused."""
        mids = {m.mid for m in sdp_numbering.media_info(offer_sdp)}
        for transceiver in self.pc.getTransceivers():
            if transceiver.stopped and transceiver.mid not in mids:
                aiortc_hooks.retire_transceiver(self.pc, transceiver)

    async def close(self) -> None:
        """Closes the PeerConnection."""
        await self.pc.close()
        self.ended.set()
