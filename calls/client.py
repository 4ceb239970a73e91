"""Async client for the Calls HTTP API (server side: it holds the app secret).

Every call goes to ``{api_url}/apps/{app_id}/…`` with the secret as a bearer
token, is bounded by ``config.timeout_s`` per phase, and is repeated with
exponential backoff (0.25 s doubling up to 10 s) while the failure is
retryable (see :mod:`calls.errors`). A call that may already have reached the
SFU when the connection broke (a read timeout or a dropped connection on
POST/PUT) is not repeated: the SDP may have been applied.

One negotiation at a time per session: every POST/PUT on a session
(``tracks/new``, ``renegotiate``, ``tracks/close``, ``tracks/update``, …) waits
for the previous one on the same session, retries included. Calls on different
sessions run concurrently. This serialises API calls; keeping an SFU offer and
the browser's answer together is still the caller's job.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self

import httpx

from reflex_meet.calls.config import CallsConfig, describe
from reflex_meet.calls.errors import (
    CallsError,
    CallsHTTPError,
    CallsInvalidRequestError,
    CallsProtocolError,
    CallsTimeout,
    CallsTrackError,
    CallsUnavailable,
)
from reflex_meet.calls.locks import KeyedLocks
from reflex_meet.calls.models import (
    NewSessionResponse,
    SessionDescription,
    SessionInfo,
    TrackObject,
    TracksResponse,
)

__all__ = [
    "BACKOFF_INITIAL_S",
    "BACKOFF_MAX_S",
    "MAX_ATTEMPTS",
    "MAX_TRACKS_PER_CALL",
    "SESSION_ID_PATTERN",
    "CallsClient",
    "check_session_id",
    "worst_case_s",
]

logger = logging.getLogger("meet.calls")

SESSION_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,128}")
MAX_TRACKS_PER_CALL = 64

# The retry policy (the defaults of CallsClient): the app's only retry layer
# for Calls requests; the browser sends each request once and waits
# worst_case_s() (see state/media.py reply_budget_ms).
MAX_ATTEMPTS = 4
BACKOFF_INITIAL_S = 0.25
BACKOFF_MAX_S = 10.0


def worst_case_s(
    timeout_s: float,
    max_attempts: int = MAX_ATTEMPTS,
    backoff_max: float = BACKOFF_MAX_S,
) -> float:
    """The longest a call may take under the retry policy.

    Every attempt times out after ``timeout_s`` and every wait between two is
    the longest allowed (``backoff_max``, also the cap of ``Retry-After``).

    Args:
        timeout_s: Seconds one attempt may take (``CALLS_TIMEOUT_S``).
        max_attempts: Attempts per call, the first included.
        backoff_max: Upper bound of one wait.

    Returns:
        ``max_attempts * timeout_s + (max_attempts - 1) * backoff_max``.

    Raises:
        ValueError: A value out of range.
    """
    if isinstance(max_attempts, bool) or not isinstance(max_attempts, int):
        raise ValueError("max_attempts must be an integer")
    if max_attempts < 1 or not timeout_s > 0 or backoff_max < 0:
        raise ValueError("need max_attempts >= 1, timeout_s > 0, backoff_max >= 0")
    return max_attempts * timeout_s + (max_attempts - 1) * backoff_max


MAX_MID_LENGTH = 256
MAX_CORRELATION_ID = 256

_SUFFIX = re.compile(r"[a-z]+(?:/[a-z]+)*")
_SESSIONLESS_SUFFIXES = frozenset({"sessions/new"})
_METHODS = frozenset({"GET", "POST", "PUT"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

Sleep = Callable[[float], Awaitable[object]]


def check_session_id(session_id: object) -> str:
    """Accept a Calls session id safe to put into a URL path.

    Args:
        session_id: The candidate id.

    Returns:
        The id (``[A-Za-z0-9_-]``, 1–128 characters).

    Raises:
        CallsInvalidRequestError: If it is not a string of that shape.
    """
    if not isinstance(session_id, str) or not SESSION_ID_PATTERN.fullmatch(session_id):
        raise CallsInvalidRequestError.because(
            "A Calls session id is 1–128 letters, digits, '_' or '-'."
        )
    return session_id


def _encode(body: Mapping[str, Any]) -> bytes:
    if not isinstance(body, Mapping):
        raise CallsInvalidRequestError.because(
            "A Calls request body must be an object."
        )
    try:
        text = json.dumps(body, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise CallsInvalidRequestError.because(
            f"A Calls request body must be plain JSON: {exc}."
        ) from None
    return text.encode()


def _json_object(content: bytes) -> dict[str, Any] | None:
    """The body as a JSON object: ``{}`` if empty, None if not an object."""
    if not content.strip():
        return {}
    try:
        value = json.loads(content)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("retry-after")
    if raw is None:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        return None  # An HTTP date: rare here, and the backoff still applies.
    return seconds if seconds >= 0 else None


def _description(value: object) -> SessionDescription:
    if not isinstance(value, SessionDescription):
        raise CallsInvalidRequestError.because(
            "sessionDescription must be a SessionDescription."
        )
    return value


def _track_list(tracks: object, *, allow_empty: bool) -> list[dict[str, Any]]:
    if isinstance(tracks, str | bytes) or not isinstance(tracks, Sequence):
        raise CallsInvalidRequestError.because("tracks must be a list of TrackObjects.")
    if not tracks and not allow_empty:
        raise CallsInvalidRequestError.because("At least one track is needed.")
    if len(tracks) > MAX_TRACKS_PER_CALL:
        raise CallsInvalidRequestError.because(
            f"At most {MAX_TRACKS_PER_CALL} tracks fit into one call."
        )
    if not all(isinstance(track, TrackObject) for track in tracks):
        raise CallsInvalidRequestError.because("tracks must be a list of TrackObjects.")
    return [track.to_wire() for track in tracks]


def _mid_list(mids: object) -> list[dict[str, str]]:
    if isinstance(mids, str | bytes) or not isinstance(mids, Sequence) or not mids:
        raise CallsInvalidRequestError.because("mids must be a non-empty list of mids.")
    if len(mids) > MAX_TRACKS_PER_CALL:
        raise CallsInvalidRequestError.because(
            f"At most {MAX_TRACKS_PER_CALL} tracks fit into one call."
        )
    for mid in mids:
        if (
            not isinstance(mid, str)
            or not mid
            or len(mid) > MAX_MID_LENGTH
            or _CONTROL.search(mid)
        ):
            raise CallsInvalidRequestError.because(
                f"A mid is a string of 1–{MAX_MID_LENGTH} printable characters."
            )
    return [{"mid": mid} for mid in mids]


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise CallsInvalidRequestError.because(f"{name} must be true or false.")
    return value


class CallsClient:
    """The Calls API, with retries, timeouts and one negotiation per session.

    Use one client per event loop and close it with :meth:`aclose` (or
    ``async with``).

    Args:
        config: Where the API is and the app's credentials.
        transport: An httpx transport to use instead of the network (tests use
            ``httpx.MockTransport``).
        max_attempts: Attempts per call, the first included (at least 1).
        backoff_initial: Seconds before the first retry; doubles each time.
        backoff_max: Upper bound of one wait, also for ``Retry-After``.
        jitter: Fraction (0–1) by which a wait may randomly be shortened, to
            spread retries of many callers; 0 makes waits exact.
        sleep: How to wait between attempts (tests pass a recorder).
    """

    def __init__(
        self,
        config: CallsConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        max_attempts: int = MAX_ATTEMPTS,
        backoff_initial: float = BACKOFF_INITIAL_S,
        backoff_max: float = BACKOFF_MAX_S,
        jitter: float = 0.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        """Set up the HTTP client (no connection is made yet)."""
        if not isinstance(config, CallsConfig):
            raise TypeError("config must be a CallsConfig")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if backoff_initial < 0 or backoff_max < backoff_initial:
            raise ValueError("need 0 <= backoff_initial <= backoff_max")
        if not 0 <= jitter <= 1:
            raise ValueError("jitter must be between 0 and 1")
        self.config = config
        self._max_attempts = max_attempts
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._jitter = jitter
        self._sleep = sleep
        self._locks = KeyedLocks()
        self._base_path = f"/apps/{config.app_id}"
        self._http = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(config.timeout_s),
            headers={
                "Authorization": f"Bearer {config.app_secret}",
                "Accept": "application/json",
            },
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        """Name the backend, never the secret."""
        return f"CallsClient({describe(self.config)!r})"

    async def __aenter__(self) -> Self:
        """Use the client in ``async with``."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the client."""
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    # -- the typed calls ---------------------------------------------------

    async def new_session(
        self,
        correlation_id: str | None = None,
        *,
        third_party: bool = False,
        session_description: SessionDescription | None = None,
    ) -> NewSessionResponse:
        """Create a session (``POST sessions/new``).

        Args:
            correlation_id: An id of yours to find the session in Cloudflare's
                logs (printable, at most 256 characters).
            third_party: Create a server-side third-party peer session
                (``thirdparty=true``), e.g. for an AI voice participant.
            session_description: An offer to send along, if any.

        Returns:
            The new session's id (and the SFU's answer to the offer, if any).

        Raises:
            CallsError: On failure (see the subclasses).
        """
        params: dict[str, str] = {}
        if _flag(third_party, "third_party"):
            params["thirdparty"] = "true"
        if correlation_id is not None:
            if (
                not isinstance(correlation_id, str)
                or not correlation_id
                or len(correlation_id) > MAX_CORRELATION_ID
                or _CONTROL.search(correlation_id)
            ):
                raise CallsInvalidRequestError.because(
                    f"A correlation id is 1–{MAX_CORRELATION_ID} printable characters."
                )
            params["correlationId"] = correlation_id
        body = None
        if session_description is not None:
            body = {"sessionDescription": _description(session_description).to_wire()}
        _, payload = await self.request(
            "POST", "sessions/new", None, body, params=params or None
        )
        return NewSessionResponse.from_wire(payload)

    async def new_tracks(
        self,
        session_id: str,
        tracks: Sequence[TrackObject],
        session_description: SessionDescription | None = None,
        auto_discover: bool | None = None,
        *,
        raise_on_track_errors: bool = True,
    ) -> TracksResponse:
        """Publish or pull tracks (``POST sessions/{id}/tracks/new``).

        Args:
            session_id: This PeerConnection's session.
            tracks: 1–64 tracks (may be empty with ``auto_discover=True``).
            session_description: The client's offer when publishing; None when
                the SFU should make the offer (pulling).
            auto_discover: Let the SFU find the local tracks in the offer.
            raise_on_track_errors: Raise :class:`CallsTrackError` when some
                tracks failed; with False, return the answer as it is.

        Returns:
            The answer; with ``requires_immediate_renegotiation`` the caller
            must answer the SFU's offer with :meth:`renegotiate`.

        Raises:
            CallsTrackError: Some tracks failed (and ``raise_on_track_errors``).
            CallsError: The call failed (see the subclasses).
        """
        body: dict[str, Any] = {
            "tracks": _track_list(tracks, allow_empty=auto_discover is True)
        }
        if session_description is not None:
            body["sessionDescription"] = _description(session_description).to_wire()
        if auto_discover is not None:
            body["autoDiscover"] = _flag(auto_discover, "auto_discover")
        status, payload = await self.request("POST", "tracks/new", session_id, body)
        return _tracks_answer(status, payload, raise_on_track_errors)

    async def renegotiate(
        self, session_id: str, session_description: SessionDescription
    ) -> None:
        """Send the client's answer to an SFU offer (``PUT …/renegotiate``).

        Args:
            session_id: This PeerConnection's session.
            session_description: The client's answer.

        Raises:
            CallsError: On failure (see the subclasses).
        """
        body = {"sessionDescription": _description(session_description).to_wire()}
        await self.request("PUT", "renegotiate", session_id, body)

    async def close_tracks(
        self,
        session_id: str,
        mids: Sequence[str],
        session_description: SessionDescription | None = None,
        force: bool = False,
        *,
        raise_on_track_errors: bool = True,
    ) -> TracksResponse:
        """Stop tracks (``PUT sessions/{id}/tracks/close``).

        Args:
            session_id: This PeerConnection's session.
            mids: The transceiver mids to close (1–64).
            session_description: The client's offer after stopping the
                transceivers; None with ``force=True``.
            force: Close without renegotiating.
            raise_on_track_errors: Raise :class:`CallsTrackError` when some
                tracks failed; with False, return the answer as it is.

        Returns:
            The answer, with the SFU's answer SDP if an offer was sent.

        Raises:
            CallsTrackError: Some tracks failed (and ``raise_on_track_errors``).
            CallsError: The call failed (see the subclasses).
        """
        body: dict[str, Any] = {
            "tracks": _mid_list(mids),
            "force": _flag(force, "force"),
        }
        if session_description is not None:
            body["sessionDescription"] = _description(session_description).to_wire()
        status, payload = await self.request("PUT", "tracks/close", session_id, body)
        return _tracks_answer(status, payload, raise_on_track_errors)

    async def update_tracks(
        self,
        session_id: str,
        tracks: Sequence[TrackObject],
        *,
        raise_on_track_errors: bool = True,
    ) -> TracksResponse:
        """Change pulled tracks, e.g. the simulcast layer (``PUT …/tracks/update``).

        Args:
            session_id: This PeerConnection's session.
            tracks: 1–64 tracks: ``location="remote"``, the publisher's
                ``session_id``, ``track_name``, this session's ``mid`` and the
                new ``simulcast`` preferences.
            raise_on_track_errors: Raise :class:`CallsTrackError` when some
                tracks failed; with False, return the answer as it is.

        Returns:
            The answer.

        Raises:
            CallsTrackError: Some tracks failed (and ``raise_on_track_errors``).
            CallsError: The call failed (see the subclasses).
        """
        body = {"tracks": _track_list(tracks, allow_empty=False)}
        status, payload = await self.request("PUT", "tracks/update", session_id, body)
        return _tracks_answer(status, payload, raise_on_track_errors)

    async def get_session(self, session_id: str) -> SessionInfo:
        """Read a session's tracks and data channels (``GET sessions/{id}``).

        Not serialised with negotiations: it changes nothing.

        Args:
            session_id: The session.

        Returns:
            Its tracks (each with a status) and data channels.

        Raises:
            CallsError: On failure (see the subclasses).
        """
        _, payload = await self.request("GET", "", session_id, None)
        return SessionInfo.from_wire(payload)

    # -- the raw call --------------------------------------------------------

    async def request(
        self,
        method: str,
        path_suffix: str,
        session_id: str | None = None,
        body: Mapping[str, Any] | None = None,
        *,
        params: Mapping[str, str] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """Make one API call with retries, timeouts and the session lock.

        For a proxy that forwards an already-validated wire body: the answer
        comes back as decoded JSON, per-track errors included.

        Args:
            method: ``"GET"``, ``"POST"`` or ``"PUT"``.
            path_suffix: Below ``sessions/{session_id}/`` when a session is
                given (e.g. ``"tracks/new"``, or ``""`` for the session
                itself); otherwise only ``"sessions/new"``.
            session_id: The session, checked before any URL is built. POST and
                PUT on a session hold its lock for the whole call.
            body: The JSON object to send, if any (not with GET).
            params: Query parameters, e.g. ``{"thirdparty": "true"}``.

        Returns:
            The 2xx status and the answer's JSON object (``{}`` if empty).

        Raises:
            CallsHTTPError: A non-2xx answer, or a top-level ``errorCode``;
                ``payload`` holds the answer's JSON when there was one.
            CallsTimeout: No answer in time.
            CallsUnavailable: The API could not be reached.
            CallsProtocolError: A 2xx answer that is not a JSON object.
            CallsInvalidRequestError: Bad method, path, session id, body or params.
        """
        if not isinstance(method, str) or method.upper() not in _METHODS:
            raise CallsInvalidRequestError.because(
                "The method must be GET, POST or PUT."
            )
        method = method.upper()
        path = self._path(path_suffix, session_id)
        if body is not None and method == "GET":
            raise CallsInvalidRequestError.because("A GET request has no body.")
        content = _encode(body) if body is not None else None
        if params is not None and not all(
            isinstance(key, str) and isinstance(value, str)
            for key, value in params.items()
        ):
            raise CallsInvalidRequestError.because("Query parameters must be strings.")
        if session_id is not None and method != "GET":
            async with self._locks.hold(session_id):
                return await self._send(method, path, content, params)
        return await self._send(method, path, content, params)

    def _path(self, path_suffix: str, session_id: str | None) -> str:
        """The URL path below the API URL, refusing anything unexpected."""
        if not isinstance(path_suffix, str):
            raise CallsInvalidRequestError.because("The path must be a string.")
        if session_id is None:
            if path_suffix not in _SESSIONLESS_SUFFIXES:
                raise CallsInvalidRequestError.because(
                    "Without a session id the only call is 'sessions/new'."
                )
            return f"{self._base_path}/{path_suffix}"
        session_id = check_session_id(session_id)
        if path_suffix and not _SUFFIX.fullmatch(path_suffix):
            raise CallsInvalidRequestError.because(
                "The path below a session is lower-case words joined by '/'."
            )
        path = f"{self._base_path}/sessions/{session_id}"
        return f"{path}/{path_suffix}" if path_suffix else path

    async def _send(
        self,
        method: str,
        path: str,
        content: bytes | None,
        params: Mapping[str, str] | None,
    ) -> tuple[int, dict[str, Any]]:
        """Attempt the call until it succeeds or must not be repeated."""
        url = f"{self.config.api_url}{path}"
        headers = {"Content-Type": "application/json"} if content is not None else None
        for attempt in range(1, self._max_attempts + 1):
            started = time.monotonic()
            cause: BaseException | None = None
            try:
                response = await self._http.request(
                    method, url, content=content, headers=headers, params=params
                )
            except httpx.RequestError as exc:
                error, repeatable = self._transport_failure(exc, method)
                cause = exc
                logger.debug(
                    "%s %s failed after %d ms (attempt %d): %s",
                    method,
                    path,
                    _ms_since(started),
                    attempt,
                    type(exc).__name__,
                )
            else:
                logger.debug(
                    "%s %s -> %d in %d ms (attempt %d)",
                    method,
                    path,
                    response.status_code,
                    _ms_since(started),
                    attempt,
                )
                try:
                    return _interpret(response)
                except CallsError as exc:
                    # The API answered, so it did not apply the call.
                    error, repeatable = exc, True
            if not (error.retryable and repeatable) or attempt == self._max_attempts:
                raise error from cause
            delay = self._delay(attempt, getattr(error, "retry_after", None))
            logger.info(
                "Calls %s %s failed (%s); retrying in %.2f s (attempt %d of %d)",
                method,
                path,
                error.problem.code,
                delay,
                attempt + 1,
                self._max_attempts,
            )
            await self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _transport_failure(
        self, exc: httpx.RequestError, method: str
    ) -> tuple[CallsError, bool]:
        """The error for a failed request, and whether repeating it is safe.

        Repeating is safe when the request cannot have reached the API
        (connecting failed or no pooled connection was free) or it is a GET.
        """
        host = httpx.URL(self.config.api_url).host
        timeout = f"{self.config.timeout_s:g}"
        not_sent = isinstance(
            exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout
        )
        repeatable = not_sent or method == "GET"
        if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
            error: CallsError = CallsTimeout.because(
                f"Could not connect to the Calls API at {host} within {timeout} s.",
                retryable=True,
            )
        elif isinstance(exc, httpx.TimeoutException):
            error = CallsTimeout.because(
                f"The Calls API at {host} did not answer within {timeout} s.",
                retryable=True,
            )
        elif isinstance(exc, httpx.ConnectError):
            error = CallsUnavailable.because(
                f"Could not connect to the Calls API at {host}.", retryable=True
            )
        elif isinstance(exc, httpx.DecodingError):
            error = CallsProtocolError.because(
                "The Calls API's answer could not be decoded."
            )
            repeatable = False
        elif isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError):
            error = CallsUnavailable.because(
                f"The connection to the Calls API at {host} broke.", retryable=True
            )
        else:
            error = CallsUnavailable.because(
                f"Could not talk to the Calls API at {host} ({type(exc).__name__})."
            )
            repeatable = False
        return error, repeatable

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait after failed attempt number ``attempt``."""
        delay = min(self._backoff_max, self._backoff_initial * 2 ** (attempt - 1))
        if self._jitter:
            delay *= 1 - random.uniform(0, self._jitter)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self._backoff_max))
        return delay


def _ms_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _interpret(response: httpx.Response) -> tuple[int, dict[str, Any]]:
    """The status and JSON object of a success, or the error it stands for."""
    status = response.status_code
    payload = _json_object(response.content)
    if 200 <= status < 300:
        if payload is None:
            raise CallsProtocolError.because(
                f"The Calls API answered HTTP {status} with a body that is not "
                "a JSON object.",
                status=status,
            )
        if payload.get("errorCode"):
            raise CallsHTTPError.from_answer(status, payload)
        return status, payload
    raise CallsHTTPError.from_answer(status, payload, _retry_after(response))


def _tracks_answer(
    status: int, payload: dict[str, Any], raise_on_track_errors: bool
) -> TracksResponse:
    response = TracksResponse.from_wire(payload)
    if raise_on_track_errors and response.failed_tracks:
        raise CallsTrackError(response, status=status)
    return response
