"""Failures of Calls API calls and of the Calls configuration.

Every error carries a :class:`~core.problems.Problem`. For answers from the
Calls API the problem's code is the API's ``errorCode`` and its description the
API's ``errorDescription``; failures found on this side (timeouts, refused
connections, malformed answers, bad arguments) use codes of their own.

Which failures are worth retrying follows the Calls API reference:

* HTTP 425 (``session_error``: the PeerConnection is not connected yet), 429,
  408 and 5xx other than 501/505;
* the codes ``retryable_transient_error``, ``temporarily_unavailable_error``
  and ``transport_unavailable_error``, whatever the status.

``backend_error`` and ``internal_error`` are retried only when they come with
a 5xx status. HTTP 406 (two SDP negotiations overlapping on one session) is not
retried: it means the caller broke the one-negotiation-at-a-time rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Self

from reflex_meet.core.problems import Problem, ProblemError

if TYPE_CHECKING:
    from reflex_meet.core.calls_wire import AnsweredTrack, TracksAnswer

__all__ = [
    "RETRYABLE_CODES",
    "RETRYABLE_STATUSES",
    "CallsConfigError",
    "CallsError",
    "CallsHTTPError",
    "CallsInvalidRequestError",
    "CallsProtocolError",
    "CallsTimeout",
    "CallsTrackError",
    "CallsUnavailable",
    "is_retryable",
]

RETRYABLE_STATUSES = frozenset({408, 425, 429})
RETRYABLE_CODES = frozenset(
    {
        "retryable_transient_error",
        "temporarily_unavailable_error",
        "transport_unavailable_error",
    }
)
_NOT_RETRYABLE_5XX = frozenset({501, 505})


def is_retryable(status: int | None, code: str | None) -> bool:
    """Whether a failure is transient, so the same call may succeed later.

    Args:
        status: The HTTP status, or None when there was no answer.
        code: The Calls ``errorCode``, if any.

    Returns:
        True for the retryable codes, for 408/425/429 and for 5xx other than
        501 and 505.
    """
    if code in RETRYABLE_CODES:
        return True
    if status is None:
        return False
    if status in RETRYABLE_STATUSES:
        return True
    return 500 <= status <= 599 and status not in _NOT_RETRYABLE_5XX


class CallsConfigError(ProblemError, ValueError):
    """The Calls configuration (environment) is incomplete or unsafe."""


class CallsError(ProblemError):
    """A Calls API call failed.

    Attributes:
        problem: Code and plain description of the failure.
        status: The HTTP status of the answer, or None if there was none.
        retryable: Whether the failure is transient (see :func:`is_retryable`).
    """

    default_code: ClassVar[str] = "calls_error"

    def __init__(
        self, problem: Problem, *, status: int | None = None, retryable: bool = False
    ) -> None:
        """Wrap ``problem``.

        Args:
            problem: What went wrong.
            status: The HTTP status, if the API answered.
            retryable: Whether trying again later may succeed.
        """
        super().__init__(problem)
        self.status = status
        self.retryable = retryable

    @classmethod
    def because(cls, description: str, **kwargs: Any) -> Self:
        """Make the error with the class's default code.

        Args:
            description: One plain sentence saying what went wrong.
            **kwargs: ``status`` / ``retryable`` for the constructor.

        Returns:
            The error (not raised).
        """
        return cls(Problem(cls.default_code, description), **kwargs)

    def __repr__(self) -> str:
        """Show class, code, status and whether it is retryable."""
        return (
            f"{type(self).__name__}(code={self.problem.code!r}, "
            f"status={self.status!r}, retryable={self.retryable!r})"
        )


class CallsHTTPError(CallsError):
    """The Calls API answered with an error (non-2xx, or a top-level errorCode).

    Attributes:
        payload: The answer's JSON object, or None if it was not one.
        retry_after: Seconds from a ``Retry-After`` header, if any.
    """

    default_code = "calls_http_error"

    def __init__(
        self,
        problem: Problem,
        *,
        status: int,
        retryable: bool,
        payload: Mapping[str, Any] | None = None,
        retry_after: float | None = None,
    ) -> None:
        """Wrap an error answer.

        Args:
            problem: The API's errorCode / errorDescription.
            status: The HTTP status.
            retryable: Whether trying again later may succeed.
            payload: The answer's JSON object, if it was one.
            retry_after: Seconds the server asked to wait, if it did.
        """
        super().__init__(problem, status=status, retryable=retryable)
        self.payload = dict(payload) if payload is not None else None
        self.retry_after = retry_after

    @classmethod
    def from_answer(
        cls,
        status: int,
        payload: Mapping[str, Any] | None,
        retry_after: float | None = None,
    ) -> CallsHTTPError:
        """Build the error from an HTTP status and the answer's JSON object.

        Args:
            status: The HTTP status.
            payload: The answer's JSON object, or None if it was not one.
            retry_after: Seconds from a ``Retry-After`` header, if any.

        Returns:
            The error, with the API's errorCode/errorDescription when given,
            else ``http_<status>``.
        """
        code = payload.get("errorCode") if payload is not None else None
        text = payload.get("errorDescription") if payload is not None else None
        if not isinstance(code, str) or not code:
            code = None
        if not isinstance(text, str) or not text:
            text = None
        problem = Problem(
            code or f"http_{status}",
            text or f"The Calls API answered with HTTP {status}.",
        )
        return cls(
            problem,
            status=status,
            retryable=is_retryable(status, code),
            payload=payload,
            retry_after=retry_after,
        )


class CallsTrackError(CallsError):
    """Some tracks of a batch call failed although the call answered 2xx.

    Attributes:
        failed: The track objects that carry an ``errorCode``.
        response: The whole parsed answer, so the tracks that did succeed (and
            the session description) can still be used.
    """

    default_code = "track_error"

    def __init__(self, response: TracksAnswer, *, status: int = 200) -> None:
        """Describe the failed tracks of ``response``.

        Args:
            response: A tracks answer in which at least one track failed.
            status: The HTTP status of the answer.
        """
        failed: tuple[AnsweredTrack, ...] = response.failed_tracks
        codes = {track.error_code for track in failed}
        code = codes.pop() if len(codes) == 1 else self.default_code
        shown = "; ".join(_describe_failed(track) for track in failed[:5])
        more = f"; and {len(failed) - 5} more" if len(failed) > 5 else ""
        problem = Problem(
            code or self.default_code,
            f"{len(failed)} of {len(response.tracks)} tracks failed: {shown}{more}.",
        )
        super().__init__(
            problem,
            status=status,
            retryable=bool(failed)
            and all(track.error_code in RETRYABLE_CODES for track in failed),
        )
        self.failed = failed
        self.response = response


def _describe_failed(track: AnsweredTrack) -> str:
    """One failed track in words: its name or mid, code and description."""
    name = track.track_name or (f"mid {track.mid}" if track.mid else "a track")
    text = f" ({track.error_description})" if track.error_description else ""
    return f"{name}: {track.error_code}{text}"


class CallsTimeout(CallsError):  # noqa: N818 (the name the app uses)
    """The Calls API did not answer in time."""

    default_code = "calls_timeout"


class CallsUnavailable(CallsError):  # noqa: N818 (the name the app uses)
    """The Calls API could not be reached (connection refused, reset, DNS)."""

    default_code = "calls_unavailable"


class CallsProtocolError(CallsError):
    """The Calls API answered something that is not the documented shape."""

    default_code = "calls_protocol_error"


class CallsInvalidRequestError(CallsError, ValueError):
    """A call was refused on this side before sending: bad ids or arguments."""

    default_code = "invalid_params"
