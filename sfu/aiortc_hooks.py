"""Every use of aiortc/aioice private internals, in one place.

A forwarding SFU needs things aiortc (1.16.0) and aioice (0.13.0) do not offer
publicly. Each hook below names the private function or attribute it relies on;
``tests/sfu/test_aiortc_internals.py`` checks each one, so an upgrade of the
pinned versions fails loudly instead of silently breaking media.

Process-wide hooks (the stand-in's process only, never a client's):

* :func:`use_loopback_ice` replaces ``aioice.ice.get_host_addresses`` (called by
  ``aioice.ice.Connection.gather_candidates``), which skips 127.0.0.1.
* :func:`use_forwarding_codecs` trims ``aiortc.codecs.CODECS`` (the dict
  ``aiortc.rtcpeerconnection`` imported by name) to Opus and VP8(+RTX), because
  forwarding cannot translate codecs, and adds ``ccm fir`` to VP8's feedback.
* :func:`use_passthrough_receivers` replaces ``aiortc.rtcrtpreceiver.get_decoder``
  (called by ``aiortc.rtcrtpreceiver.decoder_worker`` with the codec, then
  ``decoder.decode(JitterFrame)``) so a receiver's track yields the reassembled
  encoded frame as an ``av.Packet`` instead of a decoded picture or sound.

Per-object hooks:

* :func:`set_keyframe_handler` overrides ``RTCRtpSender._send_keyframe``, which
  ``RTCRtpSender._handle_rtcp_packet`` calls on a PLI or FIR.
* :func:`send_pli` calls ``RTCRtpReceiver._send_rtcp_pli(media_ssrc)``.
* :func:`use_fixed_remb` replaces ``RTCRtpReceiver.__remote_bitrate_estimator``
  (name-mangled ``_RTCRtpReceiver__remote_bitrate_estimator``), whose
  ``add(abs_send_time=, arrival_time_ms=, payload_size=, ssrc=)`` result
  ``(bitrate, ssrcs)`` ``_handle_rtp_packet`` sends as REMB.
* :func:`route_rtx_ssrc` adds an entry to ``RTCDtlsTransport._rtp_router``'s
  ``ssrc_table`` so RTX packets reach their receiver when several video
  receivers share the RTX payload type on one bundled transport.
* :func:`set_stream_id` sets ``RTCRtpSender._stream_id``, the stream id that
  ``create_media_description_for_transceiver`` writes into ``a=msid``.
* :func:`mark_bundled_on_sctp` sets ``RTCRtpTransceiver._bundled`` on the
  transceivers whose transport the data-channel m-section (the BUNDLE tag of a
  stand-in's first offer) shares; ``RTCPeerConnection.setRemoteDescription``
  would otherwise "unbundle" the first one and stop that shared transport.
* :func:`retire_transceiver` removes a stopped transceiver from
  ``RTCPeerConnection.__transceivers`` (``_RTCPeerConnection__transceivers``)
  when the client recycled its m-line for a new transceiver.
"""

from __future__ import annotations

import fractions
import time
from collections.abc import Callable
from typing import Any

import aioice.ice
import av
from aiortc import RTCPeerConnection, RTCRtpReceiver, RTCRtpSender, rtcrtpreceiver
from aiortc import codecs as aiortc_codecs
from aiortc.rtcrtpparameters import RTCRtcpFeedback

LOOPBACK = "127.0.0.1"


def use_loopback_ice(host: str = LOOPBACK) -> None:
    """Makes aioice gather its host candidates on ``host`` only.

    Relies on ``aioice.ice.get_host_addresses(use_ipv4, use_ipv6)`` being the
    module-level function ``Connection.gather_candidates`` calls.

    Args:
        host: The single address to gather host candidates on.
    """

    def host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return [host] if use_ipv4 else []

    host_addresses.sfu_hook = True  # type: ignore[attr-defined]
    aioice.ice.get_host_addresses = host_addresses


