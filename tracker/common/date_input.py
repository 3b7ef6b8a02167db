"""GOV.UK's date input as one WTForms field: three boxes, `<name>-day`, `<name>-month` and `<name>-year`, read
into one `date` with the GOV.UK pattern's messages ("Date must include a month", "Date must be a real date");
and the month parser behind `MonthField` ("January 2027", "Jan 2027" or "2027-01")."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from govuk_frontend_wtf.gov_form_base import GovFormBase
from wtforms import Field
from wtforms.utils import unset_value
from wtforms.validators import StopValidation

from tracker.common.form_base import field_name
from tracker.common.time import EARLIEST_DATE, LATEST_DATE, DateOutOfRangeError, format_date, parse_iso_date

PARTS = ("day", "month", "year")
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}


def month_number(text: str) -> int:
    """1–12 from "3", "03", "March" or "Mar" (GOV.UK: accept a month's name in a month box)."""
    text = text.strip().lower()
    if text.isdigit() and 1 <= int(text) <= 12:
        return int(text)
    if text in _MONTHS:
        return _MONTHS[text]
    raise ValueError(text)


def parse_month(text: str) -> date:
    """The first day of a month written "2027-01", "January 2027", "Jan 2027" or "01/2027"."""
    text = " ".join(text.strip().split())
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
    if iso:
        year, month = iso.group(1), iso.group(2)
    else:
        words = re.fullmatch(r"([A-Za-z]+|\d{1,2})\.?[ /-](\d{4})", text)
        if not words:
            raise ValueError(text)
        month, year = words.group(1), words.group(2)
    return date(int(year), month_number(month), 1)


class GovukDateInput(GovFormBase):
    """Draws a GovukDateField with govukDateInput: the label is the fieldset's legend, the boxes show what was
    typed (even when it was not a date), and only the boxes at fault are marked."""

    template = "macros/govuk_date_field.html"

    def __call__(self, field: GovukDateField, **kwargs):
        kwargs.setdefault("id", field.name)
        return super().__call__(field, **kwargs)

    def map_gov_params(self, field: GovukDateField, **kwargs) -> dict[str, Any]:
        params = super().map_gov_params(field, **kwargs)
        params.pop("label", None)
        params.pop("name", None)
        params.pop("value", None)
        params["fieldset"] = {"legend": {"text": field.label.text, "classes": "govuk-fieldset__legend--s"}}
        params["namePrefix"] = field.name
        values = field.part_values()
        widths = {"day": 2, "month": 2, "year": 4}
        params["items"] = [
            {
                "name": part,
                "value": values[part],
                "classes": f"govuk-input--width-{widths[part]}"
                + (" govuk-input--error" if field.errors and part in field.parts_at_fault else ""),
            }
            for part in PARTS
        ]
        return params


class GovukDateField(Field):
    """A date typed in GOV.UK's three boxes; `.data` is a `date`, or None when all three are empty.

    `required_message` makes it required ("Enter the date the course was completed"). For links and
    scripts the single value `<name>=YYYY-MM-DD` is read too (the JSON API and bookmarked filters use ISO
    dates). The field's id is the first box at fault, so the error summary's link puts the cursor there.
    """

    widget = GovukDateInput()

    def __init__(self, label=None, validators=None, *, required_message: str | None = None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.required_message = required_message
        self.parts: dict[str, str] = {}
        self.parts_at_fault: tuple[str, ...] = PARTS
        self.id = f"{self.name}-day"

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.parts = {}
        super().process(formdata, data, extra_filters)
        if formdata is None or self.name in formdata:
            return
        self.parts = {part: (formdata.get(f"{self.name}-{part}") or "").strip() for part in PARTS}
        self.data = None
        if any(self.parts.values()):
            try:
                self.data = self._from_parts()
            except ValueError as error:
                self.process_errors.append(error.args[0])
                self.id = f"{self.name}-{self.parts_at_fault[0]}"

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0].strip():
            try:
                self.data = parse_iso_date(valuelist[0])
            except DateOutOfRangeError as error:
                raise ValueError(self._out_of_range()) from error
            except ValueError as error:
                raise ValueError(f"{field_name(self)} must be a real date") from error

    def _from_parts(self) -> date:
        missing = [part for part in PARTS if not self.parts[part]]
        if missing:
            self.parts_at_fault = tuple(missing)
            raise ValueError(f"{field_name(self)} must include a {' and '.join(missing)}")
        day, month, year = self.parts["day"], self.parts["month"], self.parts["year"]
        if not re.fullmatch(r"\d{4}", year):
            self.parts_at_fault = ("year",)
            raise ValueError("Year must include 4 numbers")
        try:
            if not day.isdigit():
                raise ValueError(day)
            value = date(int(year), month_number(month), int(day))
        except ValueError as error:
            self.parts_at_fault = PARTS
            raise ValueError(f"{field_name(self)} must be a real date") from error
        if not EARLIEST_DATE <= value <= LATEST_DATE:
            self.parts_at_fault = ("year",)
            raise ValueError(self._out_of_range())
        return value

    def _out_of_range(self) -> str:
        return f"{field_name(self)} must be between {format_date(EARLIEST_DATE)} and {format_date(LATEST_DATE)}"

    def part_values(self) -> dict[str, str]:
        """What each box shows: what was typed, else the date held."""
        if self.parts:
            return dict(self.parts)
        if self.data is not None:
            return {"day": str(self.data.day), "month": str(self.data.month), "year": str(self.data.year)}
        typed = re.fullmatch(r"\s*(\d+)-(\d+)-(\d+)\s*", self.raw_data[0]) if self.raw_data else None
        if typed:  # an ISO date from a link that is not a date, shown in the boxes as it came
            return {"day": typed.group(3), "month": typed.group(2), "year": typed.group(1)}
        return dict.fromkeys(PARTS, "")

    def _value(self) -> str:
        return "" if self.data is None else self.data.isoformat()

    def pre_validate(self, form):
        if self.required_message and self.data is None and not self.process_errors:
            self.id = f"{self.name}-day"
            raise StopValidation(self.required_message)
