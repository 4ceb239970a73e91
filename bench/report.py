"""Figures to Markdown: the summary table with targets, and the details."""

from __future__ import annotations

import os
import platform
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from bench.scenarios import JoinRun, LoadRun, RosterRun, Setting

JOIN_TARGET_MS = 500.0
ROSTER_P95_TARGET_MS = 150.0
STANDIN_CPU_PER_PAIR_TARGET = 15.0
SATURATED = 90.0
"""Machine busy % from which CPU figures show what a process got, not needed."""

JOINER_MARKS = (
    "meeting_page",
    "pull_answered",
    "track_event",
    "first_packet_seen",
    "first_frame",
    "tile_video_element",
    "tile_painted",
)
MEMBER_MARKS = ("pull_answered", "tile_video_element", "first_frame", "tile_painted")


@dataclass(frozen=True)
class Row:
    """One line of the summary table.

    Attributes:
        measure: What was measured.
        result: The figure(s).
        target: The target, if any.
        met: Whether each checked figure meets the target (empty: no target).
    """

    measure: str
    result: str
    target: str = ""
    met: tuple[bool, ...] = ()

    def markdown(self) -> str:
        """The row as a Markdown table line."""
        marks = " / ".join("✓" if ok else "✗" for ok in self.met)
        return f"| {self.measure} | {self.result} | {self.target} | {marks} |"


