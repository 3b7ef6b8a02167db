"""`make run`: serve the app, and send mail from the outbox in the background when SMTP is configured.

Once the server listens, a banner says where (following --host and --port, i.e. HOST and PORT) and how to sign in.

Demo email links point at the server started here (TRACKER_BASE_URL follows --host and --port unless set), and
stopping this process (Ctrl-C, or SIGTERM/SIGHUP from whatever started it) stops the server and worker it started.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time


def _stop_on_signal(signum, _frame) -> None:
    raise SystemExit(128 + signum)


def _stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_until_listening(host: str, port: int, server: subprocess.Popen, *, timeout: float = 120) -> bool:
    """True once something accepts connections on host:port; False if the server exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with socket.create_connection((host, port), timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def banner(url: str) -> str:
    """What `make run` prints once it serves: the address, and the demo sign-in to try first."""
    from tracker.demo.data import ACCOUNTS
    from tracker.demo.records import DEMO_PASSWORD

    coordinator = next(account for account in ACCOUNTS if account.role == "coordinator")
    return (
        f"Prevent Training Tracker is running at {url}/ — sign in as {coordinator.email} (password {DEMO_PASSWORD});"
        " every demo sign-in is listed above. Press Ctrl-C to stop."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="5000")
    args = parser.parse_args()
    shown_host = "127.0.0.1" if args.host in ("0.0.0.0", "", "::") else args.host  # noqa: S104
    os.environ["PORT"] = str(args.port)
    os.environ.setdefault("TRACKER_BASE_URL", f"http://{shown_host}:{args.port}")
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop_on_signal)
    worker = server = None
    try:
        if os.environ.get("MAIL_SERVER"):
            worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "work"])
        else:
            print("No MAIL_SERVER set: emails stay in the outbox; the coordinator can read them on the Outbox page.")
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--host", args.host, "--port", str(args.port)]
        )
        if wait_until_listening(shown_host, int(args.port), server):
            print(banner(f"http://{shown_host}:{args.port}"), flush=True)
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        _stop(server)
        _stop(worker)


if __name__ == "__main__":
    main()
