"""`make run`: serve the app, and send mail from the outbox in the background when SMTP is configured."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="5000")
    args = parser.parse_args()
    worker = None
    if os.environ.get("MAIL_SERVER"):
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "work"])
    else:
        print("No MAIL_SERVER set: emails stay in the outbox; the coordinator can read them on the Outbox page.")
    try:
        subprocess.call(  # noqa: S603
            [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--host", args.host, "--port", args.port]
        )
    finally:
        if worker is not None:
            worker.terminate()


if __name__ == "__main__":
    main()
