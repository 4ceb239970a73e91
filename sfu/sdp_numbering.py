"""Pure SDP rewriting for a forwarding SFU that also makes offers.

When the stand-in makes an offer (to add subscriptions), aiortc numbers payload
types and RTP header extensions its own way. Chrome refuses a re-offer that
changes numbers it already negotiated (``RTP extension ID reassignment not
supported``) or that gives one id two meanings inside the BUNDLE group
(``BUNDLE group contains a codec collision``). The functions here keep a memory
of the numbers the client used and rewrite the stand-in's offers to them:

* an m-section that was negotiated before keeps its numbers;
* a new m-section reuses the client's numbers for that kind;
* for a kind the client never offered, every id the client ever used is avoided.

They also reject m-sections (port 0, out of the BUNDLE group) and read the few
facts the stand-in needs from a client's SDP. Everything works on SDP text and
touches no aiortc object.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CodecKey = tuple[str, int, int]
"""(encoding name in lower case, clock rate, channels) of a codec."""

EOL = "\r\n"
MEDIA_KINDS = ("audio", "video")
DIRECTIONS = ("sendrecv", "sendonly", "recvonly", "inactive")
# Dynamic payload types, preferred range first (RFC 3551 and Chrome's habit).
FREE_PAYLOAD_TYPES = [*range(96, 128), *range(35, 64)]
FREE_EXTENSION_IDS = list(range(1, 15))

_RTPMAP = re.compile(r"^a=rtpmap:(\d+) ([^/\s]+)/(\d+)(?:/(\d+))?")
_PT_ATTR = re.compile(r"^a=(rtpmap|rtcp-fb|fmtp):(\d+|\*)(.*)$")
_EXTMAP = re.compile(r"^a=extmap:(\d+)(/\S+)? (\S+)(.*)$")
_APT = re.compile(r"(^|;)\s*apt=(\d+)")
_APT_VALUE = re.compile(r"(\bapt=)(\d+)")


@dataclass
class Numbering:
    """The payload types and header-extension ids of one m-section or kind.

    Attributes:
        codecs: Payload type of each non-RTX codec.
        rtx: RTX payload type for each primary payload type.
        extensions: Header-extension id of each extension URI.
    """

    codecs: dict[CodecKey, int] = field(default_factory=dict)
    rtx: dict[int, int] = field(default_factory=dict)
    extensions: dict[str, int] = field(default_factory=dict)


@dataclass
class NumberingMemory:
    """What one session's client has used, learnt from each of its SDPs.

    Attributes:
        by_mid: The negotiated numbering of each m-section, by mid.
        by_kind: The client's numbering for each kind (first seen wins), or the
            numbering the stand-in chose for a kind the client never offered.
        used_payload_types: Every payload type the client (or a choice made for
            it) used on this connection.
        used_extension_ids: Every header-extension id used on this connection.
        extension_ids: Connection-wide extension id of each URI.
    """

    by_mid: dict[str, Numbering] = field(default_factory=dict)
    by_kind: dict[str, Numbering] = field(default_factory=dict)
    used_payload_types: set[int] = field(default_factory=set)
    used_extension_ids: set[int] = field(default_factory=set)
    extension_ids: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class MediaInfo:
    """The facts of one m-section that the stand-in's logic needs.

    Attributes:
        index: Position of the m-section in the SDP.
        kind: ``audio``, ``video`` or ``application``.
        mid: The ``a=mid`` value, or ``None``.
        port: The m-line port (0 means rejected or stopped).
        direction: The direction attribute (``sendrecv`` when absent).
    """

    index: int
    kind: str
    mid: str | None
    port: int
    direction: str

    @property
    def rejected(self) -> bool:
        """Whether the m-section is rejected or stopped (port 0)."""
        return self.port == 0

    @property
    def sends(self) -> bool:
        """Whether the SDP's author sends media on this m-section."""
        return not self.rejected and self.direction in ("sendrecv", "sendonly")


def split_sdp(sdp: str) -> tuple[list[str], list[list[str]]]:
    """Splits SDP text into its session lines and the lines of each m-section.

    Args:
        sdp: SDP text with CRLF or LF line endings.

    Returns:
        The session-level lines and a list of m-sections, each a list of lines
        starting with its ``m=`` line. Empty lines are dropped.
    """
    session: list[str] = []
    sections: list[list[str]] = []
    for raw in sdp.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("m="):
            sections.append([line])
        elif sections:
            sections[-1].append(line)
        else:
            session.append(line)
    return session, sections


def join_sdp(session: list[str], sections: list[list[str]]) -> str:
    """Joins session lines and m-sections back into SDP text (CRLF endings)."""
    lines = [*session, *(line for section in sections for line in section)]
    return EOL.join(lines) + EOL


