"""Production refuses to start on a configuration mistake, naming it: `import wsgi` (what gunicorn and every
`flask --app wsgi` command do) and gunicorn with the shipped configuration, each in a process of its own with
the environment of a real server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from config import EXAMPLE_COUNCIL
from tests.support.smtp import free_port

ROOT = Path(__file__).resolve().parents[3]
CONFIG_SOURCE = (ROOT / "config.py").read_text()


@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    """A complete production environment (the database an SQLite file: these processes only start)."""
    return {
        "PATH": os.environ["PATH"],
        "TRACKER_ENV": "production",
        "SECRET_KEY": "a-secret-for-this-test-only",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
        "TRACKER_BASE_URL": "https://training.example.gov.uk",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        **EXAMPLE_COUNCIL,
    }


def start_app(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_a_complete_production_environment_starts(production_env):
    result = start_app(production_env)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("unset", "named"),
    [
        ("SECRET_KEY", "SECRET_KEY is not set"),
        ("DATABASE_URL", "DATABASE_URL is not set"),
        ("TRACKER_BASE_URL", "TRACKER_BASE_URL is not set"),
        ("REDIS_URL", "REDIS_URL is not set"),
        ("TRACKER_COUNCIL_NAME", "TRACKER_COUNCIL_NAME is not set"),
        ("TRACKER_COUNCIL_EMAIL", "TRACKER_COUNCIL_EMAIL is not set"),
        ("TRACKER_DPO_EMAIL", "TRACKER_DPO_EMAIL is not set"),
        ("TRACKER_COUNCIL_ADDRESS", "TRACKER_COUNCIL_ADDRESS is not set"),
    ],
)
def test_production_refuses_to_start_without(production_env, unset, named):
    del production_env[unset]
    result = start_app(production_env)
    assert result.returncode != 0
    assert "ConfigurationError" in result.stderr and named in result.stderr


def test_one_process_may_run_without_redis_when_it_says_so(production_env):
    del production_env["REDIS_URL"]
    production_env["TRACKER_SINGLE_PROCESS"] = "1"
    result = start_app(production_env)
    assert result.returncode == 0, result.stderr


def gunicorn(env: dict[str, str]) -> subprocess.CompletedProcess:
    """The web unit's command line (deploy/systemd/tracker-web@.service), on a free port."""
    unit = (ROOT / "deploy" / "systemd" / "tracker-web@.service").read_text()
    command = re.search(r"^ExecStart=(.*)$", unit, re.M).group(1)
    command = command.replace("/opt/tracker/venv/bin/", str(Path(sys.executable).parent) + "/")
    command = command.replace("/opt/tracker/app", str(ROOT)).replace("%i", str(free_port()))
    return subprocess.run(command.split(), cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_gunicorn_refuses_before_forking_a_worker(production_env):
    del production_env["DATABASE_URL"]
    result = gunicorn(production_env)
    assert result.returncode != 0
    assert "DATABASE_URL is not set" in result.stderr and "Booting worker" not in result.stderr


def test_gunicorn_refuses_one_process_promised_and_several_workers(production_env):
    del production_env["REDIS_URL"]
    production_env.update(TRACKER_SINGLE_PROCESS="1", WEB_CONCURRENCY="3")
    result = gunicorn(production_env)
    assert result.returncode != 0
    assert "TRACKER_SINGLE_PROCESS=1 but WEB_CONCURRENCY is 3" in result.stderr


def environment_variables() -> set[str]:
    names = set(re.findall(r"""(?:environ\.get|_bool|_int)\(\s*["']([A-Z][A-Z0-9_]+)["']""", CONFIG_SOURCE))
    return names - {"TRACKER_NODE_MODULES", "PORT"}  # development only


def test_every_variable_is_in_the_environment_template_and_the_readme():
    template = (ROOT / "deploy" / "tracker.env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    names = environment_variables()
    assert len(names) > 30
    assert sorted(n for n in names if not re.search(rf"^{n}=", template, re.M)) == []
    assert sorted(n for n in names if f"`{n}`" not in readme) == []


def test_make_run_links_follow_its_port():
    result = subprocess.run(
        [sys.executable, "-c", "from config import DevelopmentConfig as C; print(C.TRACKER_BASE_URL)"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "PORT": "5077"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "http://127.0.0.1:5077"
