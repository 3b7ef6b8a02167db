"""Shared API pieces: pagination arguments and envelope, and turning service errors into API errors."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from sqlalchemy import Select, func, select

from tracker.extensions import db

MAX_PER_PAGE = 500


class PageArgs(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=1_000_000))
    per_page = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=MAX_PER_PAGE))


def page_of(statement: Select, args: dict[str, Any]) -> dict[str, Any]:
    """{"items": [...], "total": N} for one page of `statement` (which must already be ordered)."""
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
    page, per_page = args["page"], args["per_page"]
    items = db.session.scalars(statement.limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": items, "total": total}


def list_schema(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A schema for {"items": [item, ...], "total": N}."""
    return ma.Schema.from_dict(
        {
            "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
            "total": ma.fields.Integer(required=True),
        },
        name=name,
    )
