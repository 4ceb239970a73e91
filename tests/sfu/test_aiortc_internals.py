"""One test per private aiortc/aioice internal the stand-in relies on.

An upgrade of aiortc, aioice or av that moves any of these must fail here,
loudly, instead of silently breaking media forwarding.
"""

from __future__ import annotations

import asyncio
import fractions
import inspect
import queue
import re
import threading
from importlib.metadata import version

import aioice
import aioice.ice
import av
import pytest
from aiortc import (
    RTCCertificate,
    RTCConfiguration,
    RTCDtlsTransport,
    RTCIceGatherer,
    RTCIceTransport,
    RTCPeerConnection,
    RTCRtpReceiver,
    RTCRtpSender,
    rtcpeerconnection,
    rtcrtpreceiver,
)
from aiortc import codecs as aiortc_codecs
from aiortc.jitterbuffer import JitterFrame
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtcconfiguration import RTCBundlePolicy
from aiortc.rtcrtpparameters import RTCRtpCodecParameters, RTCRtpSendParameters
from aiortc.rtp import (
    RTCP_PSFB_APP,
    RTCP_PSFB_FIR,
    RTCP_PSFB_PLI,
    RtcpPacket,
    RtcpPsfbPacket,
    RtpPacket,
    is_rtcp,
    unpack_remb_fci,
)

from reflex_meet.sfu import aiortc_hooks
from tests.sfu.sfu_support import ROOT

VP8 = RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90000, payloadType=97)
OPUS = RTCRtpCodecParameters(
    mimeType="audio/opus", clockRate=48000, channels=2, payloadType=96
)


class FakeTransport:
    """Stands in for RTCDtlsTransport where aiortc only sends through it."""

    state = "connected"

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    async def _send_rtp(self, data: bytes) -> None:
        self.sent.append(data)

    def _register_rtp_sender(self, sender, parameters) -> None:
        pass

    def _unregister_rtp_sender(self, sender) -> None:
        pass

    def rtcp(self) -> list:
        return [p for data in self.sent for p in RtcpPacket.parse(data)]


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 10))


def test_installed_versions_equal_the_pins():
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if match := re.match(r"^([A-Za-z0-9_.-]+)==([^\s#]+)", line):
            pins[match[1].lower()] = match[2]
    for name in ("aiortc", "aioice", "av", "aiohttp"):
        assert name in pins, f"{name} is not pinned in requirements.txt"
        assert version(name) == pins[name], name


def test_loopback_hook_replaces_aioice_host_addresses(monkeypatch):
    original = aioice.ice.get_host_addresses
    assert list(inspect.signature(original).parameters) == ["use_ipv4", "use_ipv6"]
    assert "get_host_addresses(" in inspect.getsource(
        aioice.ice.Connection.gather_candidates
    )
    monkeypatch.setattr(aioice.ice, "get_host_addresses", original)
    aiortc_hooks.use_loopback_ice()

    async def gather():
        connection = aioice.Connection(ice_controlling=True, use_ipv6=False)
        await connection.gather_candidates()
        hosts = [(c.host, c.type) for c in connection.local_candidates]
        await connection.close()
        return hosts

    assert run(gather()) == [("127.0.0.1", "host")]


def test_codec_hook_trims_the_list_rtcpeerconnection_negotiates(monkeypatch):
    codecs = aiortc_codecs.CODECS
    assert rtcpeerconnection.CODECS is codecs
    for kind in ("audio", "video"):
        monkeypatch.setitem(codecs, kind, [c for c in codecs[kind]])
    aiortc_hooks.use_forwarding_codecs()
    assert [c.mimeType for c in codecs["audio"]] == ["audio/opus"]
    assert [c.mimeType for c in codecs["video"]] == ["video/VP8", "video/rtx"]
    vp8, rtx = codecs["video"]
    assert rtx.parameters["apt"] == vp8.payloadType
    feedback = {(f.type, f.parameter) for f in vp8.rtcpFeedback}
    assert {
        ("nack", None),
        ("nack", "pli"),
        ("goog-remb", None),
        ("ccm", "fir"),
    } <= feedback
    capabilities = RTCRtpSender.getCapabilities("video").codecs
    assert [c.mimeType for c in capabilities] == ["video/VP8", "video/rtx"]