def _attribute(section: list[str], name: str) -> str | None:
    prefix = f"a={name}:"
    for line in section:
        if line.startswith(prefix):
            return line[len(prefix) :].strip()
    return None


def _direction(section: list[str]) -> str:
    for line in section:
        if line[2:] in DIRECTIONS and line.startswith("a="):
            return line[2:]
    return "sendrecv"


def _m_line(section: list[str]) -> tuple[str, int, str, list[str]]:
    bits = section[0][2:].split()
    if len(bits) < 3:
        raise ValueError(f"malformed m-line: {section[0]!r}")
    return bits[0], int(bits[1]), bits[2], bits[3:]


def media_info(sdp: str) -> list[MediaInfo]:
    """Lists the m-sections of an SDP.

    Args:
        sdp: SDP text.

    Returns:
        One :class:`MediaInfo` per m-section, in order.

    Raises:
        ValueError: If an m-line is malformed.
    """
    _, sections = split_sdp(sdp)
    infos = []
    for index, section in enumerate(sections):
        kind, port, _, _ = _m_line(section)
        infos.append(
            MediaInfo(
                index=index,
                kind=kind,
                mid=_attribute(section, "mid"),
                port=port,
                direction=_direction(section),
            )
        )
    return infos


def rejected_mids(sdp: str) -> set[str]:
    """Returns the mids of the m-sections with port 0 (rejected or stopped)."""
    return {m.mid for m in media_info(sdp) if m.rejected and m.mid is not None}


def _section_numbering(section: list[str]) -> Numbering:
    numbering = Numbering()
    codec_of: dict[int, CodecKey] = {}
    rtx_pts: list[int] = []
    for line in section:
        if match := _RTPMAP.match(line):
            pt, name, clock = int(match[1]), match[2].lower(), int(match[3])
            channels = int(match[4]) if match[4] else 1
            if name == "rtx":
                rtx_pts.append(pt)
            else:
                codec_of[pt] = (name, clock, channels)
                numbering.codecs.setdefault((name, clock, channels), pt)
        elif match := _EXTMAP.match(line):
            numbering.extensions.setdefault(match[3], int(match[1]))
    for pt in rtx_pts:
        fmtp = next(
            (x.split(" ", 1)[1] for x in section if x.startswith(f"a=fmtp:{pt} ")), ""
        )
        if (apt := _APT.search(fmtp)) and int(apt[2]) in codec_of:
            primary = int(apt[2])
            if numbering.codecs.get(codec_of[primary]) == primary:
                numbering.rtx.setdefault(primary, pt)
    return numbering


def _payload_types(section: list[str]) -> set[int]:
    kind, _, _, fmt = _m_line(section)
    if kind not in MEDIA_KINDS:
        return set()
    return {int(x) for x in fmt if x.isdigit()}


def learn(memory: NumberingMemory, sdp: str) -> None:
    """Records the numbering of a client's SDP (offer or answer).

    Args:
        memory: The session's numbering memory, updated in place.
        sdp: SDP text written by the client.
    """
    _, sections = split_sdp(sdp)
    for section in sections:
        kind, port, _, _ = _m_line(section)
        if kind not in MEDIA_KINDS:
            continue
        numbering = _section_numbering(section)
        memory.used_payload_types |= _payload_types(section)
        memory.used_extension_ids |= set(numbering.extensions.values())
        for uri, ext_id in numbering.extensions.items():
            memory.extension_ids.setdefault(uri, ext_id)
        if port == 0 or not numbering.codecs:
            continue
        mid = _attribute(section, "mid")
        if mid is not None:
            memory.by_mid[mid] = numbering
        memory.by_kind.setdefault(kind, numbering)


def _allocate(kind: str, proposed: Numbering, memory: NumberingMemory) -> Numbering:
    """Numbers a kind the client never offered, avoiding every id it used."""
    taken = set(memory.used_payload_types)

    def free_pt(preferred: int) -> int:
        if preferred not in taken:
            taken.add(preferred)
            return preferred
        for pt in FREE_PAYLOAD_TYPES:
            if pt not in taken:
                taken.add(pt)
                return pt
        raise ValueError("no free payload type left")

    result = Numbering()
    for key, pt in proposed.codecs.items():
        result.codecs[key] = free_pt(pt)
    for primary, rtx in proposed.rtx.items():
        key = next(k for k, v in proposed.codecs.items() if v == primary)
        result.rtx[result.codecs[key]] = free_pt(rtx)

    taken_ids = set(memory.used_extension_ids)
    for uri, ext_id in proposed.extensions.items():
        if uri in memory.extension_ids:
            result.extensions[uri] = memory.extension_ids[uri]
            continue
        new_id = ext_id if ext_id not in taken_ids else None
        if new_id is None:
            new_id = next((i for i in FREE_EXTENSION_IDS if i not in taken_ids), None)
        if new_id is None:
            continue  # no id left: offer the m-section without this extension
        taken_ids.add(new_id)
        result.extensions[uri] = new_id
        memory.extension_ids[uri] = new_id

    memory.used_payload_types |= taken
    memory.used_extension_ids |= taken_ids
    memory.by_kind[kind] = result
    return result


