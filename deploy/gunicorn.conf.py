"""gunicorn settings for the tracker (`gunicorn --config deploy/gunicorn.conf.py --bind ADDRESS wsgi:app`).

The systemd unit `tracker-web@.service` runs exactly that, one unit per port; nginx spreads requests over them.
Everything a council may tune comes from the environment file (/etc/tracker/tracker.env), as the app's settings do.
"""

import os
import sys

# Sync workers: each request has a process to itself. nginx buffers slow clients and uploads in front of them,
# so a worker is never held by a slow connection. Two to four per core is the usual start; see docs/deploy.md.
worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
bind = os.environ.get("TRACKER_BIND", "127.0.0.1:8001")  # the unit passes --bind, which wins
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))  # the board report's Excel export is the slowest page
graceful_timeout = 30
keepalive = 5  # nginx keeps connections to the upstream open (proxy_http_version 1.1)
# Recycle workers now and then so a slow leak never grows unbounded; the jitter keeps them from all restarting
# at once.
max_requests = 2000
max_requests_jitter = 200
proc_name = "tracker-web"
# gunicorn's control socket (gunicornc) would sit in the service user's home, which the unit keeps read-only;
# systemctl reload/restart does what it offers.
control_socket_disable = True

# The client's address and scheme come from the app's ProxyFix, set by TRACKER_PROXY_HOPS: one setting decides
# how far X-Forwarded-For and X-Forwarded-Proto are believed, so gunicorn is told to believe neither itself.
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}

# Logs: gunicorn's own lines as JSON on standard error (journald keeps them), like the app's. No access log here:
# nginx logs every request with its request id, and the app logs one line per request with the same id.
accesslog = None
errorlog = "-"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "tracker.common.observability.RequestIdFilter"}},
    "formatters": {"json": {"()": "tracker.common.observability.JsonFormatter"}},
    "handlers": {
        "error_console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "formatter": "json",
            "filters": ["request_id"],
        }
    },
    # The app (tracker.common.observability) puts its own JSON handler on the root logger in each worker.
    "root": {"level": "INFO", "handlers": []},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
    },
}


def on_starting(server):
    """Refuse to start on a configuration mistake before any worker forks, with the reasons on one screen."""
    sys.path.insert(0, os.getcwd())
    from config import config_from_environment

    config = config_from_environment()()
    problems = config.problems() if config.ENV_NAME == "production" else []
    if config.TRACKER_SINGLE_PROCESS and server.cfg.workers > 1:
        problems.append(
            f"TRACKER_SINGLE_PROCESS=1 but WEB_CONCURRENCY is {server.cfg.workers}: rate limits would be counted"
            " per process. Set REDIS_URL, or WEB_CONCURRENCY=1."
        )
    if problems:
        for problem in problems:
            server.log.error("Configuration: %s", problem)
        sys.exit("tracker: the configuration is not safe to start (see the lines above and docs/deploy.md)")
