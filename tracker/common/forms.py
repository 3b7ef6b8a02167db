"""Form fields shared by every domain: dates as YYYY-MM-DD, London clock times as HH:MM, GOV.UK errors."""

from __future__ import annotations

import re
from datetime import date, time

from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import Field, IntegerField, StringField
from wtforms.validators import StopValidation

from tracker.common.time import EARLIEST_DATE, LATEST_DATE, DateOutOfRangeError, format_date, parse_iso_date


class IsoDateField(StringField):
    """A date typed (or picked) as YYYY-MM-DD; `.data` is a date or None.

    Renders as <input type="date">, which browsers offer as a picker and submit as YYYY-MM-DD.
    """

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, *, required_message: str | None = None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.required_message = required_message

    def _value(self) -> str:
        if isinstance(self.data, date):
            return self.data.isoformat()
        return self.raw_data[0] if self.raw_data else ""

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        try:
            self.data = parse_iso_date(valuelist[0])
        except DateOutOfRangeError as error:
            raise ValueError(
                f"{self.label.text} must be between {format_date(EARLIEST_DATE)} and {format_date(LATEST_DATE)}"
            ) from error
        except ValueError as error:
            raise ValueError(f"{self.label.text} must be a real date, like 2026-03-31") from error

    def pre_validate(self, form):
        if self.required_message and self.data is None and not self.process_errors:
            raise StopValidation(self.required_message)

    def __call__(self, **kwargs):
        params = kwargs.pop("params", {})
        params.setdefault("type", "date")
        params.setdefault("classes", "govuk-input--width-10")
        return super().__call__(params=params, **kwargs)


class ClockTimeField(StringField):
    """A London wall-clock time as HH:MM (24-hour); `.data` is a time or None."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, *, required_message: str | None = None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.required_message = required_message

    def _value(self) -> str:
        if isinstance(self.data, time):
            return self.data.strftime("%H:%M")
        return self.raw_data[0] if self.raw_data else ""

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        match = re.fullmatch(r"\s*(\d{1,2})[:.](\d{2})\s*", valuelist[0])
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            raise ValueError(f"{self.label.text} must be a time in 24-hour format, like 09:30 or 14:00")
        self.data = time(int(match.group(1)), int(match.group(2)))

    def pre_validate(self, form):
        if self.required_message and self.data is None and not self.process_errors:
            raise StopValidation(self.required_message)

    def __call__(self, **kwargs):
        params = kwargs.pop("params", {})
        params.setdefault("classes", "govuk-input--width-5")
        params.setdefault("inputmode", "numeric")
        return super().__call__(params=params, **kwargs)


def field_error(form, field_name: str | None, message: str) -> None:
    """Show a service's rule failure next to the field it concerns (or the form's first field)."""
    field: Field | None = getattr(form, field_name, None) if field_name else None
    if field is None:
        field = next(iter(form))
        if field.name == "csrf_token":
            field = list(form)[1]
    field.errors = [*list(field.errors), message]


class WholeNumberField(IntegerField):
    """A whole number with a GOV.UK-style message when what was typed is not one."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, *, invalid_message: str | None = None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.invalid_message = invalid_message

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        text = valuelist[0].strip().replace(",", "")
        if not re.fullmatch(r"-?\d+", text):
            self.data = None
            raise ValueError(self.invalid_message or f"{self.label.text} must be a whole number, like 25")
        self.data = int(text)
