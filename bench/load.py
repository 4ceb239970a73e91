"""Load driver: rooms of simulated members, and what each action costs the others.

Run from the project root (after ``source scripts/env.sh``)::

    python -m bench.load [--sizes 2,10,25,50] [--modes single,redis] [--out f.md]

For each mode (``single``: one process, the default state manager; ``redis``:
Reflex's Redis state manager and 3 Granian workers) it starts the app in
production mode on a free 127.0.0.1 port, configured against a null Calls
API (:mod:`bench.null_calls`), and fills one room with simulated members
(:mod:`bench.sim`: raw websocket clients speaking the frames Chromium sends,
heartbeats over HTTP, Calls requests through the proxy). At each size it
times the newest member's join, an idle window (server CPU and memory,
traffic per member), raised hands (latency to every other member, messages
and bytes per receiver) and private events (what the others receive). In
the same mode it serves a bare app (``bench/baseline_app``: one
``rx.SharedState`` counter) and times a change between two clients, the
baseline for the room's own changes. In one mode (``--browsers``) two
headless Chromium tabs then join the full room and must see each other, a
hand raised by a simulated member, and each other's media.

It prints a Markdown report with the targets of issue 9 marked ✓/✗. The exit
code is 0 whenever the report is produced, targets met or not.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

if __package__ in (None, ""):  # run as ``python bench/load.py``
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import load_report, procs
from bench.baseline import BareRoom
from bench.load_measure import (
    ChangeRun,
    IdleRun,
    JoinRun,
    Settings,
    Traffic,
    attempt,
    fill,
    measure_changes,
    measure_idle,
    measure_join,
    measure_private,
)
from bench.null_calls import null_calls
from bench.run import publish, stop_on_sigterm
from bench.scenarios import log
from bench.servers import app_server
from bench.sim import ActionTimeoutError, Member
from bench.workdirs import private_workdirs
from launch.servers import ROOT, calls_standin, redis_server

T = TypeVar("T")

MODES = ("single", "redis")
REDIS_WORKERS = "3"
BASELINE_APP = ROOT / "bench" / "baseline_app"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line.

    Args:
        argv: Arguments (default: ``sys.argv[1:]``).

    Returns:
        The options.
    """
    parser = argparse.ArgumentParser(
        prog="python -m bench.load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--sizes", default="2,10,25,50", help="room sizes (default 2,10,25,50)"
    )
    parser.add_argument(
        "--modes", default="single,redis", help="single and/or redis (default both)"
    )
    parser.add_argument(
        "--changes", type=int, default=20, help="raised/lowered hands per size"
    )
    parser.add_argument(
        "--private", type=int, default=4, help="repeats of each private event"
    )
    parser.add_argument(
        "--baseline-changes", type=int, default=40, help="bare SharedState changes"
    )
    parser.add_argument(
        "--idle-seconds", type=float, default=10.0, help="idle window per size"
    )
    parser.add_argument(
        "--quiet", type=float, default=0.3, help="silence that ends an action (s)"
    )
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="longest wait for one step (s)"
    )
    parser.add_argument(
        "--fill-budget",
        type=float,
        default=420.0,
        help="seconds per mode after which nobody joins the room any more "
        "(default 420): larger sizes are skipped",
    )
    parser.add_argument(
        "--browsers",
        default="",
        help="mode in which 2 Chromium tabs join the full room "
        "(default: the first mode; 'none' for no browsers)",
    )
    parser.add_argument("--out", type=Path, help="also write the report here")
    parser.add_argument("--logs", type=Path, help="server logs folder (default: temp)")
    args = parser.parse_args(argv)
    try:
        args.sizes = sorted({int(size) for size in args.sizes.split(",") if size})
    except ValueError:
        parser.error("--sizes takes numbers, e.g. 2,10")
    if not args.sizes or args.sizes[0] < 2:
        parser.error("every size must be at least 2")
    args.modes = [mode for mode in args.modes.split(",") if mode]
    if not args.modes or any(mode not in MODES for mode in args.modes):
        parser.error(f"--modes takes {' and/or '.join(MODES)}")
    args.browsers = args.browsers or args.modes[0]
    if args.browsers not in (*args.modes, "none"):
        parser.error("--browsers must be one of the modes run, or none")
    if min(args.changes, args.private, args.baseline_changes) < 1:
        parser.error("--changes, --private and --baseline-changes must be >= 1")
    return args


