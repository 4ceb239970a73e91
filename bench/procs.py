"""Process figures read from ``/proc``: CPU time, RSS, process trees.

No third-party dependency: everything comes from ``/proc/<pid>/stat``,
``/proc/<pid>/status`` and ``/proc/stat``.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ProcInfo:
    """The few fields of ``/proc/<pid>/stat`` the benchmark needs."""

    pid: int
    ppid: int
    pgid: int
    cpu_seconds: float


def read_stat(pid: int) -> ProcInfo | None:
    """Read one process's parent, group and CPU time (user + system).

    Args:
        pid: The process id.

    Returns:
        The fields, or None when the process is gone.
    """
    try:
        raw = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces: split after its ")".
    fields = raw[raw.rindex(")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])
    return ProcInfo(
        pid=pid,
        ppid=int(fields[1]),
        pgid=int(fields[2]),
        cpu_seconds=(utime + stime) / CLOCK_TICKS,
    )


def rss_kib(pid: int) -> int:
    """Resident set size of one process (``VmRSS``), 0 if it is gone.

    Args:
        pid: The process id.

    Returns:
        The RSS in KiB.
    """
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cmdline(pid: int) -> list[str]:
    """The command line of a process (empty if it is gone)."""
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def all_processes() -> list[ProcInfo]:
    """Every process currently visible in ``/proc``."""
    found = []
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (info := read_stat(int(entry.name))):
            found.append(info)
    return found


def descendants(root: int, processes: list[ProcInfo] | None = None) -> set[int]:
    """The pids of ``root``'s children, grandchildren and so on.

    Args:
        root: The ancestor's pid.
        processes: A snapshot from :func:`all_processes` (taken if None).

    Returns:
        The descendants' pids (``root`` not included).
    """
    processes = processes if processes is not None else all_processes()
    children: dict[int, list[int]] = {}
    for info in processes:
        children.setdefault(info.ppid, []).append(info.pid)
    found: set[int] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def reflex_server_tree(port: int) -> set[int]:
    """The processes of the ``reflex run`` this process started on ``port``.

    The helper ``launch.servers.reflex_server`` starts Reflex in a new session,
    so its leader's pid is also its process group id. The tree is the leader's
    process group plus all its descendants.

    Args:
        port: The backend port given to ``reflex run``.

    Returns:
        The pids (empty if no such server runs).
    """
    processes = all_processes()
    mine = descendants(os.getpid(), processes)
    leaders = [
        info.pid
        for info in processes
        if info.pid in mine
        and info.pid == info.pgid
        and _is_reflex_on(cmdline(info.pid), port)
    ]
    tree: set[int] = set()
    for leader in leaders:
        tree.add(leader)
        tree |= {info.pid for info in processes if info.pgid == leader}
        tree |= descendants(leader, processes)
    return tree


def _is_reflex_on(args: list[str], port: int) -> bool:
    """Whether a command line is ``reflex run ... --backend-port <port>``."""
    text = " ".join(args)
    return "reflex" in text and " run " in text and f"--backend-port {port}" in text


def machine_busy_seconds() -> tuple[float, float]:
    """Busy and total CPU seconds of the whole machine since boot.

    Returns:
        ``(busy, total)``, summed over all cores.
    """
    first = (PROC / "stat").read_text().splitlines()[0].split()[1:]
    values = [int(v) for v in first[:8]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values)
    return (total - idle) / CLOCK_TICKS, total / CLOCK_TICKS


@contextlib.contextmanager
def busy_meter(into: dict[str, float], name: str) -> Iterator[None]:
    """Note how busy the whole machine was while the block ran.

    Args:
        into: Where the figure goes.
        name: Its key: all cores' use in % of the machine.

    Yields:
        Nothing; the figure is written when the block ends (also on errors).
    """
    busy0, total0 = machine_busy_seconds()
    try:
        yield
    finally:
        busy1, total1 = machine_busy_seconds()
        into[name] = 100.0 * (busy1 - busy0) / max(total1 - total0, 1e-9)


@dataclass(frozen=True)
class Sample:
    """What one process (or tree) did over a sampling window."""

    seconds: float
    cpu_percent: float
    """CPU time over wall time, in % of one core."""
    rss_mib_mean: float
    rss_mib_max: float
    machine_busy_percent: float
    """All cores busy over the window, in % of the whole machine."""


def sample(
    groups: dict[str, set[int]], seconds: float, every: float = 0.5
) -> dict[str, Sample]:
    """Measure CPU use and RSS of groups of processes over one window.

    CPU is the sum of ``utime + stime`` deltas of each group's processes; a
    process that exits during the window is left out of its group's CPU.

    Args:
        groups: Processes to add up, by group name.
        seconds: Length of the window.
        every: RSS sampling interval.

    Returns:
        The figures of each group over the window.
    """
    start_cpu = {name: _cpu_by_pid(pids) for name, pids in groups.items()}
    busy0, total0 = machine_busy_seconds()
    started = time.monotonic()
    rss: dict[str, list[int]] = {name: [] for name in groups}
    while True:
        for name, pids in groups.items():
            rss[name].append(sum(rss_kib(pid) for pid in pids))
        elapsed = time.monotonic() - started
        if elapsed >= seconds:
            break
        time.sleep(min(every, seconds - elapsed))
    end_cpu = {name: _cpu_by_pid(pids) for name, pids in groups.items()}
    busy1, total1 = machine_busy_seconds()
    busy = 100.0 * (busy1 - busy0) / max(total1 - total0, 1e-9)
    result = {}
    for name in groups:
        used = sum(
            end - start_cpu[name].get(pid, end) for pid, end in end_cpu[name].items()
        )
        result[name] = Sample(
            seconds=elapsed,
            cpu_percent=100.0 * used / elapsed,
            rss_mib_mean=sum(rss[name]) / len(rss[name]) / 1024,
            rss_mib_max=max(rss[name]) / 1024,
            machine_busy_percent=busy,
        )
    return result


def _cpu_by_pid(pids: set[int]) -> dict[int, float]:
    """CPU seconds of each still-running process of ``pids``."""
    return {pid: info.cpu_seconds for pid in pids if (info := read_stat(pid))}


def listening_pids(port: int) -> set[int]:
    """The processes that hold a listening TCP socket on ``port``.

    Granian binds with ``SO_REUSEPORT``, so two servers can listen on one
    port and the kernel splits connections between them; this tells whether
    a port is really ours.

    Args:
        port: The TCP port.

    Returns:
        The pids with a listening socket on that port (any address).
    """
    inodes = _listening_inodes(port)
    holders: set[int] = set()
    if not inodes:
        return holders
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            links = [os.readlink(fd) for fd in (entry / "fd").iterdir()]
        except OSError:
            continue
        if any(link in inodes for link in links):
            holders.add(int(entry.name))
    return holders


def _listening_inodes(port: int) -> set[str]:
    """``socket:[inode]`` names of the listening sockets on ``port``."""
    found = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                found.add(f"socket:[{inode}]")
    return found


def cpu_seconds(pids: set[int]) -> float:
    """CPU seconds (user + system) used so far by the running ``pids``.

    Args:
        pids: The processes (those gone are left out).

    Returns:
        Their CPU time in all.
    """
    return sum(_cpu_by_pid(pids).values())


def rss_mib(pids: set[int]) -> float:
    """Resident memory of ``pids`` together, in MiB."""
    return sum(rss_kib(pid) for pid in pids) / 1024
