"""Browser-test fixtures: the app served in production mode, Chromium, people.

One free port is used for the whole session; the servers of different test
modules run one after another on it, so the frontend is built only once.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from launch.raw_client import RawClient
from launch.room_page import set_display_name
from launch.servers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    calls_standin,
    free_port,
    reflex_server,
    standin_env,
)

# Reading meetings and reports needs the admin token (tests only).
ADMIN_TOKEN = secrets.token_urlsafe(16)
expect.set_options(timeout=10_000)


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict:
    """Debian's Chromium with fake camera and microphone."""
    return {
        "executable_path": CHROMIUM,
        "args": list(CHROMIUM_ARGS),
    }


@pytest.fixture(scope="session")
def server_port() -> int:
    """The port every app server of this session listens on (one at a time)."""
    return free_port()


@pytest.fixture(scope="session")
def logs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where server logs go."""
    return tmp_path_factory.mktemp("logs")


@pytest.fixture(scope="session")
def standin(logs_dir: Path) -> Iterator[dict[str, str]]:
    """The local Calls stand-in, shared by every app server of the session."""
    if os.environ.get("MEET_TEST_URL"):
        yield {}
        return
    with calls_standin(logs_dir / "standin.log") as running:
        yield running


@pytest.fixture(scope="module")
def app_server(
    server_port: int, logs_dir: Path, standin: dict[str, str]
) -> Iterator[dict]:
    """The app with its default (disk) state manager, one worker.

    For quick local iterations, ``MEET_TEST_URL`` and ``MEET_TEST_LOG`` point
    the tests at an app you already run instead.
    """
    if os.environ.get("MEET_TEST_URL"):
        yield {
            "url": os.environ["MEET_TEST_URL"],
            "log": Path(os.environ.get("MEET_TEST_LOG", "/dev/null")),
            "standin": {
                "url": os.environ.get("MEET_TEST_STANDIN_URL", ""),
                "app_id": "local",
                "secret": os.environ.get("MEET_TEST_STANDIN_SECRET", ""),
            },
            "db": Path(os.environ.get("MEET_TEST_DB", "/dev/null")),
            "admin_token": os.environ.get("MEET_ADMIN_TOKEN", ""),
        }
        return
    log = logs_dir / "app.log"
    env = {**standin_env(standin), "MEET_ADMIN_TOKEN": ADMIN_TOKEN}
    with reflex_server(server_port, log, env) as url:
        yield {
            "url": url,
            "log": log,
            "standin": standin,
            "db": log.with_suffix(".db"),
            "admin_token": ADMIN_TOKEN,
        }


@pytest.fixture(scope="module")
def redis_app_server(
    server_port: int, logs_dir: Path, redis_url: str, standin: dict[str, str]
) -> Iterator[dict]:
    """The app on Reflex's Redis state manager with several worker processes."""
    log = logs_dir / "app-redis.log"
    env = {
        "REFLEX_REDIS_URL": redis_url,
        "GRANIAN_WORKERS": "3",
        **standin_env(standin),
    }
    with reflex_server(server_port, log, env) as url:
        yield {"url": url, "log": log}


def new_room_id() -> str:
    """A room name no earlier run used (the disk state manager keeps state)."""
    return "t-" + uuid.uuid4().hex[:10]


Person = Callable[..., Page]


@pytest.fixture
def person(browser: Browser) -> Iterator[Person]:
    """Open a person: a new browser context with a display name set."""
    contexts: list[BrowserContext] = []

    def open_person(
        base_url: str, name: str, *, context: BrowserContext | None = None
    ) -> Page:
        if context is None:
            context = browser.new_context(
                permissions=["camera", "microphone"],
                viewport={"width": 1280, "height": 900},
            )
            contexts.append(context)
        page = context.new_page()
        set_display_name(page, base_url, name)
        return page

    yield open_person
    for context in contexts:
        with contextlib.suppress(Exception):
            context.close()


@contextlib.contextmanager
def raw_clients(base_url: str) -> Iterator[Callable[..., RawClient]]:
    """Make raw clients of the app at ``base_url``; all closed at the end."""
    made: list[RawClient] = []

    def make(display_name: Any = None, **kwargs: Any) -> RawClient:
        client = RawClient(base_url, display_name=display_name, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        with contextlib.suppress(Exception):
            client.close()
