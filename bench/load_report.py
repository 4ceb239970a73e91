"""The load driver's figures as Markdown: a table per mode, then the targets."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from bench.load_measure import PRIVATE_EVENTS, Traffic
from bench.report import machine, percentile, slope

__all__ = ["TARGETS", "render", "targets"]

KB = 1024
BASELINE_RATIO = 1.5
CHANGE_P95_MS = 100.0
CHANGE_BYTES = 1 * KB
JOIN_MESSAGES = 2
JOIN_SETTLED_S = 1.0
IDLE_CPU_PERCENT = 5.0
RSS_PER_MEMBER_MIB = 2.0
BIG_ROOM = 50


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}" if seconds * 1000 >= 10 else f"{seconds * 1000:.1f}"


def _bytes(value: float) -> str:
    if value >= 1024 * KB:
        return f"{value / KB / KB:.1f} MB"
    if value >= KB:
        return f"{value / KB:.1f} KB"
    return f"{value:.0f} B"


def _latencies(values: list[float]) -> str:
    if not values:
        return "—"
    return " / ".join(
        _ms(v) for v in (percentile(values, 50), percentile(values, 95), max(values))
    )


def _traffic(traffic: Traffic | None) -> str:
    if traffic is None or not traffic.messages:
        return "—"
    text = f"{traffic.mean_messages:.1f} msg, {_bytes(traffic.mean_bytes)}"
    if traffic.max_bytes > traffic.mean_bytes * 1.05:
        text += f" (max {traffic.max_messages}, {_bytes(traffic.max_bytes)})"
    return text


def _busy(sized: Any, what: str) -> str:
    busy = sized.busy.get(what)
    return f" (machine {busy:.0f} % busy)" if busy is not None else ""


def _row(label: str, runs: list[Any], cell: Callable[[Any], str]) -> str:
    cells = []
    for sized in runs:
        try:
            cells.append(cell(sized))
        except (TypeError, AttributeError, ValueError, ZeroDivisionError):
            cells.append("—")
    return f"| {label} | " + " | ".join(cells) + " |"


def rss_per_member(run: Any) -> float | None:
    """Least-squares server memory per member over the sizes (MiB), if any."""
    points = [(0.0, run.base_rss_mib)] if run.base_rss_mib else []
    points += [(float(s.size), s.idle.rss_mib) for s in run.sizes if s.idle]
    return slope(points) if len(points) >= 2 else None


def mode_table(run: Any) -> list[str]:
    """The figures of one mode, sizes as columns."""
    sizes = run.sizes
    if not sizes:
        return ["No size was measured."]
    lines = [
        "| | " + " | ".join(f"{s.size} members" for s in sizes) + " |",
        "|---|" + "---|" * len(sizes),
        _row(
            "Raised hand → each other member, p50 / p95 / max (ms)",
            sizes,
            lambda s: (
                _latencies(s.changes.latencies)
                + (f", {s.changes.missing} not reached" if s.changes.missing else "")
                + _busy(s, "changes")
            ),
        ),
        _row(
            "… received per other member per change",
            sizes,
            lambda s: _traffic(s.changes.traffic),
        ),
        _row(
            "… server CPU per change (ms)",
            sizes,
            lambda s: (
                f"{1000 * sum(s.changes.cpu_seconds) / len(s.changes.cpu_seconds):.0f}"
            ),
        ),
    ]
    for kind, label in PRIVATE_EVENTS.items():
        lines.append(
            _row(
                f"{label}, per other member",
                sizes,
                lambda s, k=kind: _traffic(s.private.get(k)),
            )
        )
    lines += [
        _row(
            "Newest member's join (lobby + join), sent to the others in all",
            sizes,
            lambda s: f"{sum(s.join.messages)} msg, {_bytes(sum(s.join.sizes))}",
        ),
        _row(
            "… per other member, mean (max)",
            sizes,
            lambda s: (
                f"{sum(s.join.messages) / s.join.others:.1f} msg, "
                f"{_bytes(sum(s.join.sizes) / s.join.others)} "
                f"({max(s.join.messages)} msg, {_bytes(max(s.join.sizes))})"
            ),
        ),
        _row(
            "Join settled (s after Join; lobby before it)",
            sizes,
            lambda s: (
                f"{s.join.settled_seconds:.2f} (lobby {s.join.lobby_seconds:.2f})"
                + (f", {s.join.missing} not reached" if s.join.missing else "")
                + _busy(s, "join")
            ),
        ),
        _row(
            "Server CPU, idle room (% of a core)",
            sizes,
            lambda s: (
                f"{s.idle.cpu_percent:.1f} (machine {s.idle.machine_busy:.0f} % busy)"
            ),
        ),
        _row("Server RSS (MB)", sizes, lambda s: f"{s.idle.rss_mib:.0f}"),
        _row(
            "Idle traffic per member (B/s)",
            sizes,
            lambda s: f"{sum(s.idle.received) / len(s.idle.received):.0f}",
        ),
    ]
    return lines


def mode_notes(run: Any) -> list[str]:
    """Baseline, memory slope, skipped sizes, errors and the browsers' proof."""
    notes = []
    ours = next((s for s in run.sizes if s.size == 2 and s.changes), None)
    if run.baseline:
        line = (
            f"- Bare `rx.SharedState` change between 2 clients, p50 / p95 / max (ms): "
            f"{_latencies(run.baseline)}, {_bytes(run.baseline_bytes)} per change"
        )
        if ours is not None and ours.changes.latencies:
            mine = _latencies(ours.changes.latencies)
            line += f"; our raised hand with 2 members: {mine}"
        notes.append(line)
    per_member = rss_per_member(run)
    if per_member is not None:
        notes.append(
            f"- Server memory per member: {per_member:.2f} MB (least squares over "
            f"{run.base_rss_mib:.0f} MB empty and the sizes above)"
        )
    if run.skipped:
        notes.append(f"- Not reached: {', '.join(run.skipped)}")
    for sized in run.sizes:
        for error in sized.errors:
            notes.append(f"- {sized.size} members: {error}")
    if run.calls:
        counts = ", ".join(f"{op} {n}" for op, n in sorted(run.calls.items()))
        notes.append(f"- Null Calls API answered: {counts}")
    proof = run.browsers
    if proof is not None:
        notes.append(
            f"- 2 Chromium tabs in the room of {proof.members}: " + _proof(proof)
        )
    return notes


