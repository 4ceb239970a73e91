"""The load driver (``python -m bench.load``) keeps working: a small run.

The whole driver runs in-process for a room of two in one mode (its own
servers, backend only, no browser); the Chromium tabs' proof runs against the
test app with two simulated members.
"""

from __future__ import annotations

from bench.load import main
from bench.load_browsers import prove
from bench.load_measure import Settings, fill
from tests.browser.conftest import new_room_id


def _row(report: str, start: str) -> str:
    return next(line for line in report.splitlines() if line.startswith(start))


def test_the_load_driver_reports_a_room_of_two(tmp_path):
    out = tmp_path / "report.md"
    code = main(
        [
            "--sizes",
            "2",
            "--modes",
            "single",
            "--browsers",
            "none",
            "--changes",
            "3",
            "--private",
            "1",
            "--baseline-changes",
            "3",
            "--idle-seconds",
            "1",
            "--out",
            str(out),
            "--logs",
            str(tmp_path / "logs"),
        ]
    )
    assert code == 0
    report = out.read_text()
    hands = _row(report, "| Raised hand")
    assert "—" not in hands and "not reached" not in hands, hands
    assert "msg" in _row(report, "| Newest member's join"), report
    for label in ("| Calls request", "| participants panel", "| roster resync"):
        assert "msg" in _row(report, label), report
    assert "not measured" not in _row(report, "| 2 members: a change"), report
    # Two members in the warm-up meeting, two in the room.
    assert "Null Calls API answered: sessions/new 4" in report, report


def test_two_chromium_tabs_join_a_room_of_simulated_members(app_server, browser):
    room = new_room_id()
    members = []
    try:
        fill(members, app_server["url"], room, 2, Settings(timeout=60), publish=False)
        proof = prove(app_server["url"], room, members, 30, browser)
    finally:
        for member in members:
            member.close()
    assert proof.ok, proof
