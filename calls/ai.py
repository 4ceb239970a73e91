"""An AI voice participant through a Calls third-party session (server side).

The flow (Orange Meets' own; the browser never sees the token):

1. ``POST sessions/new?thirdparty=true`` → the AI's session.
2. ``POST sessions/{ai}/tracks/new`` with one local, bidirectional audio track
   named :data:`AI_TRACK_NAME` and no SDP: the SFU makes the offer.
3. ``POST <OPENAI_MODEL_ENDPOINT>?model=&voice=&instructions=`` with that offer
   (``Content-Type: application/sdp``, ``Authorization: Bearer <token>``) → the
   model's SDP answer (an HTTP status ≥ 400 is an error).
4. ``PUT sessions/{ai}/renegotiate`` with the answer. The AI's voice is then the
   track ``<aiSessionId>/ai-generated-voice``, pulled like anyone's.
5. Push-to-talk: :func:`feed` routes a person's track into the AI's
   bidirectional transceiver with ``tracks/new`` ``{location: "remote",
   sessionId, trackName, mid: "#ai-generated-voice"}``.

:func:`remove` closes the AI's voice track (``tracks/close`` with ``force``):
participants' pulls of it end and nothing reaches the model any more.
Configuration: ``OPENAI_API_TOKEN`` and ``OPENAI_MODEL_ENDPOINT`` (both, or
neither: then there is no AI), ``OPENAI_MODEL_ID`` (default
:data:`DEFAULT_MODEL_ID`), ``OPENAI_TIMEOUT_S`` (default 15). The token is
never in a ``repr``, an error or a log line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx

from reflex_meet.calls import settings
from reflex_meet.calls.client import CallsClient
from reflex_meet.calls.errors import CallsError, CallsHTTPError
from reflex_meet.core.problems import Problem, ProblemError
from reflex_meet.core.roster import AI_TRACK_NAME

__all__ = [
    "AI_TRACK_NAME",
    "DEFAULT_INSTRUCTIONS",
    "DEFAULT_MODEL_ID",
    "DEFAULT_VOICE",
    "VOICES",
    "AiConfig",
    "AiConfigError",
    "AiError",
    "AiSession",
    "check_request",
    "describe_ai",
    "feed",
    "invite",
    "is_alive",
    "load_ai_config",
    "remove",
]

logger = logging.getLogger("meet.ai")

DEFAULT_MODEL_ID = "gpt-4o-realtime-preview"
DEFAULT_INSTRUCTIONS = (
    "You are a helpful and concise AI assistant for a video chat application."
)
VOICES = ("alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse")
DEFAULT_VOICE = "ash"
MAX_INSTRUCTIONS = 1000
"""Characters of instructions (they travel in the URL's query)."""
DEFAULT_TIMEOUT_S = 15.0
MAX_TIMEOUT_S = 120.0
MAX_ANSWER_BYTES = 256 * 1024

_MODEL_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class AiConfigError(ProblemError, ValueError):
    """The AI configuration (environment) is incomplete or unsafe."""


class AiError(ProblemError):
    """Inviting, feeding or removing the AI failed (a plain-words problem)."""


def _refuse(code: str, description: str) -> AiConfigError:
    return AiConfigError(Problem(code, description))


def _fail(code: str, description: str) -> AiError:
    return AiError(Problem(code, description))


@dataclass(frozen=True)
class AiConfig:
    """Where the realtime model is and how to authenticate. Validated.

    Attributes:
        endpoint: The realtime endpoint URL (https, or http to loopback only).
        token: The bearer token; never in ``repr``, never sent to a browser.
        model_id: The model, sent as ``?model=``.
        timeout_s: Seconds each phase of the endpoint request may take.

    Raises:
        AiConfigError: If a field is missing, malformed or unsafe.
    """

    endpoint: str
    token: str = field(repr=False)
    model_id: str = DEFAULT_MODEL_ID
    timeout_s: float = DEFAULT_TIMEOUT_S

    def __post_init__(self) -> None:
        """Check every field."""
        settings.check_token(
            self.token,
            name="OPENAI_API_TOKEN",
            code="ai_config_bad_token",
            error=AiConfigError,
        )
        if not isinstance(self.model_id, str) or not _MODEL_ID.fullmatch(self.model_id):
            raise _refuse(
                "ai_config_bad_model",
                "OPENAI_MODEL_ID must be 1–128 letters, digits, '.', '_', ':' or "
                f"'-', got {self.model_id!r}.",
            )
        settings.checked_url(
            self.endpoint,
            name="OPENAI_MODEL_ENDPOINT",
            code="ai_config_bad_endpoint",
            error=AiConfigError,
            insecure_code="ai_config_insecure_endpoint",
            secret="the token",
        )
        settings.check_seconds(
            self.timeout_s,
            name="OPENAI_TIMEOUT_S",
            code="ai_config_bad_timeout",
            at_most=MAX_TIMEOUT_S,
            error=AiConfigError,
        )


def load_ai_config(environ: Mapping[str, str]) -> AiConfig | None:
    """Read the AI configuration from the environment.

    Args:
        environ: The environment, e.g. ``os.environ``.

    Returns:
        The configuration when ``OPENAI_API_TOKEN`` and
        ``OPENAI_MODEL_ENDPOINT`` are both set; ``None`` (no AI) when neither is.

    Raises:
        AiConfigError: If only one is set, or a value is malformed or unsafe.
    """
    both = settings.both_or_neither(
        environ,
        "OPENAI_API_TOKEN",
        "OPENAI_MODEL_ENDPOINT",
        code="ai_config_incomplete",
        both="enable the AI participant",
        neither="hide it",
        error=AiConfigError,
    )
    if both is None:
        return None
    token, endpoint = both
    timeout = settings.parse_seconds(
        settings.read(environ, "OPENAI_TIMEOUT_S"),
        name="OPENAI_TIMEOUT_S",
        code="ai_config_bad_timeout",
        default=DEFAULT_TIMEOUT_S,
        error=AiConfigError,
    )
    return AiConfig(
        endpoint=endpoint,
        token=token,
        model_id=settings.read(environ, "OPENAI_MODEL_ID", DEFAULT_MODEL_ID),
        timeout_s=timeout,
    )


def describe_ai(config: AiConfig | None) -> str:
    """One start-up log line saying whether and where the AI is; never the token.

    Args:
        config: The configuration, or ``None``.

    Returns:
        The line.
    """
    if config is None:
        return "AI participant: off (OPENAI_API_TOKEN and OPENAI_MODEL_ENDPOINT unset)"
    return f"AI participant: {config.model_id} at {config.endpoint}"


def check_request(instructions: object, voice: object) -> tuple[str, str] | Problem:
    """Validate an invitation's instructions and voice (from a browser).

    Args:
        instructions: The instructions text (empty: the default).
        voice: One of :data:`VOICES` (empty: the default).

    Returns:
        ``(instructions, voice)`` cleaned, or the :class:`Problem`.
    """
    if instructions is None:
        instructions = ""
    if voice is None:
        voice = ""
    if not isinstance(instructions, str) or not isinstance(voice, str):
        return Problem("ai_bad_request", "Instructions and voice must be text.")
    instructions = instructions.strip() or DEFAULT_INSTRUCTIONS
    if len(instructions) > MAX_INSTRUCTIONS:
        return Problem(
            "ai_instructions_too_long",
            f"Instructions can be at most {MAX_INSTRUCTIONS} characters.",
        )
    if _CONTROL.search(instructions) or any(
        0xD800 <= ord(c) <= 0xDFFF for c in instructions
    ):
        return Problem(
            "ai_instructions_bad_characters",
            "Instructions contain characters that cannot be sent.",
        )
    voice = voice.strip() or DEFAULT_VOICE
    if voice not in VOICES:
        return Problem("ai_bad_voice", f"The voice must be one of {', '.join(VOICES)}.")
    return instructions, voice


@dataclass(frozen=True)
class AiSession:
    """The AI's Calls session once it is connected.

    Attributes:
        session_id: The third-party session's id.
        mid: The mid of its bidirectional transceiver.
    """

    session_id: str
    mid: str

    @property
    def track_id(self) -> str:
        """The AI's voice as the room names tracks: ``<sessionId>/<trackName>``."""
        return f"{self.session_id}/{AI_TRACK_NAME}"


def _calls_failure(step: str, error: CallsError) -> AiError:
    return _fail(
        "ai_calls_failed",
        f"Calls refused {step}: {error.problem.description}",
    )


async def _ask_model(
    config: AiConfig,
    offer_sdp: str,
    instructions: str,
    voice: str,
    http: httpx.AsyncClient | None,
) -> str:
    """Step 3: the offer to the realtime endpoint, its SDP answer back."""
    params = {"model": config.model_id, "voice": voice, "instructions": instructions}
    headers = {
        "Authorization": f"Bearer {config.token}",
        "Content-Type": "application/sdp",
    }
    own = http is None
    client = http or httpx.AsyncClient(timeout=httpx.Timeout(config.timeout_s))
    try:
        response = await client.post(
            config.endpoint, params=params, content=offer_sdp, headers=headers
        )
    except httpx.TimeoutException:
        raise _fail(
            "ai_endpoint_timeout",
            "The AI service did not answer in time.",
        ) from None
    except httpx.HTTPError as exc:
        # The exception text may quote the URL, never the token (a header).
        raise _fail(
            "ai_endpoint_unreachable",
            f"The AI service could not be reached ({type(exc).__name__}).",
        ) from None
    finally:
        if own:
            await client.aclose()
    if response.status_code >= 400:
        detail = ""
        try:
            body = response.json()
            message = (
                body.get("error", {}).get("message") if isinstance(body, dict) else None
            )
            if isinstance(message, str):
                detail = f": {message[:200]}"
        except ValueError:
            pass
        raise _fail(
            "ai_endpoint_refused",
            f"The AI service refused the connection (HTTP {response.status_code})"
            f"{detail}.",
        )
    answer = response.text
    if (
        len(response.content) > MAX_ANSWER_BYTES
        or not answer.startswith("v=0")
        or "\nm=audio " not in answer
    ):
        raise _fail(
            "ai_bad_answer", "The AI service answered with something that is not SDP."
        )
    return answer


async def invite(
    calls: CallsClient,
    config: AiConfig,
    instructions: str,
    voice: str,
    *,
    http: httpx.AsyncClient | None = None,
) -> AiSession:
    """Connect the realtime model as a third-party Calls session (steps 1–4).

    Args:
        calls: The Calls client.
        config: The AI configuration.
        instructions: Checked instructions (see :func:`check_request`).
        voice: A checked voice.
        http: An httpx client for the endpoint (default: a new one per call).

    Returns:
        The AI's session (its voice is :attr:`AiSession.track_id`).

    Raises:
        AiError: A step failed. A half-made session never connected, so Calls
            expires it by itself.
    """
    try:
        session_id = await calls.new_session(third_party=True)
    except CallsError as error:
        raise _calls_failure("a session for the AI", error) from None
    try:
        answer = await calls.new_tracks(
            session_id,
            [
                {
                    "location": "local",
                    "trackName": AI_TRACK_NAME,
                    "kind": "audio",
                    "bidirectionalMediaStream": True,
                }
            ],
        )
    except CallsError as error:
        raise _calls_failure("the AI's voice track", error) from None
    offer = answer.sdp
    mid = answer.tracks[0].mid if answer.tracks else None
    if offer is None or answer.sdp_type != "offer" or not mid:
        raise _fail("ai_calls_failed", "Calls made no offer for the AI's voice.")
    model_answer = await _ask_model(config, offer, instructions, voice, http)
    try:
        await calls.renegotiate(session_id, model_answer)
    except CallsHTTPError as error:
        if error.problem.code == "invalid_session_description":
            raise _fail(
                "ai_bad_answer",
                "The AI service's answer could not be used: "
                f"{error.problem.description}",
            ) from None
        raise _calls_failure("the AI's answer", error) from None
    except CallsError as error:
        raise _calls_failure("the AI's answer", error) from None
    logger.info("AI session %s connected (voice %s)", session_id, voice)
    return AiSession(session_id=session_id, mid=mid)


async def feed(
    calls: CallsClient, ai: AiSession, session_id: str, track_name: str
) -> None:
    """Route a person's track into the AI (step 5); replaces the previous one.

    Args:
        calls: The Calls client.
        ai: The AI's session.
        session_id: The person's Calls session.
        track_name: Their push-to-talk track's name.

    Raises:
        AiError: ``ai_session_closed`` when the AI's session ended, else
            ``ai_feed_failed``.
    """
    try:
        await calls.new_tracks(
            ai.session_id,
            [
                {
                    "location": "remote",
                    "sessionId": session_id,
                    "trackName": track_name,
                    "mid": f"#{AI_TRACK_NAME}",
                }
            ],
        )
    except CallsHTTPError as error:
        if error.status in (404, 410):
            raise _fail("ai_session_closed", "The AI has left the call.") from None
        raise _fail(
            "ai_feed_failed", f"Could not reach the AI: {error.problem.description}"
        ) from None
    except CallsError as error:
        raise _fail(
            "ai_feed_failed", f"Could not reach the AI: {error.problem.description}"
        ) from None


async def is_alive(calls: CallsClient, ai: AiSession) -> bool:
    """Whether the AI's session still carries its voice.

    Args:
        calls: The Calls client.
        ai: The AI's session.

    Returns:
        False once the session is closed (404/410) or its voice is inactive.

    Raises:
        AiError: ``ai_calls_failed`` when Calls could not tell.
    """
    try:
        tracks = await calls.get_session(ai.session_id)
    except CallsHTTPError as error:
        if error.status in (404, 410):
            return False
        raise _calls_failure("reading the AI's session", error) from None
    except CallsError as error:
        raise _calls_failure("reading the AI's session", error) from None
    return any(
        t.location == "local"
        and t.track_name == AI_TRACK_NAME
        and t.status != "inactive"
        for t in tracks
    )


async def remove(calls: CallsClient, ai: AiSession) -> None:
    """Close the AI's voice track (pulls of it end). Never raises.

    Args:
        calls: The Calls client.
        ai: The AI's session.
    """
    await _close_quietly(calls, ai.session_id, ai.mid)
    logger.info("AI session %s removed", ai.session_id)


async def _close_quietly(calls: CallsClient, session_id: str, mid: str) -> None:
    try:
        await calls.close_tracks(session_id, [mid], force=True)
    except CallsError as error:
        logger.info(
            "closing AI session %s: %s (%s)",
            session_id,
            error.problem.code,
            error.problem.description,
        )
