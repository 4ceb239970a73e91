"""The app's Calls backend: configuration read once, one client per event loop."""

from __future__ import annotations

import asyncio
import logging
import os
from functools import cache

from calls.client import CallsClient
from calls.config import CallsConfig, describe, load_config

__all__ = ["calls_client", "calls_config", "log_backend"]

logger = logging.getLogger("meet.calls")

_clients: dict[int, CallsClient] = {}


@cache
def calls_config() -> CallsConfig:
    """The Calls configuration from the environment (checked once).

    Returns:
        The configuration.

    Raises:
        CallsConfigError: The environment names an incomplete or bad backend.
    """
    return load_config(os.environ)


def log_backend() -> str:
    """Log (and return) which Calls backend this process uses, never the secret.

    Returns:
        The line that was logged.
    """
    line = describe(calls_config())
    logger.warning(line)
    return line


def calls_client() -> CallsClient:
    """The Calls client of the running event loop (httpx pools are per loop).

    Returns:
        A client that adds the secret and retries transient failures.
    """
    loop_id = id(asyncio.get_running_loop())
    client = _clients.get(loop_id)
    if client is None:
        client = CallsClient(calls_config())
        _clients[loop_id] = client
    return client
