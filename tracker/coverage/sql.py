"""SQL pieces the coverage queries need on both databases: the London date of a stored UTC time.

"Sessions delivered to a department" counts a session when someone *then* placed in the department
attended, so a placement's dates are compared with the session's London date. PostgreSQL knows
Europe/London; SQLite has no time zones, so there the UK rule (BST from 01:00 UTC on the last Sunday
of March to 01:00 UTC on the last Sunday of October, in force since 1996) is spelt out in SQL.
tests/integration/coverage/test_sql.py checks it against zoneinfo hour by hour around the changes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class london_date(FunctionElement):  # lower case: used like a SQL function
    """`london_date(utc_column)`: the Europe/London calendar date of a UTC timestamp column."""

    type = Date()
    name = "london_date"
    inherit_cache = True


@compiles(london_date, "postgresql")
def _london_date_postgresql(element: london_date, compiler: Any, **kw: Any) -> str:
    moment = compiler.process(element.clauses, **kw)
    return f"CAST(timezone('Europe/London', {moment}) AS DATE)"


@compiles(london_date, "sqlite")
def _london_date_sqlite(element: london_date, compiler: Any, **kw: Any) -> str:
    # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC), which compares as text with datetime()'s output.
    moment = compiler.process(element.clauses, **kw)
    year = f"strftime('%Y', {moment})"
    bst_starts = f"datetime({year} || '-04-01', 'weekday 0', '-7 days', '+1 hour')"
    bst_ends = f"datetime({year} || '-11-01', 'weekday 0', '-7 days', '+1 hour')"
    return (
        f"date({moment}, CASE WHEN {moment} >= {bst_starts} AND {moment} < {bst_ends} "
        "THEN '+1 hour' ELSE '+0 hours' END)"
    )
