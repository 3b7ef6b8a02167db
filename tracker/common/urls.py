"""Links without a `url_for` each: `url_for` asks Werkzeug's URL map to build the address every time (about
10 µs here), and a table of twenty sessions with two links a row spent more on its links than on its data.

- `row_url(endpoint, key)`: a link per row of a long table. The address is built once, with a marker where the
  row's id goes, and each row only fills it in: `{% set session_url = row_url('booking.show_session',
  'session_id') %}` then `{{ session_url(s.id) }}`.
- `query_number_url(endpoint, key)`: the same for a number in the query string (pagination links).
- `fixed_url(endpoint)`: the layout's links, the same on every page, made once per script root.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, request, url_for

#: Stands in for the row's id while the address is built (an integer no row has, written nowhere else).
_MARKER = 918_273_645_546_372_819


def row_url(endpoint: str, key: str, **values: Any) -> Callable[[int], str]:
    """A function of one integer giving `url_for(endpoint, key=that integer, **values)`."""
    address = url_for(endpoint, **{key: _MARKER}, **values)
    head, marker, tail = address.partition(str(_MARKER))
    if not marker or str(_MARKER) in tail:
        raise ValueError(f"{endpoint}: {key} must appear once in the path, as an integer")

    def fill(row_id: int) -> str:
        return f"{head}{int(row_id)}{tail}"

    return fill


def query_number_url(endpoint: str, key: str, **values: Any) -> Callable[[int], str]:
    """A function of one integer giving `url_for(endpoint, **values, key=that integer)`, where `key` is a query
    argument (a page number): the links of a list's pagination. `key` goes last in the query string, so the
    marker is found there even if another value (copied from the request) holds the same digits."""
    values.pop(key, None)
    address = url_for(endpoint, **values, **{key: _MARKER})
    head, _, tail = address.rpartition(str(_MARKER))

    def fill(number: int) -> str:
        return f"{head}{int(number)}{tail}"

    return fill


#: Most layout links an app keeps (a handful are used; the bound only guards against a caller's mistake).
FIXED_URLS_KEPT = 256


def fixed_url(endpoint: str, **values: Any) -> str:
    """`url_for(endpoint, **values)` for the layout's links, which are the same on every page (stylesheets,
    scripts, footer links): made once for each address the app is served under (its script root). Kept per app,
    since an app's static links carry its own files' hashes (`tracker.common.assets`)."""
    known: dict = current_app.extensions.setdefault("tracker.fixed_urls", {})
    key = (request.script_root, endpoint, tuple(sorted(values.items())))
    address = known.get(key)
    if address is None:
        address = url_for(endpoint, **values)
        if len(known) < FIXED_URLS_KEPT:
            known[key] = address
    return address


def init_app(app: Flask) -> None:
    app.jinja_env.globals["row_url"] = row_url
    app.jinja_env.globals["fixed_url"] = fixed_url
