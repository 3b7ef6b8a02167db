"""/api/v1/people: personal data, so reading is narrowed to what the caller may see.

- A coordinator sees and changes everyone.
- A manager sees their team (line reports, and people placed today in departments they manage).
- A partner contact sees the people of their own organisation.
- Trainers and staff have no access to this resource (403).

`department_id` is the department a person is placed in today. Setting it with PATCH moves them from
today (their previous placement ends yesterday, placements being [from, to)); `end_date` marks a
leaver (null clears it).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from tracker.api.common import ApiDate, ChangesSchema, PageArgs, changes_of, id_field, list_schema, page_of
from tracker.common.errors import TrackerError
from tracker.common.permissions import acting_user, require
from tracker.common.time import today_london
from tracker.extensions import db
from tracker.people import services
from tracker.people.models import Department, Organisation, Person

blp = Blueprint(
    "api_people",
    __name__,
    url_prefix="/people",
    description="People. Coordinators see everyone; managers their team; partner contacts their organisation's "
    "people. Changes: coordinator only.",
)

#: Service field names -> the API's field names, for errors.
API_FIELDS = {
    "line_manager": "line_manager_id",
    "department": "department_id",
    "from_date": "department_id",
    "organisation": "organisation_id",
}


@contextmanager
def api_fields() -> Iterator[None]:
    """Name the API's field (line_manager_id) in errors where the service names its own (line_manager)."""
    try:
        yield
    except TrackerError as error:
        error.field = API_FIELDS.get(error.field or "", error.field)
        raise


class PersonSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    organisation_id = id_field(required=True, strict=True)
    department_id = id_field(
        strict=True, allow_none=True, metadata={"description": "The department they are placed in today (null: none)."}
    )
    employee_ref = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=64))
    first_name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    last_name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    email = ma.fields.String(
        allow_none=True, validate=ma.validate.Length(max=254), metadata={"description": "Stored lower-cased; unique."}
    )
    job_title = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=200))
    line_manager_id = id_field(strict=True, allow_none=True)
    start_date = ApiDate(allow_none=True)
    end_date = ApiDate(allow_none=True, metadata={"description": "Leave date: from this day they count nowhere."})


class PersonPatchSchema(PersonSchema, ChangesSchema):
    """Any of the fields but `organisation_id`; only those sent change."""

    class Meta:
        exclude = ("organisation_id",)


class PeopleArgs(PageArgs):
    q = ma.fields.String(
        validate=ma.validate.Length(max=200), metadata={"description": "Words found in a name, email or HR reference."}
    )
    organisation_id = id_field()
    department_id = id_field(metadata={"description": "People placed today in this department or a team inside it."})


PersonList = list_schema(PersonSchema, "PersonList")


def records(people: list[Person], *, day: date | None = None) -> list[dict[str, Any]]:
    """People as API records, their departments today found in one query."""
    departments = services.current_department_ids((p.id for p in people), day=day)
    return [
        {
            "id": p.id,
            "organisation_id": p.organisation_id,
            "department_id": departments.get(p.id),
            "employee_ref": p.employee_ref,
            "first_name": p.first_name,
            "last_name": p.last_name,
            "email": p.email,
            "job_title": p.job_title,
            "line_manager_id": p.line_manager_id,
            "start_date": p.start_date,
            "end_date": p.end_date,
        }
        for p in people
    ]


def _find(model, object_id: int | None, field: str, what: str):
    if object_id is None:
        return None
    found = db.session.get(model, object_id)
    if found is None:
        raise services.PeopleError(f"There is no {what} with id {object_id}", field=field)
    return found


@blp.route("")
class People(MethodView):
    @blp.arguments(PeopleArgs, location="query")
    @blp.response(200, PersonList)
    def get(self, args):
        """List the people you may see, by surname.

        Coordinators: everyone. Managers: their team. Partner contacts: their organisation's people.
        """
        statement = services.visible_people_query(
            acting_user(),
            search=args.get("q"),
            organisation_id=args.get("organisation_id"),
            department_id=args.get("department_id"),
        )
        page = page_of(statement, args)
        return {"items": records(page["items"]), "total": page["total"]}

    @blp.arguments(PersonSchema)
    @blp.response(201, PersonSchema)
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data):
        """Add a person (coordinator), placed in `department_id` from their start date (else today).

        409 when the email address, or the HR reference within the organisation, is taken.
        """
        with api_fields():
            organisation = _find(Organisation, data["organisation_id"], "organisation_id", "organisation")
            person = services.create_person(
                organisation=organisation,
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data.get("email"),
                employee_ref=data.get("employee_ref"),
                job_title=data.get("job_title"),
                line_manager=_find(Person, data.get("line_manager_id"), "line_manager_id", "person"),
                start_date=data.get("start_date"),
                end_date=data.get("end_date"),
                department=_find(Department, data.get("department_id"), "department_id", "department"),
                actor=acting_user(),
            )
        return records([person])[0]


@blp.route("/<int:person_id>")
class PersonById(MethodView):
    @blp.response(200, PersonSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, person_id):
        """One person, if you may see them (403 otherwise)."""
        person = services.get_person(person_id)
        require(services.can_view_person(acting_user(), person))
        return records([person])[0]

    @blp.arguments(changes_of(PersonPatchSchema))
    @blp.response(200, PersonSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def patch(self, data, person_id):
        """Change a person (coordinator): only the fields sent change.

        A new `department_id` moves them from today. `end_date` marks them as leaving (null clears it).
        """
        person = services.get_person(person_id)
        actor = acting_user()
        with api_fields():
            details = {"first_name", "last_name", "email", "employee_ref", "job_title", "line_manager_id", "start_date"}
            if details & set(data):
                line_manager = person.line_manager
                if "line_manager_id" in data:
                    line_manager = _find(Person, data["line_manager_id"], "line_manager_id", "person")
                services.update_person(
                    person=person,
                    first_name=data.get("first_name", person.first_name),
                    last_name=data.get("last_name", person.last_name),
                    email=data.get("email", person.email),
                    employee_ref=data.get("employee_ref", person.employee_ref),
                    job_title=data.get("job_title", person.job_title),
                    line_manager=line_manager,
                    start_date=data.get("start_date", person.start_date),
                    actor=actor,
                )
            if "end_date" in data:
                services.set_leave_date(person=person, end_date=data["end_date"], actor=actor)
            if "department_id" in data:
                if data["department_id"] is None:
                    raise services.PeopleError(
                        "A department cannot be removed: move them to another, or set end_date for a leaver",
                        field="department_id",
                    )
                department = _find(Department, data["department_id"], "department_id", "department")
                current = services.current_department(person)
                if current is None or current.id != department.id:
                    services.move_person(person=person, department=department, from_date=today_london(), actor=actor)
        return records([person])[0]
