"""/api/v1/organisations and their departments."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from tracker.api.common import PageArgs, list_schema, page_of
from tracker.extensions import db
from tracker.people import services
from tracker.people.models import OrganisationKind

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
        return page_of(services.organisations_query(), args)

    @blp.arguments(OrganisationSchema)
    @blp.response(201, OrganisationSchema)
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data):
        """Add an organisation (coordinator)."""
        organisation = services.create_organisation(name=data["name"], kind=data["kind"])
        db.session.commit()
        return organisation