def _proof(proof: Any) -> str:
    if proof.error:
        return f"✗ {proof.error}"
    parts = []
    for tab in proof.tabs:
        hand = f"{tab.hand_ms:.0f} ms" if tab.hand_ms is not None else "not shown"
        video = (
            f"video decoded (stage page {tab.page})"
            if tab.video
            else ("no video" if tab.page else "the other's tile on no stage page")
        )
        parts.append(
            f"{tab.name}: {'sees' if tab.sees_other else 'does not see'} the other, "
            f"hand shown {hand}, {'audio received' if tab.audio else 'no audio'}, "
            f"{video}"
        )
    return ("✓ " if proof.ok else "✗ ") + "; ".join(parts)


Verdict = tuple[str, bool] | None
"""A target's figure and whether it is met (None: not measured)."""


def _at_big(run: Any, figure: Callable[[Any], Verdict]) -> Verdict:
    """A figure at 50 members; at a smaller largest size it cannot pass."""
    big = max(run.sizes, key=lambda s: s.size) if run.sizes else None
    verdict = _safe(figure, big) if big is not None else None
    if verdict is None:
        return None
    text, ok = verdict
    if big.size < BIG_ROOM:
        return f"{text} at {big.size} ({BIG_ROOM} not reached)", False
    return text, ok


def _safe(figure: Callable[[Any], Any], value: Any) -> Any:
    try:
        return figure(value)
    except (TypeError, AttributeError, ValueError, ZeroDivisionError):
        return None


def _baseline_target(run: Any) -> Verdict:
    ours = next((s for s in run.sizes if s.size == 2 and s.changes), None)
    if not run.baseline or ours is None or not ours.changes.latencies:
        return None
    ratios = [
        percentile(ours.changes.latencies, p) / max(percentile(run.baseline, p), 1e-9)
        for p in (50, 95)
    ]
    return f"{ratios[0]:.1f}× / {ratios[1]:.1f}×", max(ratios) <= BASELINE_RATIO


def _p95_big(s: Any) -> Verdict:
    p95 = percentile(s.changes.latencies, 95) * 1000
    missing = f", {s.changes.missing} not reached" if s.changes.missing else ""
    return f"{p95:.0f} ms{missing}", p95 <= CHANGE_P95_MS and not s.changes.missing


