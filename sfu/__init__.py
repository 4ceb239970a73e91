"""A local stand-in for Cloudflare Calls: the same HTTP API, real WebRTC forwarding.

Run it with ``python -m reflex_meet.sfu --app-id local --app-secret SECRET``; see
:mod:`sfu.__main__`. It forwards encoded VP8 and Opus between PeerConnections
with aiortc (pinned, its private hooks in :mod:`sfu.aiortc_hooks`).
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
