"""GovukDateField (GOV.UK's day, month and year boxes) and the month filter's formats."""

from __future__ import annotations

from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from tracker.common.date_input import GovukDateField, parse_month
from tracker.common.form_base import TrackerForm


class _DateForm(TrackerForm):
    starts_on = GovukDateField("Start date", required_message="Enter the session's start date")
    ends_on = GovukDateField("End date (optional)")


def _form(app, data: dict[str, str]):
    with app.test_request_context(method="POST"):
        form = _DateForm(meta={"csrf": False}, formdata=MultiDict(data))
        form.validate()
        return form, str(form.starts_on())


def _parts(day: str, month: str, year: str) -> dict[str, str]:
    return {"starts_on-day": day, "starts_on-month": month, "starts_on-year": year}


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("7", "1", "2027"), date(2027, 1, 7)),
        (("07", "01", "2027"), date(2027, 1, 7)),
        ((" 7", "Jan", "2027"), date(2027, 1, 7)),
    ],
)
def test_three_boxes_make_a_date(app, parts, expected):
    form, _ = _form(app, _parts(*parts))
    assert form.starts_on.data == expected and not form.errors


def test_an_iso_date_is_still_read_for_links_and_scripts(app):
    form, html = _form(app, {"starts_on": "2027-01-07"})
    assert form.starts_on.data == date(2027, 1, 7)
    assert 'name="starts_on-day"' in html and 'value="7"' in html and 'value="2027"' in html


@pytest.mark.parametrize(
    ("parts", "message", "marked"),
    [
        (("", "", ""), "Enter the session's start date", None),
        (("7", "", "2027"), "Start date must include a month", ["month"]),
        (("", "", "2027"), "Start date must include a day and month", ["day", "month"]),
        (("31", "2", "2027"), "Start date must be a real date", ["day", "month", "year"]),
        (("7", "13", "2027"), "Start date must be a real date", ["day", "month", "year"]),
        (("7", "1", "27"), "Year must include 4 numbers", ["year"]),
        (("7", "1", "1800"), "Start date must be between 1 January 1900 and 31 December 2199", ["year"]),
        (("x", "1", "2027"), "Start date must be a real date", ["day", "month", "year"]),
    ],
)
def test_a_bad_date_says_what_is_wrong_and_keeps_what_was_typed(app, parts, message, marked):
    form, html = _form(app, _parts(*parts))
    assert form.starts_on.errors == [message]
    assert "govuk-date-input" in html and "govuk-error-message" in html and message.replace("'", "&#39;") in html
    for part, typed in zip(("day", "month", "year"), parts, strict=True):
        assert f'name="starts_on-{part}"' in html
        if typed.strip():
            assert f'value="{typed.strip()}"' in html
    if marked:
        assert form.starts_on.id == f"starts_on-{marked[0]}"  # the error summary links to the first box at fault
        assert html.count("govuk-input--error") == len(marked)


def test_an_optional_date_left_empty_is_none(app):
    form, _ = _form(app, _parts("7", "1", "2027"))
    assert form.ends_on.data is None and not form.ends_on.errors


def test_no_browser_date_picker(app):
    _, html = _form(app, {})
    assert 'type="date"' not in html and "<legend" in html and "Start date" in html


@pytest.mark.parametrize(
    "text", ["2027-01", "2027-1", "January 2027", "Jan 2027", "jan 2027", "JANUARY  2027", "01/2027", "Sept 2027"]
)
def test_a_month_is_read_in_the_ways_people_write_it(text):
    expected = date(2027, 9, 1) if text.startswith("Sept") else date(2027, 1, 1)
    assert parse_month(text) == expected


@pytest.mark.parametrize("text", ["2027-13", "Janvier 2027", "next week", "2027", "13/2027"])
def test_a_month_that_cannot_be_read(text):
    with pytest.raises(ValueError):
        parse_month(text)