def test_passthrough_hook_turns_decoder_worker_output_into_packets(monkeypatch):
    assert list(inspect.signature(rtcrtpreceiver.decoder_worker).parameters) == [
        "loop",
        "input_q",
        "output_q",
        "decode_error",
    ]
    monkeypatch.setattr(rtcrtpreceiver, "get_decoder", rtcrtpreceiver.get_decoder)
    aiortc_hooks.use_passthrough_receivers()
    assert rtcrtpreceiver.get_decoder is aiortc_hooks.passthrough_get_decoder

    async def scenario():
        loop = asyncio.get_running_loop()
        input_q: queue.Queue = queue.Queue()
        output_q: asyncio.Queue = asyncio.Queue()
        worker = threading.Thread(
            target=rtcrtpreceiver.decoder_worker,
            args=(loop, input_q, output_q, threading.Event()),
        )
        worker.start()
        input_q.put((VP8, JitterFrame(data=b"\x10\x02\x9d\x01key", timestamp=3000)))
        input_q.put((VP8, JitterFrame(data=b"\x31delta", timestamp=6000)))
        input_q.put((OPUS, JitterFrame(data=b"\xfc\xff\xfe", timestamp=960)))
        input_q.put(None)
        items = [await output_q.get() for _ in range(4)]
        worker.join()
        return items

    key, delta, audio, end = run(scenario())
    assert all(isinstance(p, av.Packet) for p in (key, delta, audio))
    assert bytes(key) == b"\x10\x02\x9d\x01key" and key.is_keyframe
    assert key.pts == 3000 and key.time_base == fractions.Fraction(1, 90000)
    assert not delta.is_keyframe and delta.pts == 6000
    assert audio.time_base == fractions.Fraction(1, 48000) and audio.is_keyframe
    assert end is None


class PacketTrack(MediaStreamTrack):
    kind = "video"

    def __init__(self, packets):
        super().__init__()
        self.packets = list(packets)

    async def recv(self):
        if not self.packets:
            await asyncio.sleep(3600)
            raise MediaStreamError
        return self.packets.pop(0)


def test_sender_packetises_av_packets_without_encoding():
    async def scenario():
        transport = FakeTransport()
        packet = av.Packet(b"\x10" + b"x" * 2500)
        packet.pts = 9000
        packet.time_base = fractions.Fraction(1, 90000)
        sender = RTCRtpSender(PacketTrack([packet]), transport)
        await sender.send(RTCRtpSendParameters(codecs=[VP8], muxId="0"))
        for _ in range(100):
            if transport.sent:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        await sender.stop()
        return [d for d in transport.sent if not is_rtcp(d)]

    sent = run(scenario())
    assert len(sent) >= 2  # 2501 bytes split into MTU-sized VP8 payloads
    packets = [RtpPacket.parse(d) for d in sent]
    assert [p.marker for p in packets] == [0] * (len(packets) - 1) + [1]
    assert len({p.timestamp for p in packets}) == 1
    payload = b"".join(aiortc_codecs.vp8_depayload(p.payload) for p in packets)
    assert payload == b"\x10" + b"x" * 2500


def test_keyframe_hook_intercepts_pli_and_fir():
    assert "_send_keyframe" in vars(RTCRtpSender)
    calls = []

    async def scenario():
        sender = RTCRtpSender("video", FakeTransport())
        aiortc_hooks.set_keyframe_handler(sender, lambda: calls.append("kf"))
        for fmt in (RTCP_PSFB_PLI, RTCP_PSFB_FIR):
            await sender._handle_rtcp_packet(
                RtcpPsfbPacket(fmt=fmt, ssrc=1, media_ssrc=sender._ssrc)
            )

    run(scenario())
    assert calls == ["kf", "kf"]


def test_send_pli_names_the_given_ssrc():
    async def scenario():
        transport = FakeTransport()
        receiver = RTCRtpReceiver("video", transport)
        receiver._set_rtcp_ssrc(4242)
        await aiortc_hooks.send_pli(receiver, 1234)
        return transport.rtcp()

    (packet,) = run(scenario())
    assert isinstance(packet, RtcpPsfbPacket) and packet.fmt == RTCP_PSFB_PLI
    assert (packet.ssrc, packet.media_ssrc) == (4242, 1234)


