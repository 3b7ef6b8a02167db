"""Through nginx, as a browser reaches a council's server: health, headers, signing in, booking, the invitation by
email, and the sign-in limits seen per real client address and shared by both gunicorn processes."""

from __future__ import annotations

import json
import re
import time

import requests

from deploy.check.stack import DEMO_PASSWORD, Stack

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SESSION_LINK = re.compile(r'href="/sessions/(\d+)"')
STAFF = "tom.walker@barnet.example"
WRONG = "not the right password at all"
SECURITY_HEADERS = [
    "Content-Security-Policy",
    "Strict-Transport-Security",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "Permissions-Policy",
]


def csrf(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(
    stack: Stack, client: requests.Session, email: str, password: str, token: str | None = None, **headers
) -> requests.Response:
    if token is None:
        token = csrf(client.get(stack.base_url + "/sign-in", timeout=30).text)
    return client.post(
        stack.base_url + "/sign-in",
        data={"email": email, "password": password, "csrf_token": token},
        headers=headers,
        allow_redirects=False,
        timeout=60,
    )


def access_log(stack: Stack, *request_ids: str) -> dict[str, dict]:
    """nginx's JSON access log of the site, by request id, once it holds `request_ids` (nginx writes a line just
    after it has answered)."""
    deadline = time.monotonic() + 10
    while True:
        lines = (stack.workdir / "logs" / "tracker.access.log").read_text().splitlines()
        logged = {entry["request_id"]: entry for entry in map(json.loads, lines)}
        if all(request_id in logged for request_id in request_ids) or time.monotonic() > deadline:
            return logged
        time.sleep(0.1)


def test_health_and_readiness_answer_through_nginx_and_are_never_redirected(stack):
    client = stack.client()
    assert client.get(stack.base_url + "/healthz", timeout=10).json() == {"status": "ok"}
    ready = client.get(stack.base_url + "/readyz", timeout=10)
    assert ready.status_code == 200, ready.text
    checks = ready.json()["checks"]
    assert checks["database"]["ok"] and checks["migrations"]["ok"]
    assert checks["outbox_worker"]["ok"] and checks["outbox_worker"]["workers_alive"] >= 1
    assert set(checks["outbox_backlog"]) >= {"due", "oldest_due_seconds"}

    plain = f"http://127.0.0.1:{stack.http_port}"
    assert client.get(plain + "/healthz", allow_redirects=False, timeout=10).status_code == 200
    moved = client.get(plain + "/sign-in", allow_redirects=False, timeout=10)
    assert moved.status_code == 301 and moved.headers["Location"].startswith("https://")

    # Straight to gunicorn, with no proxy saying the request came over HTTPS: TRACKER_FORCE_HTTPS redirects every
    # page, but never the health checks.
    direct = f"http://127.0.0.1:{stack.web_ports[0]}"
    assert client.get(direct + "/healthz", allow_redirects=False, timeout=10).status_code == 200
    assert client.get(direct + "/readyz", allow_redirects=False, timeout=10).status_code == 200
    assert client.get(direct + "/sign-in", allow_redirects=False, timeout=10).status_code == 308


def test_security_headers_are_sent_once_and_static_files_come_from_nginx(stack):
    client = stack.client()
    page = client.get(stack.base_url + "/sign-in", timeout=10)
    assert page.status_code == 200
    for name in SECURITY_HEADERS:
        assert len(page.raw.headers.getlist(name)) == 1, f"{name}: {page.raw.headers.getlist(name)}"
    assert page.headers["Server"] == "nginx"  # no version
    assert "Secure" in page.headers["Set-Cookie"]
    request_id = page.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)  # nginx's $request_id, passed on by the app
    logged = access_log(stack, request_id)[request_id]
    assert logged["client"] == "127.0.0.1" and logged["status"] == 200

    links = re.findall(r'(?:href|src)="(/(?:static|vendor)/[^"]+)"', page.text)
    assert links and all("?v=" in link for link in links), links
    for link in links:
        served = client.get(stack.base_url + link, timeout=10)
        assert served.status_code == 200, link
        assert "X-Request-Id" not in served.headers, f"{link} came from the app, not nginx"
        assert served.raw.headers.getlist("Cache-Control") == ["public, max-age=31536000, immutable"]
        assert len(served.raw.headers.getlist("Strict-Transport-Security")) == 1
    font_css = client.get(stack.base_url + links[0], timeout=10).text
    font = re.search(r"/assets/fonts/[^)\"']+\.woff2", font_css)
    assert font and client.get(stack.base_url + font.group(0), timeout=10).status_code == 200


