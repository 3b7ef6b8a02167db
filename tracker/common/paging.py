"""Pages of long lists for the web pages: one query per page (its rows carry the total), and GOV.UK pagination
links."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from math import ceil
from typing import Any

from flask import request
from sqlalchemy import Integer, Select, bindparam, func, select

from tracker.common.urls import query_number_url
from tracker.extensions import db

PER_PAGE = 50


@dataclass
class Page:
    items: list[Any]
    total: int
    number: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def first_index(self) -> int:
        """1-based position of the first item shown (0 when there are none)."""
        return 0 if not self.items else (self.number - 1) * self.per_page + 1

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.items) - 1 if self.items else 0

    def pagination(self, *, param: str = "page", **link_args: Any) -> dict[str, Any] | None:
        """Params for govukPagination linking to the current page's endpoint (None when one page is enough).

        The current query arguments (filters) and `link_args` are kept in every link; `param` names the
        page-number argument (a page with two lists uses two).
        """
        if self.pages <= 1:
            return None
        args = {**request.args.to_dict(), **link_args}
        href = query_number_url(request.endpoint, param, **{**(request.view_args or {}), **args})  # type: ignore[arg-type]

        numbers = sorted({1, self.pages, *range(max(1, self.number - 2), min(self.pages, self.number + 2) + 1)})
        items: list[dict[str, Any]] = []
        previous = 0
        for number in numbers:
            if number - previous > 1:
                items.append({"ellipsis": True})
            items.append({"number": number, "href": href(number), "current": number == self.number})
            previous = number
        params: dict[str, Any] = {"items": items, "landmarkLabel": "Pages"}
        if self.number > 1:
            params["previous"] = {"href": href(self.number - 1)}
        if self.number < self.pages:
            params["next"] = {"href": href(self.number + 1)}
        return params


def page_number(name: str = "page") -> int:
    """The page asked for in the query string; anything odd is page 1."""
    value = request.args.get(name, "1")
    return int(value) if value.isdigit() and 0 < int(value) < 1_000_000 else 1


def paginate(
    statement: Select,
    *,
    number: int | None = None,
    per_page: int = PER_PAGE,
    scalars: bool = True,
    parameters: dict[str, Any] | None = None,
    rows: bool = False,
) -> Page:
    """One page of an ordered statement, whatever the total: one query, the page's rows each carrying the total
    (`count(*) OVER ()`, counted before LIMIT); a second (a count) only when the page asked for is past the end
    or the statement is DISTINCT (where the window would count the rows before DISTINCT).

    `number` defaults to the `page` query argument; past the end it shows the last page. `scalars`
    False returns tuples (for statements selecting several things, e.g. (Person, path)); `rows` returns the
    result's rows themselves, whose columns are read by name (each also carries `page_total`); for a statement
    of columns only, run past the ORM as `read_rows` does (without flushing the session first). `parameters`
    are the values of the statement's bindparam()s (for statements built once and kept).
    """
    number = number or page_number()
    scalars = scalars and not rows
    if statement._distinct:
        return _paginate_with_count(statement, number, per_page, scalars, parameters or {}, rows)
    # A statement passed with its parameters is one built once: keep its counted and limited forms too.
    parameters_given = parameters is not None
    counted = _with_total(statement) if parameters_given else _add_total(statement)
    parameters = parameters or {}
    page_rows = list(_page_rows(counted, number, per_page, scalars, parameters, kept=parameters_given, rows=rows))
    if not page_rows and number > 1:  # past the end (or emptied since the link was made): the last page
        return _paginate_with_count(statement, number, per_page, scalars, parameters, rows)
    total = page_rows[0][-1] if page_rows else 0
    if rows:
        return Page(items=page_rows, total=total, number=number, per_page=per_page)
    items = [row[0] for row in page_rows] if scalars else [tuple(row[:-1]) for row in page_rows]
    return Page(items=items, total=total, number=number, per_page=per_page)


def _add_total(statement: Select) -> Select:
    """The statement with the total row count (before LIMIT) on every row."""
    return statement.add_columns(func.count().over().label("page_total"))


#: `_add_total` for statements built once and reused (the 32 most recently paged).
_with_total = lru_cache(maxsize=32)(_add_total)


@lru_cache(maxsize=32)
def _with_limits(statement: Select) -> Select:
    """The statement with LIMIT and OFFSET as parameters (for statements built once and reused: a statement
    made anew for every page costs SQLAlchemy its cache key each time)."""
    return statement.limit(bindparam("page_limit", type_=Integer)).offset(bindparam("page_offset", type_=Integer))


def _page_rows(
    statement: Select,
    number: int,
    per_page: int,
    scalars: bool,
    parameters: dict[str, Any],
    *,
    kept: bool = False,
    rows: bool = False,
):
    """The page's result: unique for `scalars`; for `rows` (columns only), run on the session's connection, past
    the ORM layer (as `read_rows`)."""
    offset = (number - 1) * per_page
    if kept:
        statement, parameters = _with_limits(statement), {**parameters, "page_limit": per_page, "page_offset": offset}
    else:
        statement = statement.limit(per_page).offset(offset)
    if rows:
        return db.session.connection().execute(statement, parameters)
    result = db.session.execute(statement, parameters)
    return result.unique() if scalars else result


def _paginate_with_count(
    statement: Select, number: int, per_page: int, scalars: bool, parameters: dict[str, Any], rows: bool = False
) -> Page:
    count = select(func.count()).select_from(statement.order_by(None).subquery())
    total = db.session.scalar(count, parameters) or 0
    number = min(number, max(1, ceil(total / per_page)))
    result = _page_rows(statement, number, per_page, scalars, parameters, rows=rows)
    items = list(result) if rows else list(result.scalars()) if scalars else [tuple(row) for row in result]
    return Page(items=items, total=total, number=number, per_page=per_page)
