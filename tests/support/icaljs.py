"""Run Mozilla's ical.js (from node_modules, by Node) over an .ics and return what it read."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("icaljs_parse.mjs")


def icaljs(ics: bytes | str) -> dict:
    """The calendar as ical.js parses it: method, uid, sequence, dtstart (UTC), organizer, attendees, events."""
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "ical.js").exists():
        pytest.fail("Node and node_modules/ical.js are needed (make setup installs them)")
    data = ics if isinstance(ics, bytes) else ics.encode("utf-8")
    result = subprocess.run([node, str(SCRIPT)], input=data, capture_output=True, check=False, timeout=30, cwd=ROOT)
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)
