"""/api/v1/organisations and their departments (reading: any token; adding: coordinator)."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from tracker.api.common import PageArgs, id_field, list_schema, page_of
from tracker.common.permissions import acting_user
from tracker.extensions import db
from tracker.people import organisations, services
from tracker.people.models import Department, OrganisationKind

blp = Blueprint("api_organisations", __name__, url_prefix="/organisations", description="Organisations")


class OrganisationSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    kind = ma.fields.Enum(OrganisationKind, by_value=True, required=True)


OrganisationList = list_schema(OrganisationSchema, "OrganisationList")


@blp.route("")
class Organisations(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, OrganisationList)
    def get(self, args):
        """List organisations, by name."""
        return page_of(organisations.organisations_query(), args)

    @blp.arguments(OrganisationSchema)
    @blp.response(201, OrganisationSchema)
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data):
        """Add an organisation (coordinator)."""
        organisation = organisations.create_organisation(name=data["name"], kind=data["kind"], actor=acting_user())
        return organisation


class DepartmentSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    organisation_id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=200),
        metadata={"description": 'The department\'s own name, without slashes, e.g. "Fostering".'},
    )
    parent_id = id_field(
        strict=True,
        allow_none=True,
        load_default=None,
        metadata={"description": "The department this one is inside (a team), or null for a top-level department."},
    )


DepartmentList = list_schema(DepartmentSchema, "DepartmentList")


@blp.route("/<int:organisation_id>/departments")
class Departments(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, DepartmentList)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args, organisation_id):
        """List an organisation's departments and teams.

        Ordered by path, so a department comes just before the teams inside it.
        """
        organisation = organisations.get_organisation(organisation_id)
        return page_of(organisations.departments_query(organisation.id), args)

    @blp.arguments(DepartmentSchema)
    @blp.response(201, DepartmentSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data, organisation_id):
        """Add a department, or a team inside one (coordinator).

        409 if the parent already has a department of that name; 422 for a parent of another organisation.
        """
        organisation = organisations.get_organisation(organisation_id)
        parent = None
        if data["parent_id"] is not None:
            parent = db.session.get(Department, data["parent_id"])
            if parent is None or parent.organisation_id != organisation.id:
                raise services.PeopleError(
                    f"No department {data['parent_id']} at {organisation.name}", field="parent_id"
                )
        department = organisations.create_department(
            organisation=organisation, name=data["name"], parent=parent, actor=acting_user()
        )
        return department
