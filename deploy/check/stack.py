"""The production stack on this machine, built from the files in deploy/ as a council's server runs them.

`Stack.start()` makes, in a temporary folder: a virtual environment holding exactly `requirements.lock` (hashes
checked, as the runbook installs it), a fresh PostgreSQL database, its own Redis server, an SMTP server in
this process, a self-signed certificate, the front-end files collected as at install time, an environment file
made from `deploy/tracker.env.example`, the schema (`tracker-flask db upgrade`), a first coordinator and the demo
data; then two gunicorn processes and the outbox worker started with the very command lines of the systemd units
(only the install paths and the port replaced), and nginx from Debian's package running the shipped site file
(only ports and paths replaced) as this user with its own prefix. `Stack.stop()` stops every process it started
and drops the database, whatever happened before.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import requests
from requests.adapters import HTTPAdapter

from tests.support.databases import create_postgres_database, drop_postgres_database
from tests.support.smtp import SmtpServer, free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DEV_VENV = ROOT / ".venv"
COORDINATOR = "it.lead@council.example"
PASSWORD = "a long passphrase for the stack test"
DEMO_PASSWORD = "prevent-demo-2026"


def unit_command(unit: str, *, instance: str = "", venv: Path = DEV_VENV) -> list[str]:
    """The ExecStart of a shipped systemd unit, with the install paths pointed at this checkout and `venv`."""
    text = (DEPLOY / "systemd" / unit).read_text()
    line = next(line for line in text.splitlines() if line.startswith("ExecStart="))
    command = line.removeprefix("ExecStart=").replace("%i", instance)
    command = command.replace("/opt/tracker/venv", str(venv)).replace("/opt/tracker/app", str(ROOT))
    return shlex.split(command)


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines as systemd's EnvironmentFile reads them (the value whole, spaces and all)."""
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value
    return values


class SourceAddress(HTTPAdapter):
    """Connect from a chosen local address: the whole of 127.0.0.0/8 is this machine, so each client of the test
    can come from its own address, as nginx sees it."""

    def __init__(self, source: str, **kwargs) -> None:
        self.source = source
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source, 0)
        return super().init_poolmanager(*args, **kwargs)


