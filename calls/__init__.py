"""Server-side client for the Cloudflare Calls (Realtime SFU) HTTP API.

``load_config(os.environ)`` picks Cloudflare or the local stand-in;
:class:`CallsClient` makes the calls with retries, timeouts and one
negotiation at a time per session. The app secret stays on the server.
"""

from reflex_meet.calls.client import MAX_TRACKS_PER_CALL, CallsClient, check_session_id
from reflex_meet.calls.config import CallsConfig, describe, load_config
from reflex_meet.calls.errors import (
    CallsConfigError,
    CallsError,
    CallsHTTPError,
    CallsInvalidRequestError,
    CallsProtocolError,
    CallsTimeout,
    CallsTrackError,
    CallsUnavailable,
    is_retryable,
)

__all__ = [
    "MAX_TRACKS_PER_CALL",
    "CallsClient",
    "CallsConfig",
    "CallsConfigError",
    "CallsError",
    "CallsHTTPError",
    "CallsInvalidRequestError",
    "CallsProtocolError",
    "CallsTimeout",
    "CallsTrackError",
    "CallsUnavailable",
    "check_session_id",
    "describe",
    "is_retryable",
    "load_config",
]