@dataclass
class SizeRun:
    """Everything measured with one room size.

    Attributes:
        size: Members in the room.
        join: The newest member's join.
        idle: The idle window.
        changes: Raised and lowered hands.
        private: Private events, by kind.
        errors: Measurements that timed out.
        busy: How busy the whole machine was (% of all cores) during each
            measurement, by name.
    """

    size: int
    join: JoinRun | None = None
    idle: IdleRun | None = None
    changes: ChangeRun | None = None
    private: dict[str, Traffic] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    busy: dict[str, float] = field(default_factory=dict)

    def measure(self, what: str, action: Callable[[], T]) -> T | None:
        """Run one measurement, noting how busy the machine was meanwhile.

        A timeout is noted in :attr:`errors` instead of ending the run.

        Args:
            what: The measurement's name.
            action: The measurement.

        Returns:
            Its result, or None when it timed out.
        """
        with procs.busy_meter(self.busy, what):
            return attempt(self.errors, what, action)


@dataclass
class ModeRun:
    """One mode's results.

    Attributes:
        mode: ``single`` or ``redis``.
        sizes: Per room size, in order.
        skipped: Sizes not reached (and why).
        baseline: Latencies of the bare SharedState change (seconds).
        baseline_bytes: Bytes the other client received per bare change.
        base_rss_mib: The server's memory before the room filled.
        browsers: The Chromium tabs' proof, when run in this mode.
        calls: Requests the null Calls API answered, by operation.
    """

    mode: str
    sizes: list[SizeRun] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)
    baseline_bytes: float = 0.0
    base_rss_mib: float = 0.0
    browsers: object = None
    calls: dict[str, int] = field(default_factory=dict)


def mode_env(mode: str, stack: contextlib.ExitStack, logs: Path) -> dict[str, str]:
    """The server environment of a mode (starts a private Redis if needed)."""
    if mode == "single":
        return {}
    url = stack.enter_context(redis_server(Path(tempfile.mkdtemp(dir=logs))))
    log(f"Redis at {url}")
    return {"REFLEX_REDIS_URL": url, "GRANIAN_WORKERS": REDIS_WORKERS}


def scratch_dirs(logs: Path, name: str) -> dict[str, str]:
    """Private web and states folders for a backend-only server."""
    base = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=logs))
    return {
        "REFLEX_WEB_WORKDIR": str(base / ".web"),
        "REFLEX_STATES_WORKDIR": str(base / ".states"),
    }


def settings(args: argparse.Namespace, pids: set[int]) -> Settings:
    """The measurements' settings, with the server's CPU probe."""
    return Settings(
        quiet=args.quiet,
        timeout=args.timeout,
        cpu=lambda: procs.cpu_seconds(pids),
    )


def warm_up(url: str, s: Settings) -> None:
    """A short throwaway meeting: the server's first events load code and caches."""
    room = f"warm-{uuid.uuid4().hex[:8]}"
    pair: list[Member] = []
    try:
        fill(pair, url, room, 2, s)
        measure_changes(pair, 4, s)
        measure_private(pair, 1, s)
    finally:
        for member in pair:
            member.close()


def changes_beside_bare(
    members: list[Member],
    bare: BareRoom | None,
    args: argparse.Namespace,
    s: Settings,
) -> ChangeRun:
    """Time raised hands; with two members, take turns with bare changes.

    Args:
        members: The room.
        bare: The bare app's two clients (None: no turns).
        args: The options (how many of each).
        s: Settings.

    Returns:
        The hands' figures (the bare ones go into ``bare``).
    """
    run = ChangeRun()
    if bare is None:
        return measure_changes(members, args.changes, s, into=run)
    for turn in range(max(args.changes, args.baseline_changes)):
        if turn < args.baseline_changes:
            bare.time(1)
        if turn < args.changes:
            measure_changes(members, 1, s, into=run, first=turn)
    return run


