"""Pages of long lists, for the web pages and the API alike: `paginate` runs one page of an ordered statement,
and `Page.pagination()` gives the GOV.UK pagination links."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from typing import Any

from flask import request, url_for
from sqlalchemy import Select, func, select

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
        args = {**(request.view_args or {}), **request.args.to_dict(), **link_args}

        def href(number: int) -> str:
            return url_for(request.endpoint, **{**args, param: number})  # type: ignore[arg-type]

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
    clamp_to_last_page: bool = True,
) -> Page:
    """Page `number` (default: the `page` query argument) of an ordered statement.

    Items are the first selected thing of each row (`scalars`), else the rows themselves (for statements selecting
    several things, read by position or by name). The total comes with the page's rows (`count(*) OVER ()`,
    counted before LIMIT), so a page is one query; a count of its own is run only for a page past the end and for
    a DISTINCT statement (where the window would count the rows before DISTINCT). Past the end, a web page shows
    the last page; the API (`clamp_to_last_page=False`) answers no items, and the total.
    """
    number = number or page_number()
    if not statement._distinct:
        result = db.session.execute(_limited(statement.add_columns(func.count().over()), number, per_page))
        if scalars:
            rows = result.unique().all()  # unique: an entity with joined collections comes once
            items = [row[0] for row in rows]
        else:
            frozen = result.freeze()
            rows = frozen().all()
            items = frozen().columns(*range(len(rows[0]) - 1)).all() if rows else []  # all but the total
        if rows or number == 1:
            return Page(items=items, total=rows[0][-1] if rows else 0, number=number, per_page=per_page)
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
    if clamp_to_last_page:
        number = min(number, max(1, ceil(total / per_page)))
    result = db.session.execute(_limited(statement, number, per_page))
    items = result.unique().scalars().all() if scalars else result.all()
    return Page(items=list(items), total=total, number=number, per_page=per_page)


def _limited(statement: Select, number: int, per_page: int) -> Select:
    return statement.limit(per_page).offset((number - 1) * per_page)
