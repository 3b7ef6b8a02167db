"""My training (/my-training): a person's upcoming places (with waiting-list positions), what is required of
them and whether they meet it, their training record, past sessions, and their calendar feed."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from tracker.attendance.training_records import list_person_records
from tracker.common.paging import page_number
from tracker.common.time import utc_now
from tracker.coverage.my_requirements import training_status_for_person
from tracker.invites.feeds import find_active_token
from tracker.my_training import services

bp = Blueprint("my_training", __name__)

PER_PAGE = 20


@bp.route("/my-training")
def show() -> ResponseReturnValue:
    me = current_user.person
    now = utc_now()
    records = list_person_records(me)
    requirement_statuses = training_status_for_person(me, records=records)
    return render_template(
        "my_training/show.html",
        person=me,
        upcoming=services.upcoming_places(me.id, now=now),
        past=services.past_places(me.id, now=now, number=page_number("past_page"), per_page=PER_PAGE),
        now=now,
        requirement_statuses=requirement_statuses,
        sessions_by_course=services.sessions_for_requirements(
            viewer=current_user, statuses=requirement_statuses, now=now
        ),
        records=records,
        feed_token=find_active_token(me),
    )
