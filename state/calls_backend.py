"""The app's Calls backend: configuration read once, one client per event loop."""

from __future__ import annotations

import asyncio
import logging
import os
from functools import cache

from reflex_meet.calls.client import CallsClient
from reflex_meet.calls.config import CallsConfig, describe, load_config
from reflex_meet.calls.ice import IceServerSource, load_turn_config

__all__ = ["calls_client", "calls_config", "ice_servers", "log_backend"]

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


@cache
def ice_servers() -> IceServerSource:
    """Where tabs get their ICE servers (TURN key read once from the environment).

    Returns:
        The source; it makes no request until a tab opens a session.

    Raises:
        CallsConfigError: ``TURN_SERVICE_*`` is half-set or malformed.
    """
    return IceServerSource(calls_config().backend, load_turn_config(os.environ))


def log_backend() -> str:
    """Log (and return) the Calls backend and ICE servers, never a secret.

    Returns:
        The lines that were logged.

    Raises:
        CallsConfigError: The Calls or TURN settings are incomplete or bad.
    """
    line = f"{describe(calls_config())}\n{ice_servers().describe()}"
    for part in line.splitlines():
        logger.warning(part)
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
