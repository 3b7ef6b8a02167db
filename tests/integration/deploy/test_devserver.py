"""`make run`'s server (tracker.devserver): its links follow its port, and stopping it stops the server it started."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from tests.support.smtp import free_port

ROOT = Path(__file__).resolve().parents[3]


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def port_closed(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def test_stopping_make_run_stops_its_server(tmp_path):
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "TRACKER_ENV": "development",
        "SECRET_KEY": "dev-test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tracker.devserver", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not answers(port):
            assert process.poll() is None and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
        deadline = time.monotonic() + 10
        while not port_closed(port):
            assert time.monotonic() < deadline, "the server started by make run outlived it"
            time.sleep(0.2)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_make_run_says_where_it_serves_once_it_listens(tmp_path):
    """The banner names the port the server listens on (PORT), only once it answers there, with a sign-in."""

    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "TRACKER_ENV": "development",
        "SECRET_KEY": "dev-test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tracker.devserver", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    # A thread reads the output: readline on a pipe that stays open would block the test.
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    printed: list[str] = []
    try:
        deadline = time.monotonic() + 90
        while not any("is running at" in line for line in printed):
            assert time.monotonic() < deadline and process.poll() is None, f"no banner; printed: {printed}"
            with contextlib.suppress(queue.Empty):
                printed.append(lines.get(timeout=1))
        banner = next(line for line in printed if "is running at" in line)
        assert f"Prevent Training Tracker is running at http://127.0.0.1:{port}/" in banner
        assert "sam.rosengard@barnet.example" in banner and "prevent-demo-2026" in banner
        assert answers(port)  # it said so only once the server listened
        assert len(printed) <= 4  # among the first lines, not lost in the request log
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
