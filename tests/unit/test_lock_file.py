"""requirements.lock (what servers install, `make lock`) holds every production dependency of pyproject.toml at the
version pinned there, each with its hashes: a dependency added without `make lock` fails here, not on a server."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def locked() -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) from requirements.lock."""
    text = (ROOT / "requirements.lock").read_text()
    entries = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = re.match(r"([A-Za-z0-9_.\-]+)==([^\s\\]+)", block)
        if match:
            entries[canonicalize_name(match.group(1))] = (match.group(2), block.count("--hash=sha256:"))
    return entries


def test_every_production_dependency_is_locked_at_its_pinned_version_with_hashes():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lock = locked()
    assert lock
    for line in project["dependencies"]:
        requirement = Requirement(line)
        (pinned,) = [spec.version for spec in requirement.specifier if spec.operator == "=="]
        version, _ = lock.get(canonicalize_name(requirement.name), (None, 0))
        assert version == pinned, f"{requirement.name}: pyproject {pinned}, lock {version}: run `make lock`"
    assert all(hashes > 0 for _, hashes in lock.values())


def test_development_tools_stay_out_of_the_servers_lock():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lock = locked()
    for line in project["optional-dependencies"]["dev"]:
        name = canonicalize_name(Requirement(line).name)
        assert name not in lock, name