def test_fixed_remb_hook_replaces_the_bitrate_estimator():
    async def scenario():
        transport = FakeTransport()
        audio = RTCRtpReceiver("audio", transport)
        video = RTCRtpReceiver("video", transport)
        assert not aiortc_hooks.use_fixed_remb(audio, 2_000_000)
        assert aiortc_hooks.use_fixed_remb(video, 2_000_000)
        video._set_rtcp_ssrc(7)
        for seq in range(3):
            packet = RtpPacket(payload_type=97, sequence_number=seq, timestamp=seq)
            packet.ssrc = 555
            packet.extensions.abs_send_time = 1000 + seq
            await video._handle_rtp_packet(packet, arrival_time_ms=seq)
        return transport.rtcp()

    (remb,) = run(scenario())  # once per interval, not per packet
    assert isinstance(remb, RtcpPsfbPacket) and remb.fmt == RTCP_PSFB_APP
    assert unpack_remb_fci(remb.fci) == (2_000_000, [555])


def test_rtx_ssrc_route_hook_uses_the_rtp_router():
    async def scenario():
        dtls = RTCDtlsTransport(
            RTCIceTransport(RTCIceGatherer()), [RTCCertificate.generateCertificate()]
        )
        router = dtls._rtp_router
        camera = RTCRtpReceiver("video", dtls)
        screen = RTCRtpReceiver("video", dtls)
        router.register_receiver(camera, ssrcs=[10], payload_types=[97, 98])
        router.register_receiver(screen, ssrcs=[20], payload_types=[97, 98])
        rtx = RtpPacket(payload_type=98, sequence_number=1, timestamp=1)
        rtx.ssrc = 11
        before = router.route_rtp(rtx)
        aiortc_hooks.route_rtx_ssrc(camera, 11)
        after = router.route_rtp(rtx)
        return before, after, camera

    before, after, camera = run(scenario())
    assert before is None  # ambiguous payload type: dropped without the hook
    assert after is camera


def test_retire_transceiver_edits_the_private_transceiver_list():
    assert hasattr(RTCPeerConnection, "_RTCPeerConnection__getTransceiverByMLineIndex")

    async def scenario():
        pc = RTCPeerConnection()
        old = pc.addTransceiver("video")
        new = pc.addTransceiver("video")
        assert aiortc_hooks.retire_transceiver(pc, old)
        remaining = pc.getTransceivers()
        kept_last = aiortc_hooks.retire_transceiver(pc, new)
        await pc.close()
        return remaining, kept_last, new

    remaining, kept_last, new = run(scenario())
    assert remaining == [new]
    assert kept_last is False


@pytest.mark.parametrize("name", ["is_keyframe", "pts", "time_base"])
def test_av_packet_attributes_are_writable(name):
    packet = av.Packet(b"\x00")
    value = {"is_keyframe": True, "pts": 5, "time_base": fractions.Fraction(1, 90000)}[
        name
    ]
    setattr(packet, name, value)
    assert getattr(packet, name) == value


def test_sctp_first_offer_needs_the_bundled_flag_fix():
    """aiortc's first offer with alwaysNegotiateDataChannels and the hook."""
    assert "alwaysNegotiateDataChannels" in inspect.getsource(
        RTCPeerConnection.createOffer
    )

    async def scenario():
        configuration = RTCConfiguration(
            iceServers=[],
            bundlePolicy=RTCBundlePolicy.MAX_BUNDLE,
            alwaysNegotiateDataChannels=True,
        )
        pc = RTCPeerConnection(configuration)
        first = pc.addTransceiver("video", direction="sendonly")
        pc.addTransceiver("audio", direction="sendonly")
        offer = await pc.createOffer()
        kinds = [
            line.split()[0] for line in offer.sdp.splitlines() if line.startswith("m=")
        ]
        shared = pc.sctp.transport is first.receiver.transport
        before = first._bundled
        marked = aiortc_hooks.mark_bundled_on_sctp(pc)
        # The flag is read at each createOffer (the stand-in turns it off).
        configuration.alwaysNegotiateDataChannels = False
        await pc.close()
        return kinds, shared, before, marked, first._bundled

    kinds, shared, before, marked, after = run(scenario())
    assert kinds == ["m=application", "m=video", "m=audio"]
    assert shared and before is False  # the quirk the hook corrects
    assert marked == 1 and after is True


def test_stream_id_hook_sets_the_msid_of_an_m_section():
    async def scenario():
        pc = RTCPeerConnection()
        transceiver = pc.addTransceiver("video", direction="sendonly")
        aiortc_hooks.set_stream_id(transceiver.sender, "publisher-session")
        offer = await pc.createOffer()
        await pc.close()
        return offer.sdp

    assert "a=msid:publisher-session " in run(scenario())
