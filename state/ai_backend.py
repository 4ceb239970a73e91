"""The AI participant's configuration, read once, and the Calls client for it."""

from __future__ import annotations

import logging
import os
from functools import cache

from reflex_meet.calls.ai import AiConfig, describe_ai, load_ai_config

__all__ = ["ai_config", "ai_enabled", "log_ai_backend"]

logger = logging.getLogger("meet.ai")


@cache
def ai_config() -> AiConfig | None:
    """The AI configuration from the environment (checked once).

    Returns:
        The configuration, or ``None`` when the AI participant is off.

    Raises:
        AiConfigError: The environment names an incomplete or bad endpoint.
    """
    return load_ai_config(os.environ)


def ai_enabled() -> bool:
    """Whether the AI participant is configured (its controls are shown)."""
    return ai_config() is not None


def log_ai_backend() -> str:
    """Log (and return) whether and where the AI is, never the token.

    Returns:
        The line that was logged.
    """
    line = describe_ai(ai_config())
    logger.warning(line)
    return line
