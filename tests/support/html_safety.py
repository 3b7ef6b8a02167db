"""Markup planted in data, and the checks that it comes back out as text: in pages, emails, calendars, CSV.

`payload(label)` gives text that would run script, break out of an attribute, be evaluated as a template
or run as a spreadsheet formula if the service ever treated data as code. Each carries its label, so a
failure says which field leaked. `page_problems(html)` parses a page and names anything a payload could
have produced: a script without a `src` (other than JSON data), an `on…` handler attribute, an image of
`src="x"`, a `javascript:` address, or the value of a template expression. `crawl` visits every page a
signed-in client can reach from the home page by links (GET only: GET never changes anything here).
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

#: What `{{ 7*7777 }}` would become if a template evaluated it.
TEMPLATE_RESULT = "54439"
#: The part of a formula payload that a spreadsheet would run.
FORMULA = '=HYPERLINK("http://evil.example/","open me")'


def payload(label: str, kind: int = 0) -> str:
    """Markup carrying `label`, one of four kinds (kept under 100 characters, the shortest name column)."""
    kinds = [
        f'<script>alert("{label}")</script>',
        f'"><img src=x onerror=alert("{label}")>',
        f"{{{{7*7777}}}} {label}",
        f'=HYPERLINK("http://evil.example/{label}","{label}")',
    ]
    return kinds[kind % len(kinds)]


class _Scan(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []
        self.links: list[str] = []
        self._json: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>: an event handler attribute")
            if value and value.strip().lower().startswith(("javascript:", "vbscript:")):
                self.problems.append(f"<{tag} {name}={value!r}>: a script address")
            if value:
                self.text.append(value)
        if tag == "script":
            if values.get("type") == "application/json":
                self._json = []
            elif not values.get("src"):
                self.problems.append("<script> without src: inline script")
        if tag == "img" and values.get("src") == "x":
            self.problems.append('<img src="x">: markup from data became an element')
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._json is not None:
            try:
                json.loads("".join(self._json))
            except ValueError:
                self.problems.append("<script type=application/json> that is not JSON")
            self._json = None

    def handle_data(self, data: str) -> None:
        if self._json is not None:
            self._json.append(data)
        self.text.append(data)


@dataclass
class Scanned:
    problems: list[str]
    text: str
    links: list[str]


def scan(html: str) -> Scanned:
    scanner = _Scan()
    scanner.feed(html)
    scanner.close()
    text = "\n".join(scanner.text)
    problems = list(scanner.problems)
    if TEMPLATE_RESULT in html:
        problems.append(f"{TEMPLATE_RESULT}: a template expression in data was evaluated")
    return Scanned(problems, text, scanner.links)


#: Links the crawl does not follow: front-end files, and signing out (a POST anyway).
SKIPPED_PREFIXES = ("/static/", "/vendor/", "/assets/", "/sign-out", "/api/")


@dataclass
class Visit:
    url: str
    status: int
    content_type: str
    body: str


def crawl(client, *, start: str = "/", depth: int = 3, limit: int = 150) -> list[Visit]:
    """Every page reachable from `start` by same-site links within `depth` clicks (at most `limit`), GET only."""
    seen = {start}
    queue: deque[tuple[str, int]] = deque([(start, 0)])
    visits: list[Visit] = []
    while queue and len(visits) < limit:
        url, level = queue.popleft()
        response = client.get(url)
        content_type = response.headers.get("Content-Type", "")
        is_text = content_type.startswith("text/") or "json" in content_type
        body = response.get_data(as_text=True) if is_text else ""  # a workbook or a PDF is not text
        visits.append(Visit(url, response.status_code, content_type, body))
        if level >= depth or not content_type.startswith("text/html"):
            continue
        for href in scan(body).links:
            target = urldefrag(href)[0]
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(SKIPPED_PREFIXES):
                continue
            if target not in seen:
                seen.add(target)
                queue.append((target, level + 1))
    return visits
