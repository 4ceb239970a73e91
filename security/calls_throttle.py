"""A tab's Calls requests past its limits are refused as they arrive.

Reflex 0.10.1 costs every other member of a room two messages for each event
of a member once the event reaches its event processor, whatever the handler
does (README, "Room traffic"). A refusal inside ``MediaState.calls_request``
would still cost the room that, so the per-tab rules of the Calls proxy
(:func:`security.rate_limits.calls_tab_checks`) are counted here, when the
event comes in on the socket (called by :mod:`security.reflex_guard`), and a
refused request is answered straight to its own socket with the bridge's
usual reply, ``{"status": 429, "error": {"code": "rate_limited",
"description", "retryAfter"}}``; it is never enqueued, forwarded, or seen by
anyone else. The room's rule needs the tab's room from its state, so it is
counted in the handler.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any

import reflex as rx
from reflex.state import StateUpdate
from reflex_base.event import Event

from reflex_meet.security import rate_limits

__all__ = ["calls_event_name", "refused"]


@functools.cache
def calls_event_name() -> str:
    """The websocket event name of ``MediaState.calls_request``.

    Returns:
        ``<state path>.calls_request``.
    """
    from reflex_meet.state.media import (
        MediaState,  # the state imports the limits, not this
    )

    return f"{MediaState.get_full_name()}.calls_request"


def _request_id(data: dict[str, Any]) -> str | None:
    from reflex_meet.state.media import valid_request_id

    payload = data.get("payload")
    request = payload.get("request") if isinstance(payload, dict) else None
    request_id = request.get("id") if isinstance(request, dict) else None
    return request_id if valid_request_id(request_id) else None


async def refused(namespace: Any, sid: str, data: object) -> bool:
    """Count a Calls request of a socket's tab; answer it when over the limit.

    Args:
        namespace: Reflex's ``EventNamespace`` (``sid_to_token``,
            ``emit_update``).
        sid: The socket.
        data: The event as received.

    Returns:
        True when the request was refused and answered (drop the event);
        False for any other event and for allowed requests.
    """
    if not isinstance(data, dict) or data.get("name") != calls_event_name():
        return False
    request_id = _request_id(data)
    token = namespace.sid_to_token.get(sid)
    if request_id is None or not token:
        return False  # the handler refuses it, or Reflex drops it
    op = data["payload"]["request"].get("op")
    # The token is the tab's secret: the log names a digest of it.
    tab = hashlib.sha256(token.encode()).hexdigest()[:10]
    limited = await rate_limits.hit_all(
        rate_limits.calls_tab_checks(token, op), log_as=f"Calls requests of tab {tab}"
    )
    if limited is None:
        return False
    from reflex_meet.state.media import reply_script

    reply = {"status": 429, "error": limited.error()}
    events = Event.from_event_type(rx.call_script(reply_script(request_id, reply)))
    await namespace.emit_update(StateUpdate(events=events), token)
    return True