def percentile(values: list[float], pct: float) -> float:
    """The ``pct``-th percentile, interpolated between closest ranks.

    Args:
        values: At least one value.
        pct: 0–100.

    Returns:
        The percentile.
    """
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * pct / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of ``y`` over ``x``."""
    xs, ys = zip(*points, strict=True)
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    num = sum((x - mean_x) * (y - mean_y) for x, y in points)
    den = sum((x - mean_x) ** 2 for x in xs)
    return num / den if den else 0.0


def machine() -> str:
    """Cores and CPU model of this machine."""
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()} cores, {model}, {platform.platform()}"


def join_rows(runs: list[JoinRun]) -> list[Row]:
    """Rows for join → first remote frame (median / max each)."""
    prepulled = sum(run.prepulled for run in runs)
    note = f"; B already decoding in A's lobby in {prepulled}/{len(runs)}"
    return [
        _median_max_row(
            "Join → B's first frame decoded in A's tab (getStats)",
            [run.first_frame_ms for run in runs],
            note if prepulled else "",
        ),
        _median_max_row(
            "Join → B's video shown in A's meeting page",
            [run.painted_ms for run in runs],
        ),
        _median_max_row(
            "Join → A's video shown in B's page (B pulls the newcomer)",
            [run.member_painted_ms for run in runs],
        ),
    ]


def _median_max_row(measure: str, values: list[float], note: str = "") -> Row:
    """A ms row with median and max, both checked against the join target."""
    median, worst = statistics.median(values), max(values)
    return Row(
        f"{measure}, median / max of {len(values)} (ms)",
        f"{median:.0f} / {worst:.0f}{note}",
        f"≤ {JOIN_TARGET_MS:.0f}",
        (median <= JOIN_TARGET_MS, worst <= JOIN_TARGET_MS),
    )


def roster_rows(run: RosterRun) -> list[Row]:
    """Rows for raise hand on A → visible on B."""
    values = run.latencies_ms
    p95 = percentile(values, 95)
    return [
        Row(
            f"Raise/lower hand on A → B's DOM, p50 of {len(values)} (ms)",
            f"{percentile(values, 50):.0f}",
        ),
        Row(
            f"Raise/lower hand on A → B's DOM, p95 of {len(values)} (ms)",
            f"{p95:.0f}",
            f"≤ {ROSTER_P95_TARGET_MS:.0f}",
            (p95 <= ROSTER_P95_TARGET_MS,),
        ),
    ]


def load_rows(run: LoadRun) -> list[Row]:
    """Rows for stand-in CPU and RSS, and app server RSS per participant."""
    rows = []
    for point in run.points:
        if point.participants == 0:
            continue
        per_pair = point.standin.cpu_percent / point.pairs
        busy = point.standin.machine_busy_percent
        caveat = f"; machine {busy:.0f} % busy: starved" if busy >= SATURATED else ""
        rows.append(
            Row(
                f"Stand-in CPU, {point.participants} participants (% of a core)",
                f"{point.standin.cpu_percent:.1f} "
                f"({per_pair:.1f} per pair, {point.pairs} pair(s)){caveat}",
                f"≤ {STANDIN_CPU_PER_PAIR_TARGET:.0f} per pair",
                (per_pair <= STANDIN_CPU_PER_PAIR_TARGET,),
            )
        )
        rows.append(
            Row(
                f"Stand-in RSS, {point.participants} participants (MB)",
                f"{point.standin.rss_mib_mean:.0f}",
            )
        )
    app = ", ".join(f"{p.participants}: {p.app.rss_mib_mean:.0f}" for p in run.points)
    rows.append(
        Row(
            "App server tree RSS by participants (MB)",
            f"cold {run.cold_app_rss_mib:.0f}; after a warm-up meeting {app}",
        )
    )
    points = [(p.participants, p.app.rss_mib_mean) for p in run.points]
    marginal = points[-1][1] - points[-2][1]
    rows.append(
        Row(
            "App server RSS per participant (MB)",
            f"{slope(points):.1f} (least-squares over 0/2/3); "
            f"{marginal:.1f} for the 3rd",
        )
    )
    return rows


def details(joins: list[JoinRun], roster: RosterRun, load: LoadRun) -> list[str]:
    """Raw figures behind the table, as Markdown lines."""
    lines = ["", "### Details", ""]
    lines += [
        "Join milestones, ms after A's click. A sees B: "
        + ", ".join(JOINER_MARKS)
        + ". B sees A: "
        + ", ".join(MEMBER_MARKS)
        + ".",
        "",
        "| run | frames of B decoded before the click | A sees B | B sees A |",
        "|---|---|---|---|",
    ]
    for index, run in enumerate(joins, 1):
        mine = " / ".join(_ms(run.joiner.get(name)) for name in JOINER_MARKS)
        theirs = " / ".join(_ms(run.member.get(name)) for name in MEMBER_MARKS)
        lines.append(f"| {index} | {run.frames_before_click} | {mine} | {theirs} |")
    values = roster.latencies_ms
    lines += [
        "",
        f"Hand changes: {len(values)} measured; "
        f"min {min(values):.0f}, mean {statistics.fmean(values):.0f}, "
        f"p90 {percentile(values, 90):.0f}, max {max(values):.0f} ms.",
        "",
        "Load samples (mean over each window):",
        "",
        "| participants | stand-in CPU % | stand-in RSS MB | app CPU % "
        "| app RSS MB | machine busy % (this benchmark) | media forwarded kbit/s "
        "| video fps per stream | video widths |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    cores = os.cpu_count() or 1
    for p in load.points:
        widths = " ".join(str(width) for width in p.widths) or "—"
        lines.append(
            f"| {p.participants} | {p.standin.cpu_percent:.1f} "
            f"| {p.standin.rss_mib_mean:.0f} | {p.app.cpu_percent:.1f} "
            f"| {p.app.rss_mib_mean:.0f} | {p.standin.machine_busy_percent:.0f} "
            f"({p.ours.cpu_percent / cores:.0f}) "
            f"| {p.received_kbps:.0f} | {p.video_fps:.1f} | {widths} |"
        )
    return lines


def problems(failures: list[str]) -> list[str]:
    """Setup failures that were retried, as Markdown lines."""
    if not failures:
        return []
    return ["", "Setup failures (retried with a fresh tab):", ""] + [
        f"- {failure}" for failure in failures
    ]


def _ms(value: float | None) -> str:
    """A millisecond figure, or a dash."""
    return "—" if value is None else f"{value:.0f}"


def render(
    joins: list[JoinRun],
    roster: RosterRun,
    load: LoadRun,
    *,
    setting: Setting,
    elapsed: float,
    warnings: list[str] | None = None,
) -> str:
    """The whole report.

    Args:
        joins: Join measurements.
        roster: Hand-change measurements.
        load: Load samples.
        setting: The scenarios' setting (machine load, retried setups).
        elapsed: Wall time of the run, in seconds.
        warnings: Anything that makes the figures doubtful.

    Returns:
        Markdown.
    """
    rows = join_rows(joins) + roster_rows(roster) + load_rows(load)
    busy = ", ".join(f"{name} {pct:.0f} %" for name, pct in setting.busy.items())
    lines = [
        "## Meet benchmark",
        "",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}",
        f"- Machine: {machine()}",
        f"- Machine CPU busy (all cores, other users included): {busy}",
        f"- Load average at the end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}",
        f"- Run time: {elapsed:.0f} s",
        "- Per pair: CPU divided by n(n−1)/2, the pairs of participants."
        " MB are MiB (2^20 bytes).",
        "- Marks from getStats() may lag up to ~50 ms (Chromium caches its"
        " stats); tile marks read the <video> element itself.",
        *(f"- **Warning:** {warning}" for warning in warnings or []),
        "",
        "| Measure | Result | Target | |",
        "|---|---|---|---|",
        *(row.markdown() for row in rows),
        *details(joins, roster, load),
        *problems(setting.problems),
    ]
    return "\n".join(lines) + "\n"
