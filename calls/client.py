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
from typing import Any, Self, TypeVar

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
from reflex_meet.core import calls_wire, ids
from reflex_meet.core.calls_wire import AnsweredTrack, TracksAnswer

__all__ = [
    "BACKOFF_INITIAL_S",
    "BACKOFF_MAX_S",
    "MAX_ATTEMPTS",
    "MAX_TRACKS_PER_CALL",
    "CallsClient",
    "check_session_id",
    "worst_case_s",
]

logger = logging.getLogger("meet.calls")

MAX_TRACKS_PER_CALL = calls_wire.MAX_TRACKS_PER_CALL

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


_SUFFIX = re.compile(r"[a-z]+(?:/[a-z]+)*")
_SESSIONLESS_SUFFIXES = frozenset({"sessions/new"})
_METHODS = frozenset({"GET", "POST", "PUT"})

Sleep = Callable[[float], Awaitable[object]]
_T = TypeVar("_T")


def check_session_id(session_id: object) -> str:
    """Accept a Calls session id safe to put into a URL path.

    Args:
        session_id: The candidate id.

    Returns:
        The id (:data:`core.ids.SESSION_ID`: 1–128 letters, digits, ``_``, ``-``).

    Raises:
        CallsInvalidRequestError: If it is not a string of that shape.
    """
    if not ids.is_id(ids.SESSION_ID, session_id):
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


def _checked(parse: Callable[[object], object], body: dict[str, Any]) -> None:
    """Refuse a request body the Calls format does not allow (one parser)."""
    try:
        parse(body)
    except calls_wire.WireError as error:
        raise CallsInvalidRequestError.because(error.description) from None


def _answer(parse: Callable[[object], _T], payload: dict[str, Any]) -> _T:
    """The parsed answer; a wrong shape is the API's fault."""
    try:
        return parse(payload)
    except calls_wire.WireError as error:
        raise CallsProtocolError.because(
            f"The Calls API's answer is malformed: {error.description}"
        ) from None


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

    # -- the calls the server makes itself (the AI peer, closing a tab) ----

    async def new_session(self, *, third_party: bool = False) -> str:
        """Create a session (``POST sessions/new``, no offer).

        Args:
            third_party: Create a server-side third-party peer session
                (``thirdparty=true``), e.g. for an AI voice participant.

        Returns:
            The new session's id.

        Raises:
            CallsError: On failure (see the subclasses).
        """
        params = {"thirdparty": "true"} if third_party else None
        _, payload = await self.request("POST", "sessions/new", params=params)
        return _answer(calls_wire.parse_new_session_answer, payload).session_id

    async def new_tracks(
        self, session_id: str, tracks: Sequence[Mapping[str, Any]]
    ) -> TracksAnswer:
        """Publish, pull or feed tracks with no client offer (``tracks/new``).

        Args:
            session_id: The session.
            tracks: 1–64 Calls track objects (camelCase, as on the wire).

        Returns:
            The answer, usually with the SFU's offer to answer with
            :meth:`renegotiate`.

        Raises:
            CallsTrackError: Some tracks failed although the call answered 2xx.
            CallsError: The call failed (see the subclasses).
        """
        body = {"tracks": [dict(track) for track in tracks]}
        _checked(calls_wire.parse_new_tracks, body)
        return await self._tracks_call("POST", "tracks/new", session_id, body)

    async def renegotiate(self, session_id: str, answer_sdp: str) -> None:
        """Send the answer to an SFU offer (``PUT …/renegotiate``).

        Args:
            session_id: The session.
            answer_sdp: The answer's SDP text.

        Raises:
            CallsError: On failure (see the subclasses).
        """
        body = {"sessionDescription": {"type": "answer", "sdp": answer_sdp}}
        _checked(calls_wire.parse_renegotiate, body)
        await self.request("PUT", "renegotiate", session_id, body)

    async def close_tracks(
        self, session_id: str, mids: Sequence[str], *, force: bool = True
    ) -> TracksAnswer:
        """Stop tracks by mid (``PUT …/tracks/close``), without an offer.

        Args:
            session_id: The session.
            mids: The transceiver mids to close (1–64).
            force: Close without renegotiating.

        Returns:
            The answer.

        Raises:
            CallsTrackError: Some tracks failed although the call answered 2xx.
            CallsError: The call failed (see the subclasses).
        """
        body = {"tracks": [{"mid": mid} for mid in mids], "force": force}
        _checked(calls_wire.parse_close, body)
        return await self._tracks_call("PUT", "tracks/close", session_id, body)

    async def get_session(self, session_id: str) -> tuple[AnsweredTrack, ...]:
        """A session's tracks, each with its status (``GET sessions/{id}``).

        Not serialised with negotiations: it changes nothing.

        Args:
            session_id: The session.

        Returns:
            Its tracks.

        Raises:
            CallsError: On failure (see the subclasses).
        """
        _, payload = await self.request("GET", "", session_id)
        return _answer(calls_wire.parse_session_info, payload)

    async def _tracks_call(
        self, method: str, path: str, session_id: str, body: dict[str, Any]
    ) -> TracksAnswer:
        status, payload = await self.request(method, path, session_id, body)
        answer = _answer(calls_wire.parse_tracks_answer, payload)
        if answer.failed_tracks:
            raise CallsTrackError(answer, status=status)
        return answer

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