def _renumber_section(section: list[str], target: Numbering) -> list[str]:
    own = _section_numbering(section)
    pt_map: dict[int, int] = {}
    for key, old_pt in own.codecs.items():
        if key in target.codecs:
            pt_map[old_pt] = target.codecs[key]
    for old_primary, old_rtx in own.rtx.items():
        new_primary = pt_map.get(old_primary)
        if new_primary is not None and new_primary in target.rtx:
            pt_map[old_rtx] = target.rtx[new_primary]
    ext_map = {
        own.extensions[uri]: target.extensions[uri]
        for uri in own.extensions
        if uri in target.extensions
    }
    if not any(key in target.codecs for key in own.codecs):
        raise ValueError("the m-section has no codec in common with the client")

    kind, port, proto, fmt = _m_line(section)
    new_fmt = [str(pt_map[int(x)]) for x in fmt if x.isdigit() and int(x) in pt_map]
    out = [f"m={kind} {port} {proto} {' '.join(new_fmt)}"]
    for line in section[1:]:
        if match := _PT_ATTR.match(line):
            attr, pt, rest = match[1], match[2], match[3]
            if pt == "*":
                out.append(line)
                continue
            if int(pt) not in pt_map:
                continue
            if attr == "fmtp":
                rest = _APT_VALUE.sub(
                    lambda m: f"{m[1]}{pt_map.get(int(m[2]), int(m[2]))}", rest
                )
            out.append(f"a={attr}:{pt_map[int(pt)]}{rest}")
        elif match := _EXTMAP.match(line):
            old_id = int(match[1])
            if old_id in ext_map:
                out.append(
                    f"a=extmap:{ext_map[old_id]}{match[2] or ''} {match[3]}{match[4]}"
                )
        else:
            out.append(line)
    return out


def renumber_offer(sdp: str, memory: NumberingMemory) -> str:
    """Rewrites an offer made by the stand-in into the client's numbering.

    Args:
        sdp: The offer as aiortc made it.
        memory: The session's numbering memory; a numbering chosen for a kind
            the client never offered is recorded in it.

    Returns:
        The offer with payload types and extension ids the client accepts.

    Raises:
        ValueError: If an m-section shares no codec with the client's numbering.
    """
    session, sections = split_sdp(sdp)
    out = []
    for section in sections:
        kind, _, _, _ = _m_line(section)
        if kind not in MEDIA_KINDS:
            out.append(section)
            continue
        mid = _attribute(section, "mid")
        target = memory.by_mid.get(mid) if mid is not None else None
        if target is None:
            target = memory.by_kind.get(kind)
        if target is None:
            target = _allocate(kind, _section_numbering(section), memory)
        out.append(_renumber_section(section, target))
    return join_sdp(session, out)


def reject_sections(sdp: str, mids: set[str]) -> str:
    """Marks m-sections as rejected: port 0, inactive, out of the BUNDLE group.

    Candidates, ``a=msid`` and ``a=ssrc`` lines of those sections are dropped.

    Args:
        sdp: SDP text.
        mids: The mids of the m-sections to reject.

    Returns:
        The rewritten SDP; m-sections of other mids are unchanged.
    """
    session, sections = split_sdp(sdp)
    out_sections = []
    for section in sections:
        if _attribute(section, "mid") not in mids:
            out_sections.append(section)
            continue
        kind, _, proto, fmt = _m_line(section)
        lines = [f"m={kind} 0 {proto} {' '.join(fmt)}"]
        for line in section[1:]:
            # Chrome refuses an SDP where a rejected section repeats the msid of
            # a live one ("Duplicate a=msid lines detected").
            if line.startswith(
                ("a=candidate:", "a=end-of-candidates", "a=msid:", "a=ssrc")
            ):
                continue
            if line.startswith("a=") and line[2:] in DIRECTIONS:
                continue
            lines.append(line)
            if line.startswith("a=mid:"):
                lines.append("a=inactive")
        out_sections.append(lines)
    out_session = []
    for line in session:
        if line.startswith("a=group:BUNDLE"):
            items = [x for x in line.split()[1:] if x not in mids]
            if not items:
                continue
            line = "a=group:BUNDLE " + " ".join(items)
        out_session.append(line)
    return join_sdp(out_session, out_sections)


