"""Calls-style API errors: an HTTP status, an ``errorCode`` and a description."""

from __future__ import annotations

from typing import Any

# Top-level and per-item error codes, as Cloudflare Calls names them.
UNAUTHORIZED = "unauthorized"
NOT_FOUND = "not_found"
DECODING_ERROR = "decoding_error"
INVALID_PARAMS = "invalid_params"
PAYLOAD_TOO_LARGE = "payload_too_large"
SESSION_ERROR = "session_error"
INVALID_SESSION_DESCRIPTION = "invalid_session_description"
NOT_FOUND_TRACK_ERROR = "not_found_track_error"
EMPTY_TRACK_ERROR = "empty_track_error"
REPEATED_LOCAL_TRACK_ERROR = "repeated_local_track_error"
UPDATE_TRACK_ERROR = "update_track_error"
CLOSE_TRACK_ERROR = "close_track_error"
INTERNAL_ERROR = "internal_error"


class ApiError(Exception):
    """An error answered as ``{errorCode, errorDescription}`` with an HTTP status.

    Attributes:
        status: The HTTP status code of the response.
        code: The Calls ``errorCode``.
        description: The human-readable ``errorDescription``.
    """

    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(f"{status} {code}: {description}")
        self.status = status
        self.code = code
        self.description = description

    def body(self) -> dict[str, Any]:
        """Returns the JSON body of the error response."""
        return {"errorCode": self.code, "errorDescription": self.description}


def item_error(item: dict[str, Any], code: str, description: str) -> dict[str, Any]:
    """Returns a copy of a batch item carrying a per-item error.

    Args:
        item: The track object as it will be echoed to the caller.
        code: The Calls ``errorCode`` of this item.
        description: The ``errorDescription`` of this item.

    Returns:
        The item with ``errorCode`` and ``errorDescription`` added.
    """
    return {**item, "errorCode": code, "errorDescription": description}


def invalid_params(description: str) -> ApiError:
    """Returns a 400 ``invalid_params`` error."""
    return ApiError(400, INVALID_PARAMS, description)


def not_found(description: str) -> ApiError:
    """Returns a 404 ``not_found`` error."""
    return ApiError(404, NOT_FOUND, description)


def session_gone(session_id: str) -> ApiError:
    """Returns the 410 ``session_error`` for a closed or expired session."""
    return ApiError(410, SESSION_ERROR, f"session {session_id} is closed or expired")


def not_connected(session_id: str, waited: float) -> ApiError:
    """Returns the 425 ``session_error`` for a PeerConnection that is not connected."""
    return ApiError(
        425,
        SESSION_ERROR,
        f"the PeerConnection of session {session_id} did not reach 'connected' "
        f"within {waited:g} s",
    )


def negotiation_in_progress(session_id: str, what: str) -> ApiError:
    """Returns the 406 error for an SDP mutation overlapping another one."""
    return ApiError(
        406,
        SESSION_ERROR,
        f"session {session_id}: {what}; run negotiations one after another",
    )