def use_forwarding_codecs() -> None:
    """Restricts aiortc's codec list to Opus and VP8 (with RTX) and adds FIR.

    Relies on ``aiortc.codecs.CODECS`` being the dict of lists that
    ``RTCPeerConnection`` negotiates from (it is mutated in place).
    """
    codecs = aiortc_codecs.CODECS
    codecs["audio"][:] = [c for c in codecs["audio"] if c.mimeType == "audio/opus"]
    vp8 = [c for c in codecs["video"] if c.mimeType == "video/VP8"]
    vp8_pts = {c.payloadType for c in vp8}
    rtx = [
        c
        for c in codecs["video"]
        if c.mimeType == "video/rtx" and c.parameters.get("apt") in vp8_pts
    ]
    for codec in vp8:
        fir = RTCRtcpFeedback(type="ccm", parameter="fir")
        if fir not in codec.rtcpFeedback:
            codec.rtcpFeedback.append(fir)
    codecs["video"][:] = vp8 + rtx


class PassthroughDecoder:
    """A "decoder" that hands on the encoded frame as an ``av.Packet``.

    The packet's ``pts`` is the frame's (unwrapped) RTP timestamp, its
    ``time_base`` ``1/clock rate``; ``is_keyframe`` is set for VP8 keyframes
    and for every audio frame.
    """

    def __init__(self, mime_type: str, clock_rate: int) -> None:
        self.is_video = mime_type.lower().startswith("video/")
        self.is_vp8 = mime_type.lower() == "video/vp8"
        self.time_base = fractions.Fraction(1, clock_rate)

    def decode(self, encoded_frame: Any) -> list[av.Packet]:
        """Wraps one reassembled frame (an aiortc ``JitterFrame``).

        Args:
            encoded_frame: Object with ``data`` (bytes) and ``timestamp``.

        Returns:
            A one-element list with the packet (empty for an empty frame).
        """
        data: bytes = encoded_frame.data
        if not data:
            return []
        packet = av.Packet(data)
        packet.pts = encoded_frame.timestamp
        packet.time_base = self.time_base
        if not self.is_video:
            packet.is_keyframe = True
        elif self.is_vp8:
            # VP8 frame tag: bit 0 of the first byte is 0 for a key frame.
            packet.is_keyframe = (data[0] & 0x01) == 0
        return [packet]


def passthrough_get_decoder(codec: Any) -> PassthroughDecoder:
    """Replacement for ``aiortc.rtcrtpreceiver.get_decoder``.

    Args:
        codec: An ``RTCRtpCodecParameters``.

    Returns:
        A :class:`PassthroughDecoder` for the codec.
    """
    return PassthroughDecoder(codec.mimeType, codec.clockRate)


def use_passthrough_receivers() -> None:
    """Makes every aiortc receiver of this process yield encoded ``av.Packet``s.

    Relies on ``aiortc.rtcrtpreceiver.decoder_worker`` calling the module-level
    ``get_decoder(codec)`` and putting each item of ``decoder.decode(frame)`` on
    the receiver track's queue.
    """
    rtcrtpreceiver.get_decoder = passthrough_get_decoder


def set_keyframe_handler(sender: RTCRtpSender, handler: Callable[[], None]) -> None:
    """Calls ``handler`` instead of forcing an encoder keyframe on PLI/FIR.

    Relies on ``RTCRtpSender._handle_rtcp_packet`` calling
    ``self._send_keyframe()`` when a PLI or FIR for the sender's SSRC arrives.

    Args:
        sender: The sender of a subscription.
        handler: Called (synchronously) for each PLI or FIR.
    """
    sender._send_keyframe = handler  # type: ignore[method-assign]


async def send_pli(receiver: RTCRtpReceiver, media_ssrc: int) -> None:
    """Sends a Picture Loss Indication for ``media_ssrc`` to the remote sender.

    Relies on ``RTCRtpReceiver._send_rtcp_pli(media_ssrc)``, which needs the
    receiver's RTCP SSRC (set by ``RTCPeerConnection`` on every transceiver).

    Args:
        receiver: The receiver of a published track.
        media_ssrc: The publisher's primary (not RTX) SSRC.
    """
    await receiver._send_rtcp_pli(media_ssrc)


