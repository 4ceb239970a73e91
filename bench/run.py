"""Benchmark the meeting app end to end and print a Markdown report.

Run from the project root (after ``source scripts/env.sh``)::

    python -m bench.run [--out report.md] [--changes 60] [--joins 5]

It starts its own Calls stand-in and app server (production build) on free
127.0.0.1 ports, drives headless Chromium with a fake camera and microphone,
and measures:

1. Join in the lobby → first decoded frame of a remote camera.
2. Raise/lower hand in one tab → the change in another tab's DOM.
3. The stand-in's CPU and RSS with 2 and 3 participants in one room.
4. The app server's RSS per participant.

The exit code is 0 whenever the report is produced, targets met or not.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType

if __package__ in (None, ""):  # run as ``python bench/run.py``
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import Browser, sync_playwright

from bench import pages, procs, report, scenarios
from bench.scenarios import log
from bench.servers import app_server
from bench.workdirs import private_workdirs
from launch.servers import calls_standin, standin_env


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line.

    Args:
        argv: Arguments (default: ``sys.argv[1:]``).

    Returns:
        The options.
    """
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--out", type=Path, help="also write the report here")
    parser.add_argument(
        "--changes", type=int, default=60, help="hand toggles to time (default 60)"
    )
    parser.add_argument("--joins", type=int, default=5, help="joins to time")
    parser.add_argument(
        "--sample-seconds",
        type=float,
        default=10.0,
        help="length of each CPU/RSS sampling window",
    )
    parser.add_argument("--logs", type=Path, help="server logs folder (default: temp)")
    parser.add_argument(
        "--shared-web",
        action="store_true",
        help="build in the project's .web like the tests (default: a private copy)",
    )
    args = parser.parse_args(argv)
    if args.changes < 1 or args.joins < 1:
        parser.error("--changes and --joins must be at least 1")
    return args


def stop_on_sigterm() -> None:
    """Turn SIGTERM into KeyboardInterrupt so every cleanup block runs."""

    def interrupt(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def benchmark(args: argparse.Namespace, logs: Path) -> str:
    """Start the servers and the browser, measure, and build the report.

    Args:
        args: The options.
        logs: Where the server logs go.

    Returns:
        The Markdown report.
    """
    started = time.monotonic()
    log(f"logs in {logs}")
    with contextlib.ExitStack() as stack:
        workdirs = {} if args.shared_web else stack.enter_context(private_workdirs())
        if workdirs:
            log(f"building in a private copy: {workdirs['REFLEX_WEB_WORKDIR']}")
        standin = stack.enter_context(calls_standin(logs / "standin.log"))
        log(f"stand-in pid {standin['pid']} at {standin['url']}")
        url, app_pids = stack.enter_context(
            app_server(logs / "app.log", {**standin_env(standin), **workdirs})
        )
        playwright = stack.enter_context(sync_playwright())
        browser = pages.launch(playwright)
        stack.callback(close_quietly, browser)
        setting = scenarios.Setting(browser, url)
        figures = measure(args, setting, int(standin["pid"]), app_pids)
        warnings = warnings_for(url, app_pids)
    return report.render(
        *figures,
        setting=setting,
        elapsed=time.monotonic() - started,
        warnings=warnings,
    )


def measure(
    args: argparse.Namespace,
    setting: scenarios.Setting,
    standin_pid: int,
    app_pids: set[int],
) -> tuple[list[scenarios.JoinRun], scenarios.RosterRun, scenarios.LoadRun]:
    """Run the three scenarios.

    Args:
        args: The options.
        setting: Browser, app, problem log.
        standin_pid: The stand-in's pid.
        app_pids: The app server's processes.

    Returns:
        Joins, hand changes, load samples.
    """
    load = setting.timed(
        "load",
        lambda: scenarios.measure_load(
            setting, standin_pid, app_pids, args.sample_seconds
        ),
    )
    joins = setting.timed("joins", lambda: scenarios.measure_join(setting, args.joins))
    log(f"timing {args.changes} hand changes")
    roster = setting.timed(
        "hands", lambda: scenarios.measure_roster(setting, args.changes)
    )
    return joins, roster, load


def close_quietly(browser: Browser) -> None:
    """Close the browser; on Ctrl-C it may be gone already (same signal)."""
    with contextlib.suppress(Exception):
        browser.close()


def warnings_for(url: str, app_pids: set[int]) -> list[str]:
    """Doubts about the figures: another server sharing our port.

    Args:
        url: The app's base URL.
        app_pids: The app server's processes.

    Returns:
        Warnings for the report (empty when all is well).
    """
    port = int(url.rsplit(":", 1)[1])
    foreign = procs.listening_pids(port) - app_pids
    if not foreign:
        return []
    return [
        f"another server ({sorted(foreign)}) listened on port {port} "
        "at the end of the run: its visitors may have used our servers"
    ]


def publish(text: str, out: Path | None) -> None:
    """Print a report and also write it to ``out`` when given.

    Args:
        text: The Markdown report.
        out: A file for it, or None.
    """
    print()
    print(text)
    if out:
        out.write_text(text)
        log(f"report written to {out}")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print (and optionally save) the report.

    Args:
        argv: Command-line arguments.

    Returns:
        The exit code: 0 once the report is out, 1 on errors, 130 on Ctrl-C.
    """
    args = parse_args(argv)
    stop_on_sigterm()
    logs = args.logs or Path(tempfile.mkdtemp(prefix="meet-bench-"))
    logs.mkdir(parents=True, exist_ok=True)
    try:
        text = benchmark(args, logs)
    except KeyboardInterrupt:
        log("interrupted; servers and browser stopped")
        return 130
    publish(text, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
