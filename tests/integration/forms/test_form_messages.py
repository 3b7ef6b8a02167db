"""Every form's messages name the field ("Last name must be 100 characters or fewer"): none of WTForms' own
English defaults ("This field is required.", "Field must be between…", "Not a valid choice.") reaches a page."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import IntegerField, SelectField, SelectFieldBase, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

import tracker
from tracker.common.date_input import PARTS, GovukDateField
from tracker.common.form_base import TrackerForm

DEFAULT_TEXT = re.compile(
    r"This field is required|^Field |Not a valid|^Invalid|Number must be|not a valid choice|not valid choices"
    r"|approved extension|CSRF"
)


def _form_classes() -> list[type[FlaskForm]]:
    for module in pkgutil.walk_packages(tracker.__path__, "tracker."):
        if module.name.rsplit(".", 1)[-1].endswith("forms"):
            importlib.import_module(module.name)
    found, todo = set(), [FlaskForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    classes = [cls for cls in found if cls.__module__.startswith("tracker.") and cls is not TrackerForm]
    return sorted(classes, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


FORMS = _form_classes()


def test_the_forms_are_found():
    names = {cls.__name__ for cls in FORMS}
    assert {"HoldPlacesForm", "CreateSessionForm", "EvidenceForm", "CourseForm"} <= names and len(FORMS) > 30


@pytest.mark.parametrize("form_class", FORMS, ids=lambda cls: cls.__name__)
def test_every_form_derives_from_tracker_form(form_class):
    assert issubclass(form_class, TrackerForm), f"{form_class.__module__}.{form_class.__name__} is a bare FlaskForm"


def _errors(form_class, text: str) -> list[str]:
    data = MultiDict()
    probe = form_class(meta={"csrf": False}, formdata=MultiDict())
    for field in probe:
        if isinstance(field, GovukDateField):
            for part in PARTS:
                data.add(f"{field.name}-{part}", text)
        else:
            data.add(field.name, text)
    form = form_class(meta={"csrf": False}, formdata=data)
    for field in form:
        if isinstance(field, SelectFieldBase) and getattr(field, "choices", None) is None:
            field.choices = []
    form.validate()
    return [str(message) for field in form for message in field.errors]


@pytest.mark.parametrize("form_class", FORMS, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("text", ["", "x" * 5000, "-1"], ids=["empty", "too-long", "minus-one"])
def test_no_message_is_wtforms_default_text(app, form_class, text):
    with app.test_request_context(method="POST"):
        errors = _errors(form_class, text)
    defaults = [message for message in errors if DEFAULT_TEXT.search(message)]
    assert not defaults, f"{form_class.__name__}: {defaults}"


def test_a_length_message_names_the_field(app):
    from tracker.booking.forms import PartnerAttendeeForm

    with app.test_request_context(method="POST"):
        form = PartnerAttendeeForm(meta={"csrf": False}, formdata=MultiDict({"last_name": "x" * 101}))
        form.session_id.choices = []
        form.validate()
    assert form.last_name.errors == ["Last name must be 100 characters or fewer"]


def test_a_filter_message_names_the_field(app):
    from tracker.audit.forms import AuditFilterForm

    with app.test_request_context(method="POST"):
        form = AuditFilterForm(meta={"csrf": False}, formdata=MultiDict({"actor": "x" * 101}))
        form.validate()
    assert form.actor.errors == ["Who must be 100 characters or fewer"]


class _ExampleForm(TrackerForm):
    last_name = StringField("Last name", validators=[DataRequired(), Length(max=100)])
    email = StringField("Email address (optional)", validators=[Optional(), Email()])
    team = SelectField("Team", choices=[SelectChoice("a", "A")])
    places = IntegerField("Places", validators=[NumberRange(min=1, max=50)])


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"last_name": "", "email": "nope", "team": "b", "places": "many"},
            {
                "last_name": ["Enter last name"],
                "email": ["Enter email address in the correct format, like name@example.com"],
                "team": ["Select team from the list"],
                "places": ["Places must be a whole number", "Places must be between 1 and 50"],
            },
        ),
        (
            {"last_name": "x" * 101, "team": "a", "places": "99"},
            {"last_name": ["Last name must be 100 characters or fewer"], "places": ["Places must be between 1 and 50"]},
        ),
    ],
)
def test_wtforms_defaults_become_messages_naming_the_field(app, data, expected):
    with app.test_request_context(method="POST"):
        form = _ExampleForm(meta={"csrf": False}, formdata=MultiDict(data))
        assert not form.validate()
    assert form.errors == expected