class FixedRateEstimator:
    """Stands in for aiortc's ``RemoteBitrateEstimator``: a constant REMB.

    Args:
        bitrate: The bitrate to announce, in bit/s.
        interval: Seconds between two REMB messages.
        clock: Monotonic clock (injectable for tests).
    """

    def __init__(
        self,
        bitrate: int,
        interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bitrate = bitrate
        self.interval = interval
        self._clock = clock
        self._last: float | None = None

    def add(
        self, abs_send_time: int, arrival_time_ms: int, payload_size: int, ssrc: int
    ) -> tuple[int, list[int]] | None:
        """Returns ``(bitrate, [ssrc])`` at most once per interval, else ``None``."""
        now = self._clock()
        if self._last is not None and now - self._last < self.interval:
            return None
        self._last = now
        return self.bitrate, [ssrc]


_ESTIMATOR_ATTR = "_RTCRtpReceiver__remote_bitrate_estimator"


def use_fixed_remb(receiver: RTCRtpReceiver, bitrate: int) -> bool:
    """Replaces a video receiver's delay-based estimate by a fixed REMB.

    Relies on the private ``RTCRtpReceiver.__remote_bitrate_estimator`` (``None``
    for audio receivers) and on ``_handle_rtp_packet`` sending its ``add()``
    result as REMB.

    Args:
        receiver: The receiver of a published track.
        bitrate: The bitrate to announce, in bit/s.

    Returns:
        Whether the receiver had an estimator (i.e. is a video receiver).
    """
    if getattr(receiver, _ESTIMATOR_ATTR) is None:
        return False
    setattr(receiver, _ESTIMATOR_ATTR, FixedRateEstimator(bitrate))
    return True


def route_rtx_ssrc(receiver: RTCRtpReceiver, rtx_ssrc: int) -> None:
    """Routes RTP packets of ``rtx_ssrc`` on the receiver's transport to it.

    Relies on ``RTCDtlsTransport._rtp_router.ssrc_table`` (``RtpRouter``), whose
    ``route_rtp`` accepts a packet whose SSRC maps to a receiver registered for
    the packet's payload type.

    Args:
        receiver: The receiver of a published video track.
        rtx_ssrc: The publisher's RTX SSRC for that track.
    """
    receiver.transport._rtp_router.ssrc_table[rtx_ssrc] = receiver


def mark_bundled_on_sctp(pc: RTCPeerConnection) -> int:
    """Marks transceivers sharing the SCTP transport as already bundled.

    With ``alwaysNegotiateDataChannels``, aiortc's ``createOffer`` puts the
    data-channel m-section first and gives it the first transceiver's transport,
    but leaves that transceiver's ``_bundled`` flag false; applying the answer
    then treats it as a bundle member with a transport of its own and stops the
    (shared) transport. Relies on ``RTCRtpTransceiver._bundled`` and
    ``RTCSctpTransport.transport``.

    Args:
        pc: The session's PeerConnection, after ``createOffer``.

    Returns:
        How many transceivers were marked.
    """
    sctp = pc.sctp
    if sctp is None:
        return 0
    marked = 0
    for transceiver in pc.getTransceivers():
        if (
            transceiver.receiver.transport is sctp.transport
            and not transceiver._bundled
        ):
            transceiver._bundled = True
            marked += 1
    return marked


def set_stream_id(sender: RTCRtpSender, stream_id: str) -> None:
    """Sets the MediaStream id announced in ``a=msid`` for this sender.

    Relies on ``RTCRtpSender._stream_id`` (which ``RTCPeerConnection`` sets to
    one id for all its senders) being read when an m-section is written.

    Args:
        sender: The sender of a subscription.
        stream_id: The stream id (here: the publisher's session id, so that one
            participant's tracks share a stream in the browser).
    """
    sender._stream_id = stream_id


_TRANSCEIVERS_ATTR = "_RTCPeerConnection__transceivers"


def retire_transceiver(pc: RTCPeerConnection, transceiver: Any) -> bool:
    """Forgets a stopped transceiver whose m-line the client recycled.

    Relies on the private list ``RTCPeerConnection.__transceivers``; without
    this, ``setLocalDescription`` would find the old transceiver by m-line index
    and give it the new mid.

    Args:
        pc: The session's PeerConnection.
        transceiver: A stopped transceiver no longer in any description.

    Returns:
        Whether it was removed (the last transceiver is always kept, as new ones
        bundle onto the first one's transport).
    """
    transceivers: list = getattr(pc, _TRANSCEIVERS_ATTR)
    if transceiver in transceivers and len(transceivers) > 1:
        transceivers.remove(transceiver)
        return True
    return False


def install_server_hooks(ice_host: str = LOOPBACK) -> None:
    """Applies the process-wide hooks the stand-in needs (ICE, codecs, decoding).

    Args:
        ice_host: The address to gather ICE host candidates on.
    """
    use_loopback_ice(ice_host)
    use_forwarding_codecs()
    use_passthrough_receivers()
