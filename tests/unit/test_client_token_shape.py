"""Every client token Reflex's frontend makes passes the websocket guard.

``state.js`` ``generateUUID`` writes the UUID's variant digit as
``(r & 0x7) | 0x8`` (8-f, not only RFC 4122's 8-b): a guard that accepted only
8-b refused about half of all browsers, forever (the token lives in the tab's
session storage). This runs Reflex's own function, taken from the installed
template, in Node.
"""

import json
import re
import shutil
import subprocess
from pathlib import Path

import reflex_base

from reflex_meet.security.tokens import is_client_token

STATE_JS = Path(reflex_base.__file__).parent / ".templates/web/utils/state.js"


def test_every_token_the_frontend_generates_is_accepted():
    source = STATE_JS.read_text()
    match = re.search(
        r"export const generateUUID = \(\) => \{.*?\n\};", source, flags=re.S
    )
    assert match, "generateUUID is no longer in Reflex's state.js: check the guard"
    function = match.group(0).removeprefix("export ")
    node = shutil.which("node")
    assert node, "node is missing: run scripts/setup.sh"
    script = (
        function
        + "\nconsole.log(JSON.stringify(Array.from({length: 4000}, generateUUID)));"
    )
    result = subprocess.run(
        [node, "-e", script], capture_output=True, text=True, timeout=60, check=True
    )
    tokens = json.loads(result.stdout)
    refused = [t for t in tokens if not is_client_token(t)]
    assert refused == []
    # All variant digits occur, so the check really covered them.
    assert {t[19] for t in tokens} == set("89abcdef")