def test_a_person_signs_in_books_and_gets_the_invitation_by_email(stack):
    client = stack.client("127.0.0.20")
    assert sign_in(stack, client, STAFF, DEMO_PASSWORD).status_code == 302
    listing = client.get(stack.base_url + "/sessions", timeout=30)
    before = len(stack.smtp.messages)
    for session_id in dict.fromkeys(SESSION_LINK.findall(listing.text)):
        page = client.get(f"{stack.base_url}/sessions/{session_id}", timeout=30)
        if f"/sessions/{session_id}/book" in page.text and "Book a place" in page.text:  # not a waiting list
            break
    else:
        raise AssertionError("no session to book")
    booked = client.post(
        f"{stack.base_url}/sessions/{session_id}/book", data={"csrf_token": csrf(page.text)}, timeout=30
    )
    assert booked.status_code == 200 and "My training" in booked.text

    deadline = time.monotonic() + 60
    invite = None
    while invite is None and time.monotonic() < deadline:
        for message in stack.smtp.messages[before:]:
            if STAFF in message["To"] and any(p.get_content_type() == "text/calendar" for p in message.walk()):
                invite = message
        time.sleep(0.5)
    assert invite is not None, "the outbox worker did not send the invitation"
    calendar = next(p for p in invite.walk() if p.get_content_type() == "text/calendar")
    assert "METHOD:REQUEST" in calendar.get_content()
    text = next(p for p in invite.walk() if p.get_content_type() == "text/plain").get_content()
    assert stack.base_url in text  # links point at the public address (TRACKER_BASE_URL)


def test_strangers_mistyping_passwords_lock_nobody_else_out(stack):
    """25 addresses, one failure each: under the limit of 5 per address, so the 25th still gets the form back, and
    someone else signs in. Behind a proxy without TRACKER_PROXY_HOPS they would all be one address, locked."""
    for n in range(1, 26):
        response = sign_in(stack, stack.client(f"127.0.1.{n}"), f"stranger{n}@elsewhere.example", WRONG)
        assert response.status_code == 200, f"attempt {n}: {response.status_code}"
    assert sign_in(stack, stack.client("127.0.1.200"), STAFF, DEMO_PASSWORD).status_code == 302
    addresses = {row[0] for row in stack.sql("SELECT ip_address FROM audit_event WHERE action = 'auth.sign_in_failed'")}
    assert {f"127.0.1.{n}" for n in range(1, 26)} <= addresses  # the audit log names the real client


def test_six_failures_from_one_address_are_limited_across_both_processes(stack):
    client = stack.client("127.0.2.1")
    token = csrf(client.get(stack.base_url + "/sign-in", timeout=30).text)  # one page, then only the posts
    statuses, request_ids = [], []
    for n in range(1, 7):
        response = sign_in(stack, client, f"guess{n}@elsewhere.example", WRONG, token)
        statuses.append(response.status_code)
        request_ids.append(response.headers["X-Request-Id"])
    assert statuses == [200, 200, 200, 200, 200, 429]
    logged = access_log(stack, *request_ids)
    upstreams = {logged[request_id]["upstream"] for request_id in request_ids}
    assert len(upstreams) == 2, f"the attempts did not reach both gunicorn processes: {upstreams}"
    # Another address is not affected.
    assert sign_in(stack, stack.client("127.0.2.2"), "guess1@elsewhere.example", WRONG).status_code == 200


def test_a_forged_forwarded_for_does_not_move_a_clients_limit(stack):
    client = stack.client("127.0.3.1")
    statuses = [
        sign_in(
            stack, client, f"forger{n}@elsewhere.example", WRONG, **{"X-Forwarded-For": f"198.51.100.{n}"}
        ).status_code
        for n in range(1, 7)
    ]
    assert statuses == [200, 200, 200, 200, 200, 429]
    rows = stack.sql(
        "SELECT DISTINCT ip_address FROM audit_event WHERE actor_label LIKE 'forger%%' AND action = 'auth.sign_in_failed'"
    )
    assert rows == [("127.0.3.1",)]


def test_nginx_takes_the_bodies_the_app_takes_and_refuses_bigger_ones(stack):
    from config import Config

    site = (stack.workdir / "site.conf").read_text()
    megabytes = int(re.search(r"client_max_body_size (\d+)m;", site).group(1))
    assert megabytes * 1024 * 1024 == Config.MAX_CONTENT_LENGTH
    client = stack.client("127.0.5.1")
    too_big = client.post(stack.base_url + "/sign-in", data=b"x" * (Config.MAX_CONTENT_LENGTH + 1024), timeout=60)
    assert too_big.status_code == 413
    assert "X-Request-Id" not in too_big.headers  # nginx refused it before the app read a byte


def test_readiness_is_only_for_monitoring_addresses(stack):
    site = (stack.workdir / "site.conf").read_text()
    block = site[site.index("location = /readyz") :].split("}", 1)[0]
    assert "deny all;" in block and "allow 127.0.0.0/8;" in block
