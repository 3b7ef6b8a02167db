"""/api/v1/sessions/<id>/held-places: places of a session held for organisations until a release date (seat
quotas, `tracker.booking.quotas`): list them and hold more, as the coordinator's page does."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from tracker.api.common import ID_RANGE, ApiDate
from tracker.booking import quotas
from tracker.booking.models import SeatQuota
from tracker.common.permissions import acting_user
from tracker.common.time import to_london, utc_now
from tracker.courses.models import TrainingSession
from tracker.extensions import db
from tracker.people.models import Organisation

blp = Blueprint("api_held_places", __name__, url_prefix="/sessions", description="Places held for organisations")


class HeldPlacesSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    organisation_id = ma.fields.Integer(required=True, strict=True, validate=ID_RANGE)
    places = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=100_000))
    release_on = ApiDate(required=True, metadata={"description": "YYYY-MM-DD: from this day the places are anyone's"})
    released = ma.fields.Boolean(dump_only=True)


def _json(quota: SeatQuota, now) -> dict[str, Any]:
    return {
        "id": quota.id,
        "organisation_id": quota.organisation_id,
        "places": quota.places,
        "release_on": to_london(quota.released_at).date(),
        "released": not quota.in_force(now),
    }


@blp.route("/<int:session_id>/held-places")
class HeldPlaces(MethodView):
    @blp.response(200, HeldPlacesSchema(many=True))
    def get(self, session_id):
        """The places held on a session for organisations, released or not (coordinator)."""
        db.get_or_404(TrainingSession, session_id)
        now = utc_now()
        return [_json(q, now) for q in quotas.list_quotas(session_id)]

    @blp.arguments(HeldPlacesSchema)
    @blp.response(201, HeldPlacesSchema)
    def post(self, data, session_id):
        """Hold places of a session for an organisation until a release date (coordinator). The same rules as
        the page: 422 naming the field for too many places, a release date not after today or after the
        session, or a second quota for the organisation."""
        training_session = db.get_or_404(TrainingSession, session_id)
        quota = quotas.add_quota(
            training_session=training_session,
            organisation=db.session.get(Organisation, data["organisation_id"]),
            places=data["places"],
            release_on=data["release_on"],
            actor=acting_user(),
        )
        return _json(quota, utc_now())