def run_sizes(
    run: ModeRun,
    url: str,
    pids: set[int],
    args: argparse.Namespace,
    bare: BareRoom,
) -> tuple[str, list[Member]]:
    """Grow one room through the sizes and measure at each.

    Args:
        run: Where the figures go.
        url: The app's URL.
        pids: The server's processes (re-read as workers may change).
        args: The options.
        bare: The bare app's room (timed beside the room of two).

    Returns:
        The room and its members (still connected).
    """
    s = settings(args, pids)
    room = f"load-{uuid.uuid4().hex[:8]}"
    members: list[Member] = []
    deadline = time.monotonic() + args.fill_budget
    for size in args.sizes:
        if run.skipped:
            run.skipped.append(str(size))
            continue
        log(f"{run.mode}: filling the room to {size - 1}")
        try:
            fill(members, url, room, size - 1, s, deadline=deadline)
        except (ActionTimeoutError, AssertionError) as failure:
            run.skipped.append(
                f"{size} ({failure}; --fill-budget {args.fill_budget:.0f} s)"
            )
            continue
        sized = SizeRun(size)
        run.sizes.append(sized)
        log(f"{run.mode}: member {size} joins")
        newcomer = Member.open(url, f"Sim {size}")
        others = list(members)
        members.append(newcomer)
        sized.join = sized.measure(
            "join",
            lambda n=newcomer, o=others: measure_join(n, room, o, s),
        )
        log(f"{run.mode}, {size}: idle {args.idle_seconds:.0f} s")
        sized.idle = sized.measure(
            "idle",
            lambda: measure_idle(members, args.idle_seconds, pids),
        )
        log(f"{run.mode}, {size}: {args.changes} raised/lowered hands")
        sized.changes = sized.measure(
            "changes",
            lambda b=bare if size == 2 else None: changes_beside_bare(
                members, b, args, s
            ),
        )
        log(f"{run.mode}, {size}: private events")
        sized.private = (
            sized.measure("private", lambda: measure_private(members, args.private, s))
            or {}
        )
        for error in sized.errors:
            log(f"{run.mode}, {size}: {error}")
    return room, members


def run_mode(mode: str, args: argparse.Namespace, logs: Path) -> ModeRun:
    """Measure one mode: baseline, the growing room, the browsers' proof.

    Args:
        mode: ``single`` or ``redis``.
        args: The options.
        logs: The logs folder.

    Returns:
        The mode's figures.
    """
    run = ModeRun(mode)
    browsers = args.browsers == mode
    with contextlib.ExitStack() as stack:
        env = mode_env(mode, stack, logs)
        bare_url, _bare_pids = stack.enter_context(
            app_server(
                logs / f"bare-{mode}.log",
                {**env, **scratch_dirs(logs, "bare")},
                backend_only=True,
                cwd=BASELINE_APP,
            )
        )
        bare = BareRoom(bare_url, settings(args, set())).open()
        stack.callback(bare.close)
        upstream = None
        if browsers:
            upstream = stack.enter_context(calls_standin(logs / f"standin-{mode}.log"))
        calls = stack.enter_context(null_calls(upstream))
        dirs = (
            stack.enter_context(private_workdirs())
            if browsers
            else scratch_dirs(logs, "meet")
        )
        url, pids = stack.enter_context(
            app_server(
                logs / f"app-{mode}.log",
                {**env, **calls.env(), **dirs},
                backend_only=not browsers,
            )
        )
        port = int(url.rsplit(":", 1)[1])
        pids = procs.reflex_server_tree(port) or pids
        log(f"{mode}: warm-up meeting")
        warm_up(url, settings(args, pids))
        run.base_rss_mib = procs.rss_mib(pids)
        room, members = run_sizes(run, url, pids, args, bare)
        if not bare.latencies:  # no room of two: time the bare app alone
            bare.time(args.baseline_changes)
        run.baseline = bare.latencies
        run.baseline_bytes = sum(bare.sizes) / max(len(bare.sizes), 1)
        try:
            if browsers and members:
                from bench.load_browsers import prove

                log(f"{mode}: 2 Chromium tabs join the room of {len(members)}")
                run.browsers = prove(url, room, members, args.timeout)
        finally:
            for member in members:
                member.close()
        run.calls = dict(calls.counts)
    return run


def main(argv: list[str] | None = None) -> int:
    """Run the load driver and print (and optionally save) the report.

    Args:
        argv: Command-line arguments.

    Returns:
        The exit code: 0 once the report is out, 130 on Ctrl-C.
    """
    args = parse_args(argv)
    stop_on_sigterm()
    logs = args.logs or Path(tempfile.mkdtemp(prefix="meet-load-"))
    logs.mkdir(parents=True, exist_ok=True)
    log(f"logs in {logs}")
    started = time.monotonic()
    runs = []
    try:
        for mode in args.modes:
            runs.append(run_mode(mode, args, logs))
    except KeyboardInterrupt:
        log("interrupted; servers stopped")
        return 130
    publish(load_report.render(runs, args, time.monotonic() - started), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
