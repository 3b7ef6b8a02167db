"""Form fields and helpers shared by every domain: dates in GOV.UK's three boxes (`GovukDateField`, in
date_input), months as "January 2027" or 2027-01, London clock
times as HH:MM, whole numbers typed in text boxes (GOV.UK advises against type=number), ids from
selects — each with a GOV.UK-style message next to the field."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import Field, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation, ValidationError

from tracker.common.date_input import GovukDateField, parse_month
from tracker.common.time import LONDON, london_clock_problem
from tracker.common.types import MAX_ID


class ParsedTextField(StringField):
    """A text box whose text is parsed into a value (`.data`), or None when left empty.

    `required_message` makes it required with that message; `invalid_message` replaces the default
    message for text that cannot be parsed. Subclasses give `parse`, `format` and input `params`.
    """

    widget = GovTextInput()
    default_params: dict[str, Any] = {}

    def __init__(
        self,
        label=None,
        validators=None,
        *,
        required_message: str | None = None,
        invalid_message: str | None = None,
        **kwargs,
    ):
        super().__init__(label, validators, **kwargs)
        self.required_message = required_message
        self.invalid_message = invalid_message

    def parse(self, text: str) -> Any:
        raise NotImplementedError

    def format(self, value: Any) -> str:
        return str(value)

    def problem(self, error: ValueError) -> str:
        raise NotImplementedError

    def _value(self) -> str:
        if self.raw_data:  # what was typed, even if it could not be read: nothing typed is lost
            return self.raw_data[0]
        return "" if self.data is None else self.format(self.data)

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        try:
            self.data = self.parse(valuelist[0].strip())
        except ValueError as error:
            raise ValueError(self.invalid_message or self.problem(error)) from error

    def pre_validate(self, form):
        if self.required_message and self.data is None and not self.process_errors:
            raise StopValidation(self.required_message)

    def __call__(self, **kwargs):
        params = kwargs.pop("params", {})
        for key, value in self.default_params.items():
            params.setdefault(key, value)
        return super().__call__(params=params, **kwargs)


class MonthField(ParsedTextField):
    """A month typed as "January 2027", "Jan 2027" or "2027-01"; `.data` is the first day of that month."""

    default_params = {"classes": "govuk-input--width-10"}

    def parse(self, text: str) -> date:
        return parse_month(text)

    def format(self, value: date) -> str:
        return value.strftime("%Y-%m")

    def problem(self, error: ValueError) -> str:
        return f"{self.label.text} must be a month and year, like January 2027 or 2027-01"


class ClockTimeField(ParsedTextField):
    """A London wall-clock time as HH:MM (24-hour). For the hour that happens twice when the clocks go back,
    "01:30 BST" (the first) or "01:30 GMT" (the second) says which: such a time carries the London tzinfo
    and its fold (see `tracker.common.time.london_clock_problem`)."""

    default_params = {"classes": "govuk-input--width-5", "inputmode": "numeric"}

    def parse(self, text: str) -> time:
        match = re.fullmatch(r"(\d{1,2})[:.](\d{2})(?:\s*(BST|GMT))?", text, re.IGNORECASE)
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            raise ValueError(text)
        clock = time(int(match.group(1)), int(match.group(2)))
        zone = (match.group(3) or "").upper()
        return clock.replace(tzinfo=LONDON, fold=1 if zone == "GMT" else 0) if zone else clock

    def format(self, value: time) -> str:
        zone = (" GMT" if value.fold else " BST") if value.tzinfo is not None else ""
        return value.strftime("%H:%M") + zone

    def problem(self, error: ValueError) -> str:
        return f"{self.label.text} must be a time in 24-hour format, like 09:30 or 14:00"


class WholeNumberField(ParsedTextField):
    """A whole number, 0 or more (commas allowed: 11,900)."""

    default_params = {"classes": "govuk-input--width-5", "inputmode": "numeric", "spellcheck": False}

    def parse(self, text: str) -> int:
        digits = text.replace(",", "")
        if not digits.isdigit() or len(digits) > 9:
            raise ValueError(text)
        return int(digits)

    def problem(self, error: ValueError) -> str:
        return f"{self.label.text} must be a whole number, like 25"


def select_choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices; a value of "" is the "nothing chosen" option."""
    return [SelectChoice(str(value), label) for value, label in pairs]


def id_value(value) -> int:
    """An id from a form (a choice's value); raises ValueError for anything that cannot name a row."""
    number = int(value)
    if not 0 < number <= MAX_ID:
        raise ValueError("not an id")
    return number


def optional_int(value) -> int | None:
    """An id from a select, or None for its empty "Choose…" option; raises ValueError otherwise."""
    if value in (None, ""):
        return None
    return id_value(value)


class Chosen:
    """A select must have a choice (its blank option is refused with `message`)."""

    def __init__(self, message: str) -> None:
        self.message = message
        self.field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        if field.data is None:
            raise ValidationError(self.message)


def field_error(form, field_name: str | None, message: str) -> None:
    """Show a service's rule failure next to the field it concerns (or the form's first field)."""
    field: Field | None = getattr(form, field_name, None) if field_name else None
    if field is None:
        field = next(iter(form))
        if field.name == "csrf_token":
            field = list(form)[1]
    field.errors = [*list(field.errors), message]


def check_london_times(pairs: list[tuple[Field, Field]]) -> bool:
    """For each (date field, clock time field) both filled in, put `london_clock_problem` next to the time;
    False if any had one."""
    ok = True
    for day_field, clock_field in pairs:
        if day_field.data is not None and clock_field.data is not None:
            problem = london_clock_problem(day_field.data, clock_field.data)
            if problem:
                clock_field.errors = [*clock_field.errors, problem]
                ok = False
    return ok


def parse_id(value: str | None) -> int | None:
    """A database id from text (a query parameter, a form's list), or None for anything that cannot be one:
    not digits, zero, or beyond a 32-bit integer (PostgreSQL refuses such a number in an `integer` comparison)."""
    value = (value or "").strip()
    if not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def id_arg(name: str) -> int | None:
    """The id in query parameter `name` (see parse_id): a filter on an id that cannot exist is no filter."""
    from flask import request

    return parse_id(request.args.get(name))


__all__ = [
    "Chosen",
    "ClockTimeField",
    "GovukDateField",
    "MonthField",
    "ParsedTextField",
    "WholeNumberField",
    "check_london_times",
    "field_error",
    "id_arg",
    "id_value",
    "optional_int",
    "parse_id",
    "select_choices",
]
