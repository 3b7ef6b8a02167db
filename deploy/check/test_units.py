"""The systemd units and timers as shipped: every timer has its service and a schedule systemd accepts, and every
command a unit runs exists (the web and worker units' commands run in the stack test itself)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from deploy.check.stack import DEPLOY, unit_command

UNITS = DEPLOY / "systemd"
TIMERS = sorted(UNITS.glob("*.timer"))


def test_each_timer_starts_a_shipped_service_with_a_command_that_exists(stack):
    assert {t.stem for t in TIMERS} == {
        "tracker-reminders",
        "tracker-lapse-holds",
        "tracker-retention",
        "tracker-refreshers",
        "tracker-digests",
    }
    for timer in TIMERS:
        service = UNITS / f"{timer.stem}.service"
        assert service.exists(), service
        command = unit_command(service.name)
        assert command[:3] == [command[0], "--app", "wsgi"] and command[0].endswith("/bin/flask")
        # The same command with --help, through the runbook's wrapper and the stack's settings: it is known.
        result = stack.flask(*command[3:], "--help")
        assert "Usage:" in result.stdout, result.stdout


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
@pytest.mark.parametrize("timer", TIMERS, ids=lambda path: path.name)
def test_each_schedule_is_one_systemd_understands(timer):
    schedule = re.search(r"^OnCalendar=(.+)$", timer.read_text(), re.M).group(1)
    result = subprocess.run(["systemd-analyze", "calendar", schedule], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "Next elapse:" in result.stdout


def test_every_service_reads_the_environment_file_and_runs_as_the_tracker_user():
    for unit in UNITS.glob("*.service"):
        text = unit.read_text()
        assert "EnvironmentFile=/etc/tracker/tracker.env" in text, unit.name
        assert "User=tracker" in text and "WorkingDirectory=/opt/tracker/app" in text, unit.name
        assert "NoNewPrivileges=yes" in text and "ProtectSystem=strict" in text, unit.name
