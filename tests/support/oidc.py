"""A real OpenID Connect provider for tests: `oidc_provider.mjs` (npm `oidc-provider`) in a Node process.

`run_provider(...)` starts it on a free port, waits for its issuer line (well under a second), and always stops it.
"""

from __future__ import annotations

import json
import select
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("oidc_provider.mjs")
CLIENT_ID = "prevent-training-tracker"
CLIENT_SECRET = "test-only-client-secret"
START_SECONDS = 15


def node_available() -> bool:
    return shutil.which("node") is not None and (ROOT / "node_modules" / "oidc-provider").is_dir()


@contextmanager
def run_provider(
    *,
    redirect_uris: list[str],
    accounts: dict[str, dict] | None = None,
    default_tenant: str = "tenant-council",
    slow_code_prefix: str | None = None,
) -> Iterator[str]:
    """Run the provider; yields its issuer URL (`http://127.0.0.1:PORT`). Its log is kept in a temporary file
    and printed if it fails to start."""
    options = {
        "client": {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": redirect_uris},
        "accounts": accounts or {},
        "defaultTenant": default_tenant,
        "slowCodePrefix": slow_code_prefix,
    }
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(
            ["node", str(SCRIPT), json.dumps(options)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        try:
            ready, _, _ = select.select([process.stdout], [], [], START_SECONDS)
            line = process.stdout.readline() if ready else ""
            if not line:
                process.kill()
                process.wait()
                log.seek(0)
                raise RuntimeError(f"the OpenID provider did not start:\n{log.read()[-3000:]}")
            yield json.loads(line)["issuer"]
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            process.stdout.close()


def provider_settings(name: str, issuer: str, **variables: str) -> dict[str, str]:
    """`OIDC_*` settings for one provider at `issuer`, as the environment would give them."""
    prefix = f"OIDC_{name.upper()}_"
    settings = {
        "OIDC_PROVIDERS": name,
        prefix + "METADATA_URL": f"{issuer}/.well-known/openid-configuration",
        prefix + "CLIENT_ID": CLIENT_ID,
        prefix + "CLIENT_SECRET": CLIENT_SECRET,
    }
    settings.update({prefix + key: value for key, value in variables.items()})
    return settings
