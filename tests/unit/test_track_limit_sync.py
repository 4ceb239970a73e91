"""The media bridge splits its Calls requests under the proxy's track limit.

The bridge's constant (``assets/meet/media_logic.js``) and the proxy's
(``core.calls_policy.MAX_TRACKS``) must be the same number: a bridge limit
above the proxy's gets big pulls refused, one below it only costs requests.
"""

import re
from pathlib import Path

from reflex_meet.core.calls_policy import MAX_TRACKS, authorise

ROOT = Path(__file__).resolve().parents[2]
_CONSTANT = re.compile(r"^export const MAX_TRACKS_PER_REQUEST = (\d+);$", re.MULTILINE)


def bridge_limit() -> int:
    """The bridge's ``MAX_TRACKS_PER_REQUEST``, read from its source."""
    source = (ROOT / "assets/meet/media_logic.js").read_text()
    found = _CONSTANT.findall(source)
    assert len(found) == 1, "media_logic.js must define MAX_TRACKS_PER_REQUEST once"
    return int(found[0])


def test_the_bridge_uses_the_proxys_track_limit():
    assert bridge_limit() == MAX_TRACKS


def test_a_chunk_of_the_bridges_size_passes_the_proxy_and_one_more_does_not():
    pullable = frozenset(f"s{i:04d}/mic" for i in range(bridge_limit() + 1))

    def pull(count: int) -> object:
        tracks = [
            {"location": "remote", "sessionId": f"s{i:04d}", "trackName": "mic"}
            for i in range(count)
        ]
        return authorise(
            {"op": "tracks/new", "sessionId": "own0", "body": {"tracks": tracks}},
            in_room=True,
            joined=True,
            own_session="own0",
            pullable=pullable,
        )

    accepted = pull(bridge_limit())
    assert getattr(accepted, "op", None) == "tracks/new", accepted
    refused = pull(bridge_limit() + 1)
    assert getattr(refused, "code", None) == "invalid_params", refused
