"""Pages of long lists for the web pages: one count and one page query, and GOV.UK pagination links."""

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
    def first(self) -> int:
        """1-based position of the first item shown (0 when there are none)."""
        return 0 if not self.items else (self.number - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0


def requested_page() -> int:
    """The `page` query argument, 1 if missing or nonsense."""
    try:
        number = int(request.args.get("page", "1"))
    except ValueError:
        return 1
    return min(max(number, 1), 1_000_000)


def paginate(statement: Select, *, page: int | None = None, per_page: int = PER_PAGE, scalars: bool = True) -> Page:
    """One page of an ordered statement: two queries (count, page), whatever the total.

    `scalars` False returns rows (for statements selecting several things, e.g. (Person, path)).
    """
    page = page or requested_page()
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
    pages = max(1, ceil(total / per_page))
    page = min(page, pages)
    result = db.session.execute(statement.limit(per_page).offset((page - 1) * per_page))
    items = list(result.scalars()) if scalars else [tuple(row) for row in result]
    return Page(items=items, total=total, number=page, per_page=per_page)


def _page_url(number: int) -> str:
    args = request.args.to_dict()
    args["page"] = str(number)
    return url_for(request.endpoint, **(request.view_args or {}), **args)  # type: ignore[arg-type]


def pagination(page: Page) -> dict[str, Any] | None:
    """Parameters for govukPagination (None when everything fits on one page)."""
    if page.pages <= 1:
        return None
    numbers = sorted({1, page.pages, *range(max(1, page.number - 2), min(page.pages, page.number + 2) + 1)})
    items: list[dict[str, Any]] = []
    previous = 0
    for number in numbers:
        if number - previous > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": _page_url(number), "current": number == page.number})
        previous = number
    params: dict[str, Any] = {"items": items, "landmarkLabel": "Pages"}
    if page.number > 1:
        params["previous"] = {"href": _page_url(page.number - 1)}
    if page.number < page.pages:
        params["next"] = {"href": _page_url(page.number + 1)}
    return params
