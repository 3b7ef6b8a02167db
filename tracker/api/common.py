"""Shared API pieces: pagination arguments and envelope, and turning service errors into API errors."""

from __future__ import annotations

from datetime import date
from typing import Any

import marshmallow as ma
from sqlalchemy import Select

from tracker.common.paging import paginate
from tracker.common.time import DateOutOfRangeError, check_date_range

MAX_PER_PAGE = 500
#: Ids stop at the database's integer range. A larger number names nothing and must not reach the database:
#: SQLite cannot bind one beyond 64 bits and PostgreSQL refuses one beyond 32 in an insert (a 500, not a 4xx).
MAX_ID = 2_147_483_647
ID_RANGE = ma.validate.Range(min=1, max=MAX_ID)


class ApiDate(ma.fields.Date):
    """A YYYY-MM-DD date the service takes (tracker.common.time.EARLIEST_DATE to LATEST_DATE): year 1 or
    9999 would overflow when a year is subtracted or a time zone applied (a 500, not a 422)."""

    def _deserialize(self, value, attr, data, **kwargs) -> date:
        day = super()._deserialize(value, attr, data, **kwargs)
        try:
            return check_date_range(day)
        except DateOutOfRangeError as error:
            raise ma.ValidationError(str(error)) from error


def id_field(**kwargs: Any) -> ma.fields.Integer:
    """An integer id in the database's range (documented as minimum and maximum in the OpenAPI schema)."""
    return ma.fields.Integer(validate=ID_RANGE, **kwargs)


class PageArgs(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=1_000_000))
    per_page = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=MAX_PER_PAGE))


def page_of(statement: Select, args: dict[str, Any]) -> dict[str, Any]:
    """{"items": [...], "total": N} for one page of `statement` (which must already be ordered)."""
    page = paginate(statement, number=args["page"], per_page=args["per_page"], clamp_to_last_page=False)
    return {"items": page.items, "total": page.total}


def list_schema(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A schema for {"items": [item, ...], "total": N}."""
    return ma.Schema.from_dict(
        {
            "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
            "total": ma.fields.Integer(required=True),
        },
        name=name,
    )


class ChangesSchema(ma.Schema):
    """A PATCH body: only the fields sent change, and at least one must be sent (an empty body is a 422)."""

    @ma.validates_schema
    def _something_to_change(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if not data:
            raise ma.ValidationError("Send at least one field to change", "_schema")


def changes_of(schema_class: type[ma.Schema]) -> ma.Schema:
    """A PATCH schema instance where each top-level field is optional, but fields of nested objects stay
    required as declared (`partial=True` would reach into them: a trainer without its `part`)."""
    fields = tuple(schema_class._declared_fields)
    return schema_class(partial=fields)


class StrictBoolean(ma.fields.Boolean):
    """JSON true or false only: marshmallow's Boolean also takes 0, 1, "yes" and "on", which the OpenAPI
    document's `boolean` denies."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value
