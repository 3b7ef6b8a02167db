"""`TrackerForm`, the base of every form: WTForms' own messages ("This field is required.", "Field must be
between 1 and 100 characters long.", "Not a valid choice.") are replaced, for every field, by messages that
name the field from its label ("Enter last name", "Last name must be 100 characters or fewer")."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import Field, RadioField, SelectField, SelectMultipleField

_OPTIONAL = re.compile(r"\s*\((optional|if any)\)\s*$", re.IGNORECASE)

CSRF_PROBLEM = "This page has expired: go back, reload it and try again"


def field_name(field: Field) -> str:
    """The label as a message names it: "Last name (optional)" → "Last name"."""
    return _OPTIONAL.sub("", field.label.text or field.name.replace("_", " ").capitalize()).strip()


def labelled_message(field: Field, english: str) -> str | None:
    """The message for `field` that replaces WTForms' (or Flask-WTF's) English default `english`, still with
    its %(min)d-style placeholders for the validator to fill; None for a text that is not a default."""
    name = field_name(field).replace("%", "%%")
    lower = name[:1].lower() + name[1:] if not name[:2].isupper() else name
    choosing = isinstance(field, SelectField | RadioField | SelectMultipleField)
    if english == "This field is required.":
        if isinstance(field, FileField):
            return f"Select {lower}"
        return f"Select {lower}" if choosing else f"Enter {lower}"
    if english.startswith("The CSRF token") or english.startswith("CSRF"):
        return CSRF_PROBLEM
    table = {
        "Not a valid choice.": f"Select {lower} from the list",
        "Invalid Choice: could not coerce.": f"Select {lower} from the list",
        "Invalid choice(s): one or more data inputs could not be coerced.": f"Select {lower} from the list",
        "'%(value)s' is not a valid choice for this field.": f"Select {lower} from the list",
        "'%(value)s' are not valid choices for this field.": f"Select {lower} from the list",
        "Invalid email address.": f"Enter {lower} in the correct format, like name@example.com",
        "Invalid input.": f"{name} is not in the right format",
        "Invalid URL.": f"Enter {lower} as a web address, like https://www.example.org",
        "Invalid UUID.": f"{name} is not in the right format",
        "Invalid IP address.": f"{name} is not in the right format",
        "Invalid Mac address.": f"{name} is not in the right format",
        "Not a valid integer value.": f"{name} must be a whole number",
        "Not a valid decimal value.": f"{name} must be a number",
        "Not a valid float value.": f"{name} must be a number",
        "Not a valid date value.": f"{name} must be a real date",
        "Not a valid datetime value.": f"{name} must be a real date and time",
        "Not a valid time value.": f"{name} must be a real time",
        "Not a valid week value.": f"{name} must be a real week",
        "Invalid value, must be one of: %(values)s.": f"Select a valid option for {lower}",
        "Invalid value, can't be any of: %(values)s.": f"{name} cannot be that value",
        "Field must be equal to %(other_name)s.": f"{name} must match %(other_name)s",
        "Number must be at least %(min)s.": f"{name} must be %(min)s or more",
        "Number must be at most %(max)s.": f"{name} must be %(max)s or less",
        "Number must be between %(min)s and %(max)s.": f"{name} must be between %(min)s and %(max)s",
        "Field must be between %(min)d and %(max)d characters long.": (
            f"{name} must be between %(min)d and %(max)d characters"
        ),
        "Field must be at least %(min)d character long.": f"{name} must be %(min)d characters or more",
        "Field must be at least %(min)d characters long.": f"{name} must be %(min)d characters or more",
        "Field cannot be longer than %(max)d character.": f"{name} must be %(max)d characters or fewer",
        "Field cannot be longer than %(max)d characters.": f"{name} must be %(max)d characters or fewer",
        "Field must be exactly %(max)d character long.": f"{name} must be %(max)d characters",
        "Field must be exactly %(max)d characters long.": f"{name} must be %(max)d characters",
        "File does not have an approved extension: {extensions}": (
            f"{name} must be a {{extensions}} file".replace("%%", "%")
        ),
        "File must be between {min_size} and {max_size} bytes.": (
            f"{name} must be between {{min_size}} and {{max_size}} bytes".replace("%%", "%")
        ),
    }
    return table.get(english)


class LabelledMessages:
    """A field's translations: WTForms' defaults become `labelled_message`s, anything else passes through."""

    def __init__(self, field: Field, translations) -> None:
        self.field = field
        self.translations = translations

    def gettext(self, string: str) -> str:
        return labelled_message(self.field, string) or self.translations.gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        english = singular if n == 1 else plural
        return labelled_message(self.field, english) or self.translations.ngettext(singular, plural, n)


class TrackerForm(FlaskForm):
    """Every form's base (a test checks each form in `tracker` derives from it)."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            field._translations = LabelledMessages(field, field._translations)
            return field
