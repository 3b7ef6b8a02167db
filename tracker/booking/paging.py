"""Pages of a list for the web pages: one count and one page query, and GOV.UK pagination links."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request, url_for
from sqlalchemy import Select, func, select

from tracker.extensions import db


@dataclass
class Page:
    items: list[Any]
    total: int
    number: int
    per_page: int

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)

    @property
    def first_index(self) -> int:
        """1-based position of the first item shown (0 when there are none)."""
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.items) - 1 if self.items else 0

    def pagination(self, *, param: str = "page", **link_args) -> dict | None:
        """Params for govukPagination linking to the current endpoint, or None when one page is enough.

        `link_args` are kept in every link (filters); `param` names the page-number argument.
        """
        if self.pages <= 1:
            return None
        args = {**request.args.to_dict(), **link_args}

        def href(number: int) -> str:
            return url_for(request.endpoint, **{**(request.view_args or {}), **args, param: number})

        items: list[dict] = []
        shown = sorted({1, self.pages, self.number - 1, self.number, self.number + 1} & set(range(1, self.pages + 1)))
        previous = 0
        for number in shown:
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


def paginate(statement: Select, *, number: int, per_page: int = 25) -> Page:
    """One page of `statement` (already ordered): a count query and a page query."""
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
    pages = max((total + per_page - 1) // per_page, 1)
    number = min(number, pages)
    items = list(db.session.scalars(statement.limit(per_page).offset((number - 1) * per_page)).unique())
    return Page(items=items, total=total, number=number, per_page=per_page)