@dataclass
class Stack:
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="tracker-stack-")))
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    databases: list[str] = field(default_factory=list)
    smtp: SmtpServer = field(default_factory=SmtpServer)
    env: dict[str, str] = field(default_factory=dict)
    database_url: str = ""
    https_port: int = 0
    http_port: int = 0
    web_ports: tuple[int, int] = (0, 0)
    venv: Path = DEV_VENV

    # --- Reaching it ---------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def certificate(self) -> str:
        return str(self.workdir / "tls" / "cert.pem")

    def client(self, source: str = "127.0.0.1") -> requests.Session:
        session = requests.Session()
        session.trust_env = False  # no proxy from the environment, and our certificate rather than REQUESTS_CA_BUNDLE
        session.verify = self.certificate
        # A browser sends the page's address with a form (Referrer-Policy: same-origin); over HTTPS Flask-WTF
        # refuses a form without it.
        session.headers["Referer"] = self.base_url + "/"
        session.mount("https://", SourceAddress(source))
        session.mount("http://", SourceAddress(source))
        return session

    def flask(self, *args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        """`deploy/tracker-flask ARGS` as the runbook runs it, with this stack's environment file."""
        result = subprocess.run(
            [str(DEPLOY / "tracker-flask"), *args],
            env={
                "PATH": os.environ["PATH"],
                "TRACKER_RUN_AS": "",
                "TRACKER_ENV_FILE": str(self.workdir / "tracker.env"),
                "TRACKER_APP_DIR": str(ROOT),
                "TRACKER_VENV": str(self.venv),
            },
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"tracker-flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def sql(self, statement: str, *params) -> list[tuple]:
        conninfo = self.database_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(conninfo, autocommit=True) as connection:
            return connection.execute(statement, params).fetchall()

    # --- Starting ------------------------------------------------------------------------------------------

    def start(self) -> None:
        for folder in ("logs", "tmp", "tls", "redis"):
            (self.workdir / folder).mkdir()
        self.https_port, self.http_port = free_port(), free_port()
        self.web_ports = (free_port(), free_port())
        self._virtual_environment()
        self.smtp.start()
        self._redis()
        self.database_url = create_postgres_database("tracker_stack")
        self.databases.append(self.database_url)
        self._certificate()
        self._collect_static()
        self._environment_file()
        self._schema_and_data()
        for port in self.web_ports:
            self._spawn(f"web-{port}", unit_command("tracker-web@.service", instance=str(port), venv=self.venv))
        self._spawn("outbox", unit_command("tracker-outbox.service", venv=self.venv))
        self._nginx()
        self._wait_until_ready()

    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        with open(self.workdir / "logs" / f"{name}.log", "wb") as log:  # the child keeps its own copy
            process = subprocess.Popen(
                command, cwd=ROOT, env={"PATH": os.environ["PATH"], **self.env}, stdout=log, stderr=subprocess.STDOUT
            )
        self.processes[name] = process
        return process

    def _virtual_environment(self) -> None:
        """As the runbook installs it: a new virtual environment with exactly requirements.lock, hashes checked
        (TRACKER_STACK_VENV names one already made, to save the minute when running the check again)."""
        given = os.environ.get("TRACKER_STACK_VENV")
        if given:
            self.venv = Path(given)
            return
        self.venv = self.workdir / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(self.venv)], check=True, timeout=120)
        installed = subprocess.run(
            [
                str(self.venv / "bin" / "pip"),
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--require-hashes",
                "--no-deps",
                "-r",
                str(ROOT / "requirements.lock"),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert installed.returncode == 0, installed.stderr[-3000:]

    def _redis(self) -> None:
        port = free_port()
        self.redis_url = f"redis://127.0.0.1:{port}/0"
        self.processes["redis"] = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir / "redis"),
                "--logfile",
                str(self.workdir / "logs" / "redis.log"),
            ],
        )

    def _certificate(self) -> None:
        tls = self.workdir / "tls"
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
                "-keyout",
                str(tls / "key.pem"),
                "-out",
                str(tls / "cert.pem"),
            ],
            check=True,
            capture_output=True,
        )

    def _collect_static(self) -> None:
        subprocess.run(
            [str(self.venv / "bin" / "python"), "-m", "tracker.common.assets", str(self.workdir / "public")],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )

    def _environment_file(self) -> None:
        """The shipped template with this machine's values: the lines a council fills in, nothing else."""
        values = {
            "SECRET_KEY": "stack-test-" + os.urandom(16).hex(),
            "DATABASE_URL": self.database_url,
            "TRACKER_BASE_URL": self.base_url,
            "REDIS_URL": self.redis_url,
            "TRACKER_TRUSTED_HOSTS": "127.0.0.1",
            "TRACKER_STATIC_ROOT": str(self.workdir / "public"),
            "WEB_CONCURRENCY": "2",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(self.smtp.port),
            "MAIL_USE_TLS": "0",
            "MAIL_DEFAULT_SENDER": "prevent.training@council.example",
            "TRACKER_COUNCIL_NAME": "Stack Check Council",
            "TRACKER_COUNCIL_EMAIL": "prevent.training@council.example",
            "TRACKER_DPO_EMAIL": "data.protection@council.example",
            "TRACKER_COUNCIL_ADDRESS": "Town Hall, 1 High Street, Exampletown, EX1 1AA",
            # Small limits, so that the test shows them with a few requests.
            "LOGIN_LIMIT_PER_ADDRESS": "5 per 15 minutes",
            "LOGIN_LIMIT_PER_ACCOUNT": "5 per 15 minutes",
        }
        lines = []
        for line in (DEPLOY / "tracker.env.example").read_text().splitlines():
            key = line.partition("=")[0]
            if not line.startswith("#") and key in values:
                line = f"{key}={values.pop(key)}"
            lines.append(line)
        assert not values, f"the template lacks {sorted(values)}"
        (self.workdir / "tracker.env").write_text("\n".join(lines) + "\n")
        self.env = read_env_file(self.workdir / "tracker.env")

    def _schema_and_data(self) -> None:
        self.flask("db", "upgrade")
        self.flask("demo", "load")
        self.flask(
            "users", "create", COORDINATOR, "--name", "Iris Lead", "--role", "coordinator",
            "--organisation", "London Borough of Barnet", "--password-stdin",
            stdin=PASSWORD + "\n",
        )  # fmt: skip

    def _nginx(self) -> None:
        """nginx.conf of our own (prefix, pid, temp folders, logs) around the shipped site and snippets."""
        prefix = self.workdir
        substitutions = [
            (r"listen 80;", f"listen 127.0.0.1:{self.http_port};"),
            (r"listen 443 ssl http2;", f"listen 127.0.0.1:{self.https_port} ssl http2;"),
            (r"\s*listen \[::\]:\d+[^;]*;", ""),
            (r"server 127\.0\.0\.1:8001", f"server 127.0.0.1:{self.web_ports[0]}"),
            (r"server 127\.0\.0\.1:8002", f"server 127.0.0.1:{self.web_ports[1]}"),
            (r"/etc/ssl/certs/[^;]+\.pem", self.certificate),
            (r"/etc/ssl/private/[^;]+\.key", str(prefix / "tls" / "key.pem")),
            (r"/opt/tracker/public", str(prefix / "public")),
            (r"/var/log/nginx", str(prefix / "logs")),
            (r"/etc/nginx/snippets/", str(prefix) + "/"),
        ]
        site = (DEPLOY / "nginx" / "tracker.conf").read_text()
        for pattern, replacement in substitutions:
            site, count = re.subn(pattern, replacement, site)
            assert count, f"the shipped site has no {pattern!r}"
        (prefix / "site.conf").write_text(site)
        shutil.copy(DEPLOY / "nginx" / "tracker-proxy.conf", prefix / "tracker-proxy.conf")
        shutil.copy(DEPLOY / "nginx" / "tracker-log-format.conf", prefix / "tracker-log-format.conf")
        temp = prefix / "tmp"
        user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read the test's private folder
        (prefix / "nginx.conf").write_text(
            f"""{user}worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    access_log off;
    include {prefix}/tracker-log-format.conf;
    include {prefix}/site.conf;
}}
"""
        )
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        base = [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", str(prefix / "logs" / "error.log")]
        checked = subprocess.run([*base, "-t"], capture_output=True, text=True, check=False)
        assert checked.returncode == 0, checked.stderr
        self._spawn("nginx", [*base, "-g", "daemon off;"])

    def _wait_until_ready(self, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        client = self.client()
        last = None
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise AssertionError(f"{name} exited ({process.returncode}):\n{self.log(name)}")
            try:
                last = client.get(self.base_url + "/readyz", timeout=5)
                if last.status_code == 200:
                    return
            except requests.RequestException as error:
                last = error
            time.sleep(0.5)
        raise AssertionError(f"the stack was not ready in {seconds} s: {getattr(last, 'text', last)}")

    def log(self, name: str) -> str:
        path = self.workdir / "logs" / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    # --- Stopping ------------------------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop every process this stack started (nginx, gunicorn, worker, Redis), the SMTP server, the databases."""
        for name, process in reversed(list(self.processes.items())):
            if process.poll() is None:
                process.send_signal(signal.SIGQUIT if name == "nginx" else signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        self.smtp.stop()
        for url in self.databases:
            drop_postgres_database(url)
        if not os.environ.get("TRACKER_STACK_KEEP"):
            shutil.rmtree(self.workdir, ignore_errors=True)