def _codec_lines(numbering: Numbering) -> tuple[list[str], list[str]]:
    fmt, lines = [], []
    for (name, clock, channels), pt in numbering.codecs.items():
        suffix = f"/{channels}" if channels > 1 else ""
        fmt.append(str(pt))
        lines.append(f"a=rtpmap:{pt} {name}/{clock}{suffix}")
    return fmt, lines


def bundle_tag(sdp: str) -> str | None:
    """Returns the BUNDLE tag: the first mid of the BUNDLE group.

    Chrome carries the whole connection on the tag's transport; rejecting that
    m-section makes it build a new transport (a new DTLS association).

    Args:
        sdp: SDP text.

    Returns:
        The tag's mid, or ``None`` without a BUNDLE group.
    """
    session, _ = split_sdp(sdp)
    for line in session:
        if line.startswith("a=group:BUNDLE"):
            items = line.split()[1:]
            return items[0] if items else None
    return None


def inactivate_sections(sdp: str, mids: set[str]) -> str:
    """Sets ``a=inactive`` on m-sections, keeping their port and BUNDLE place.

    Used instead of :func:`reject_sections` for the BUNDLE tag.

    Args:
        sdp: SDP text.
        mids: The mids of the m-sections to make inactive.

    Returns:
        The rewritten SDP.
    """
    session, sections = split_sdp(sdp)
    out = []
    for section in sections:
        if _attribute(section, "mid") not in mids:
            out.append(section)
            continue
        lines = [
            line
            for line in section
            if not (line.startswith("a=") and line[2:] in DIRECTIONS)
        ]
        index = next(
            (i + 1 for i, line in enumerate(lines) if line.startswith("a=mid:")),
            len(lines),
        )
        lines.insert(index, "a=inactive")
        out.append(lines)
    return join_sdp(session, out)


def fill_rejected_sections(sdp: str, memory: NumberingMemory | None = None) -> str:
    """Completes rejected m-sections of a client's SDP for aiortc's parser.

    aiortc wants ICE credentials, a DTLS fingerprint, ``a=rtcp-mux`` and a codec
    it knows in every audio/video m-section, even one with port 0. Missing
    attributes are copied from the first m-section that has them; a section
    without any ``a=rtpmap`` gets the codecs negotiated for its mid (or kind).

    Args:
        sdp: SDP text written by a client.
        memory: The session's numbering memory, for sections without codecs.

    Returns:
        The SDP with rejected m-sections completed; others are unchanged.
    """
    session, sections = split_sdp(sdp)
    donors: dict[str, str] = {}
    for section in sections:
        for line in section:
            for name in ("ice-ufrag", "ice-pwd", "fingerprint", "setup"):
                if line.startswith(f"a={name}:"):
                    donors.setdefault(name, line)
    out = []
    for section in sections:
        kind, port, proto, _ = _m_line(section)
        if port != 0 or kind not in MEDIA_KINDS:
            out.append(section)
            continue
        section = list(section)
        for name, line in donors.items():
            has_session_level = any(x.startswith(f"a={name}:") for x in session)
            if _attribute(section, name) is None and not has_session_level:
                section.append(line)
        if "a=rtcp-mux" not in section:
            section.append("a=rtcp-mux")
        if memory is not None and not any(x.startswith("a=rtpmap:") for x in section):
            mid = _attribute(section, "mid")
            numbering = memory.by_mid.get(mid or "") or memory.by_kind.get(kind)
            if numbering is not None and numbering.codecs:
                fmt, lines = _codec_lines(numbering)
                section = [f"m={kind} 0 {proto} {' '.join(fmt)}", *section[1:], *lines]
        out.append(section)
    return join_sdp(session, out)


def primary_ssrc(sdp: str, mid: str) -> tuple[int | None, int | None]:
    """Finds the media SSRC and the RTX SSRC the author of an SDP sends on a mid.

    The primary SSRC is the first of an ``a=ssrc-group:FID`` (or the first
    ``a=ssrc``); keyframe requests must name it, never the RTX SSRC.

    Args:
        sdp: SDP text.
        mid: The m-section's mid.

    Returns:
        ``(primary, rtx)``; either is ``None`` when the SDP does not say.
    """
    _, sections = split_sdp(sdp)
    for section in sections:
        if _attribute(section, "mid") != mid:
            continue
        for line in section:
            if line.startswith("a=ssrc-group:FID "):
                bits = line.split()[1:]
                if len(bits) >= 2 and bits[0].isdigit() and bits[1].isdigit():
                    return int(bits[0]), int(bits[1])
        for line in section:
            if line.startswith("a=ssrc:"):
                value = line[len("a=ssrc:") :].split(" ", 1)[0]
                if value.isdigit():
                    return int(value), None
        return None, None
    return None, None
