"""Fixtures of the AI participant's browser and attack tests (import them).

``fake``: the fake realtime endpoint; ``ai_app``: the app configured with it
(``OPENAI_API_TOKEN``/``OPENAI_MODEL_ENDPOINT``) on the session's port.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from launch.servers import reflex_server, standin_env
from tests.ai.ai_support import FAKE_TOKEN, FakeProcess, fake
from tests.browser.conftest import ADMIN_TOKEN

__all__ = ["ai_app", "fake"]


@pytest.fixture(scope="module")
def ai_app(
    server_port: int, logs_dir: Path, standin: dict[str, str], fake: FakeProcess
) -> Iterator[dict]:
    """The app with the AI participant configured (against the fake)."""
    log = logs_dir / "app-ai.log"
    env = {
        **standin_env(standin),
        "MEET_ADMIN_TOKEN": ADMIN_TOKEN,
        "OPENAI_API_TOKEN": FAKE_TOKEN,
        "OPENAI_MODEL_ENDPOINT": fake.url,
    }
    with reflex_server(server_port, log, env) as url:
        yield {"url": url, "log": log}
