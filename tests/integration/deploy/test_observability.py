"""Request ids on every response and log line, JSON logs, and Sentry events with nothing personal in them."""

from __future__ import annotations

import gzip
import http.server
import json
import logging
import threading
import time

import pytest
import sentry_sdk

from tracker.common import observability
from tracker.main import routes


def test_every_response_carries_a_request_id_and_a_proxys_id_is_kept(client):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert len(first.headers["X-Request-Id"]) == 32 and first.headers["X-Request-Id"] != second.headers["X-Request-Id"]
    given = "0123456789abcdef0123456789abcdef"
    assert client.get("/healthz", headers={"X-Request-Id": given}).headers["X-Request-Id"] == given
    odd = client.get("/healthz", headers={"X-Request-Id": "<script>"}).headers["X-Request-Id"]
    assert odd != "<script>" and len(odd) == 32


def test_a_json_log_line_names_the_request(app, client, caplog):
    with caplog.at_level(logging.INFO, logger="tracker.request"):
        response = client.get("/calendar/a-secret-token.ics?x=jo@example.org")
    record = next(r for r in caplog.records if r.name == "tracker.request")
    record.request_id = getattr(record, "request_id", None)
    observability.RequestIdFilter().filter(record)
    line = json.loads(observability.JsonFormatter().format(record))
    assert line["request_id"] == response.headers["X-Request-Id"]
    assert line["level"] == "INFO" and line["route"] == "/calendar/<token>.ics" and line["method"] == "GET"
    assert "a-secret-token" not in json.dumps(line) and "jo@example.org" not in json.dumps(line)


def test_outside_a_request_the_id_is_a_dash():
    record = logging.LogRecord("tracker", logging.INFO, __file__, 1, "worker started", None, None)
    observability.RequestIdFilter().filter(record)
    assert json.loads(observability.JsonFormatter().format(record))["request_id"] == "-"


class Collector(http.server.BaseHTTPRequestHandler):
    bodies: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        Collector.bodies.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_server():
    server = http.server.HTTPServer(("127.0.0.1", 0), Collector)
    Collector.bodies = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_an_error_goes_to_sentry_without_personal_data(app, sentry_server, monkeypatch):
    app.config["SENTRY_DSN"] = f"http://publickey@127.0.0.1:{sentry_server}/1"
    observability.init_sentry(app)
    try:

        def broken():
            raise RuntimeError("could not book jo.bloggs@example.org")

        monkeypatch.setattr(routes, "check_readiness", broken)
        client = app.test_client()
        client.set_cookie("tracker_session", "a-signed-in-cookie")
        response = client.get("/readyz?email=jo.bloggs@example.org", headers={"Authorization": "Bearer tok-123"})
        assert response.status_code == 500
        sentry_sdk.flush(timeout=10)
        deadline = time.monotonic() + 10
        while not Collector.bodies and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.init(dsn=None)
    sent = b"".join(Collector.bodies).decode("utf-8", "replace")
    assert "RuntimeError" in sent and "could not book [email]" in sent
    assert response.headers["X-Request-Id"] in sent  # the tag that finds the log lines
    for secret in ("jo.bloggs@example.org", "a-signed-in-cookie", "tok-123", "email="):
        assert secret not in sent, (secret, sent[max(0, sent.find(secret) - 300) : sent.find(secret) + 100])
