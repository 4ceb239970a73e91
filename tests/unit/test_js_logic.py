"""Runs the JavaScript unit tests of the media bridge with Node's test runner."""

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_media_logic_js():
    node = shutil.which("node")
    assert node, "node is missing: run scripts/setup.sh"
    result = subprocess.run(
        [
            node,
            "--test",
            "--test-reporter=tap",
            *sorted(str(p) for p in (ROOT / "tests/js").glob("*.test.mjs")),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# fail 0" in result.stdout
    assert "# pass 0" not in result.stdout
