"""london_date(): the Europe/London date of a stored UTC time, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import literal, select

from tracker.common.time import to_london
from tracker.common.types import UTCDateTime
from tracker.coverage.sql import london_date


def instants():
    """Every half hour across the evenings around each clock change from 2017 to 2030, and midsummer/midwinter."""
    for year in range(2017, 2031):
        for month in (3, 6, 10, 12):
            for day in range(24, 32):
                for minutes in range(22 * 60, 26 * 60, 30):
                    try:
                        base = datetime(year, month, day, tzinfo=UTC)
                    except ValueError:
                        continue
                    yield base + timedelta(minutes=minutes)


def test_matches_zoneinfo_around_every_clock_change(db):
    moments = list(instants())
    expressions = [london_date(literal(moment, UTCDateTime())) for moment in moments]
    found = []
    for start in range(0, len(expressions), 200):  # a few statements of many columns each
        found.extend(db.session.execute(select(*expressions[start : start + 200])).one())
    wrong = [(moment, value) for moment, value in zip(moments, found, strict=True) if value != to_london(moment).date()]
    assert wrong == []


def test_reads_stored_session_times(db):
    from tests.factories import make_session

    late = make_session(starts_at=datetime(2018, 6, 30, 23, 30, tzinfo=UTC))  # 00:30 on 1 July in London
    winter = make_session(starts_at=datetime(2018, 12, 31, 23, 30, tzinfo=UTC))
    from tracker.courses.models import TrainingSession

    rows = dict(
        db.session.execute(
            select(TrainingSession.id, london_date(TrainingSession.starts_at)).where(
                TrainingSession.id.in_([late.id, winter.id])
            )
        ).all()
    )
    assert rows == {late.id: datetime(2018, 7, 1).date(), winter.id: datetime(2018, 12, 31).date()}
