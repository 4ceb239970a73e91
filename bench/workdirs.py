"""A private ``.web`` (and states) folder for the benchmark's app server.

Every ``reflex run`` started in the project folder builds into the shared
``.web``: another engineer's server (re)starting mid-run rebuilds
``.web/build`` under ours and our pages stop loading. Reflex reads
``REFLEX_WEB_WORKDIR`` and ``REFLEX_STATES_WORKDIR``, so the benchmark builds
and serves from a copy instead (``node_modules`` included: no npm install).
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from launch.servers import ROOT

SHARED_WEB = ROOT / ".web"


@contextlib.contextmanager
def private_workdirs() -> Iterator[dict[str, str]]:
    """Copy the project's ``.web`` to a temporary folder, removed on exit.

    Yields:
        Environment variables that point Reflex at the copy and at a private
        states folder.
    """
    base = Path(tempfile.mkdtemp(prefix="meet-bench-web-"))
    web = base / ".web"
    try:
        if SHARED_WEB.is_dir():
            # cp keeps symlinks and modes and is much faster than copytree.
            subprocess.run(["cp", "-a", str(SHARED_WEB), str(web)], check=True)
            shutil.rmtree(web / "build", ignore_errors=True)
        (base / ".states").mkdir()
        yield {
            "REFLEX_WEB_WORKDIR": str(web),
            "REFLEX_STATES_WORKDIR": str(base / ".states"),
        }
    finally:
        shutil.rmtree(base, ignore_errors=True)