def _worst(run: Any, figure: Callable[[Any], float], limit: float, fmt: str) -> Verdict:
    """The worst figure over all sizes, against a limit."""
    values = [(v, s.size) for s in run.sizes if (v := _safe(figure, s)) is not None]
    if not values:
        return None
    value, size = max(values)
    return f"{fmt.format(value)} (worst, at {size})", value <= limit


def _private_bytes(s: Any) -> float | None:
    if not s.private:
        return None
    return float(max(t.max_bytes for t in s.private.values()))


def _settled_big(s: Any) -> Verdict:
    ok = s.join.settled_seconds <= JOIN_SETTLED_S and not s.join.missing
    return f"{s.join.settled_seconds:.2f} s", ok


def _idle_big(s: Any) -> Verdict:
    return f"{s.idle.cpu_percent:.1f} %", s.idle.cpu_percent <= IDLE_CPU_PERCENT


def _rss_target(run: Any) -> Verdict:
    per_member = rss_per_member(run)
    if per_member is None:
        return None
    return f"{per_member:.2f} MB", per_member <= RSS_PER_MEMBER_MIB


def _browsers_target(run: Any) -> Verdict:
    proof = run.browsers
    if proof is None:
        return None
    return (proof.error or f"in a room of {proof.members}"), proof.ok


TARGETS: list[tuple[str, Callable[[Any], Verdict]]] = [
    (
        f"2 members: a change in the other tab within {BASELINE_RATIO}× of a bare "
        "SharedState change (p50 / p95)",
        _baseline_target,
    ),
    (
        f"{BIG_ROOM} members: a change visible to all, p95 ≤ {CHANGE_P95_MS:.0f} ms",
        lambda run: _at_big(run, _p95_big),
    ),
    (
        "1 message per receiver per change",
        lambda run: _worst(
            run, lambda s: s.changes.traffic.max_messages, 1, "{:.0f} msg"
        ),
    ),
    (
        "≤ 1 KB per receiver per change",
        lambda run: _worst(
            run, lambda s: s.changes.traffic.max_bytes, CHANGE_BYTES, "{:.0f} B"
        ),
    ),
    (
        "0 bytes to the others for a private event",
        lambda run: _worst(run, _private_bytes, 0, "{:.0f} B"),
    ),
    (
        f"a join: ≤ {JOIN_MESSAGES} messages per other member",
        lambda run: _worst(
            run, lambda s: max(s.join.messages), JOIN_MESSAGES, "{:.0f} msg"
        ),
    ),
    (
        f"{BIG_ROOM} members: a join settled ≤ {JOIN_SETTLED_S:.0f} s",
        lambda run: _at_big(run, _settled_big),
    ),
    (
        f"an idle room of {BIG_ROOM} ≤ {IDLE_CPU_PERCENT:.0f} % of a core",
        lambda run: _at_big(run, _idle_big),
    ),
    (
        f"≤ {RSS_PER_MEMBER_MIB:.0f} MB of server memory per participant",
        _rss_target,
    ),
    ("2 Chromium tabs work in the room", _browsers_target),
]


def _cell(verdict: Verdict) -> str:
    if verdict is None:
        return "not measured"
    text, ok = verdict
    return f"{text} {'✓' if ok else '✗'}"


def targets(runs: list[Any]) -> list[str]:
    """The targets table: one column per mode."""
    lines = [
        "| Target | " + " | ".join(r.mode for r in runs) + " |",
        "|---|" + "---|" * len(runs),
    ]
    for label, check in TARGETS:
        cells = [_cell(_safe(check, r)) for r in runs]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


MODE_TITLES = {
    "single": "One process (default state manager)",
    "redis": "Redis state manager, 3 workers",
}


def render(runs: list[Any], args: argparse.Namespace, elapsed: float) -> str:
    """The whole report.

    Args:
        runs: One per mode.
        args: The options it ran with.
        elapsed: Seconds the run took.

    Returns:
        Markdown.
    """
    lines = [
        "# Load: rooms of simulated members",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M')}, {machine()}; {elapsed / 60:.1f} min. "
        f"Sizes {','.join(map(str, args.sizes))}; {args.changes} hand changes and "
        f"{args.private} of each private event per size; an action is over after "
        f"{args.quiet:.1f} s without traffic. Simulated members publish no media.",
        "",
    ]
    for run in runs:
        lines += [f"## {MODE_TITLES.get(run.mode, run.mode)}", ""]
        lines += mode_table(run)
        lines += ["", *mode_notes(run), ""]
    lines += ["## Targets (issue 9)", "", *targets(runs), ""]
    return "\n".join(lines)
