"""The load driver's report: tables per mode and the targets, ✓/✗ each."""

from __future__ import annotations

import argparse

from bench.load import ModeRun, SizeRun, parse_args
from bench.load_browsers import BrowserProof, TabProof
from bench.load_measure import PRIVATE_EVENTS, ChangeRun, IdleRun, JoinRun, Traffic
from bench.load_report import render


def _size(size: int, *, change_bytes: int, private_bytes: int) -> SizeRun:
    others = size - 1
    changes = ChangeRun(
        latencies=[0.004 + 0.0001 * (i % 20) for i in range(others * 4)],
        traffic=Traffic([1] * others * 4, [change_bytes] * others * 4, 4),
        cpu_seconds=[0.002] * 4,
    )
    private = {
        kind: Traffic([0] * others, [private_bytes] * others, 1)
        for kind in PRIVATE_EVENTS
    }
    return SizeRun(
        size,
        join=JoinRun(others, [2] * others, [900] * others, 0.1, 0.2),
        idle=IdleRun(10.0, 1.0, 200.0 + size, [0.0] * size, 30.0),
        changes=changes,
        private=private,
        busy={"changes": 40.0},
    )


def _run(mode: str, *, change_bytes: int, private_bytes: int) -> ModeRun:
    run = ModeRun(mode, base_rss_mib=200.0)
    run.sizes = [
        _size(n, change_bytes=change_bytes, private_bytes=private_bytes)
        for n in (2, 50)
    ]
    run.baseline = [0.004 + 0.0001 * i for i in range(40)]
    run.baseline_bytes = 1400
    run.browsers = BrowserProof(50, [TabProof("A", True, 80, True, True, 1)] * 2)
    return run


def _args() -> argparse.Namespace:
    return parse_args(["--sizes", "2,50", "--modes", "single,redis"])


def test_all_targets_met_are_ticked():
    text = render([_run("single", change_bytes=600, private_bytes=0)], _args(), 60)
    targets = text.split("## Targets")[1]
    assert "✗" not in targets, targets
    assert targets.count("✓") == 10
    assert "| 2 members | 50 members |" in text
    assert "(machine 40 % busy)" in text


def test_missed_targets_are_crossed_per_mode():
    runs = [
        _run("single", change_bytes=600, private_bytes=0),
        _run("redis", change_bytes=5000, private_bytes=3000),
    ]
    text = render(runs, _args(), 60)
    rows = {
        line.split("|")[1].strip(): line.split("|")[2:4]
        for line in text.split("## Targets")[1].splitlines()
        if line.startswith("| ") and "Target" not in line
    }
    change = rows["≤ 1 KB per receiver per change"]
    assert "✓" in change[0] and "✗" in change[1]
    private = rows["0 bytes to the others for a private event"]
    assert "✓" in private[0] and "✗" in private[1]


def test_a_size_not_reached_cannot_pass_the_big_room_targets():
    run = _run("single", change_bytes=600, private_bytes=0)
    run.sizes = run.sizes[:1]
    run.skipped = ["50 (room filled to 30 only, in time)"]
    text = render([run], _args(), 60)
    assert "at 2 (50 not reached) ✗" in text
    assert "Not reached: 50" in text


def test_options_are_checked():
    args = parse_args(["--sizes", "10,2", "--modes", "redis"])
    assert args.sizes == [2, 10]
    assert args.browsers == "redis"
    assert parse_args(["--browsers", "none"]).browsers == "none"
