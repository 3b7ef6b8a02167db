"""Courses, equivalents and requirements: services and the coordinator's pages."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.factories import make_course, make_department, make_organisation, make_requirement, make_user, wrap_course
from tracker.accounts.models import Role
from tracker.attendance.records import satisfying_course_ids
from tracker.common.audit import AuditEvent
from tracker.courses import services
from tracker.courses.models import Course, Requirement


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def audited(db, action: str) -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == action))


COURSE_FORM = {
    "code": "ctlp-briefing",
    "name": "Counter Terrorism Local Profile briefing",
    "duration_minutes": "60",
    "validity_months": "",
    "target_percent": "85",
    "required_observations": "0",
    "required_co_deliveries": "0",
}


# --- Services ------------------------------------------------------------------------------------------


def test_a_course_code_is_stored_upper_case_and_unique(app):
    course = services.create_course(code=" wrap ", name="WRAP", validity_months=36)
    assert course.code == "WRAP"
    with pytest.raises(services.CourseExistsError):
        services.create_course(code="Wrap", name="Again")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"code": "has space"}, "code", "Course code must be"),
        ({"name": " "}, "name", "Enter the course name"),
        ({"target_percent": 101}, "target_percent", "Target must be between 0 and 100"),
        ({"validity_months": 0}, "validity_months", "Validity must be between 1 and 600"),
        ({"duration_minutes": 0}, "duration_minutes", "Duration must be between 1 and 1440"),
    ],
)
def test_course_values_are_checked(app, changes, field, message):
    values = {"code": "X", "name": "X", **changes}
    with pytest.raises(services.CourseError, match=message) as error:
        services.create_course(**values)
    assert error.value.field == field


def test_update_course_audits_only_what_changed(app, db):
    course = services.create_course(code="WRAP", name="WRAP", validity_months=36)
    services.update_course(course=course, validity_months=None, target_percent=90)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "course.updated"))
    assert event.before == {"validity_months": 36, "target_percent": 85}
    assert event.after == {"validity_months": None, "target_percent": 90}


def test_equivalents_satisfy_the_course(app):
    wrap = wrap_course()
    elearning = make_course(code="HO-ELEARNING", name="Home Office Prevent e-learning")
    services.add_equivalent(course=wrap, equivalent=elearning)
    assert set(satisfying_course_ids(wrap.id)) == {wrap.id, elearning.id}
    assert satisfying_course_ids(elearning.id) == [elearning.id]  # one way only
    with pytest.raises(services.EquivalentExistsError):
        services.add_equivalent(course=wrap, equivalent=elearning)
    with pytest.raises(services.CourseError, match="itself"):
        services.add_equivalent(course=wrap, equivalent=wrap)
    services.remove_equivalent(course=wrap, equivalent=elearning)
    assert satisfying_course_ids(wrap.id) == [wrap.id]


def test_requirements_are_checked_and_unique(app):
    wrap = wrap_course()
    organisation = make_organisation()
    department = make_department(organisation=organisation)
    requirement = services.create_requirement(
        course=wrap,
        organisation=organisation,
        department=department,
        job_titles=[" Social worker ", "social WORKER", "", "Manager"],
        from_date=date(2018, 4, 1),
    )
    assert requirement.job_titles == ["Social worker", "Manager"]
    with pytest.raises(services.RequirementExistsError):
        services.create_requirement(
            course=wrap,
            organisation=organisation,
            department=department,
            job_titles=["manager", "social worker"],
            from_date=date(2018, 4, 1),
        )
    with pytest.raises(services.CourseError, match="Choose a department of"):
        services.create_requirement(
            course=wrap, organisation=make_organisation(), department=department, from_date=date(2018, 4, 1)
        )
    with pytest.raises(services.CourseError, match="Enter the date"):
        services.create_requirement(course=wrap, organisation=organisation, from_date=None)


# --- Pages ---------------------------------------------------------------------------------------------


def test_every_page_renders(app, as_coordinator):
    wrap = wrap_course()
    elearning = make_course(code="HO-ELEARNING", name="Home Office Prevent e-learning", validity_months=None)
    services.add_equivalent(course=wrap, equivalent=elearning)
    organisation = make_organisation(name="Barnet Enfield and Haringey Mental Health Trust")
    department = make_department(organisation=organisation, name="Barnet Locality")
    make_requirement(course=wrap, organisation=organisation, department=department, job_titles=["Nurse"])
    urls = {
        "/courses": ["WRAP", "HO-ELEARNING", "36 months", "Never expires", "85%"],
        "/courses/new": ["Add a course", "Sessions a trainee trainer must observe"],
        f"/courses/{wrap.id}": ["Home Office Prevent e-learning", "Barnet Locality", "Nurse"],
        f"/courses/{wrap.id}/edit": ["Edit WRAP", 'value="36"'],
        "/requirements": ["WRAP", "Barnet Enfield and Haringey Mental Health Trust", "Barnet Locality", "Nurse"],
        "/requirements/new": ["Whose people must complete the course?"],
        f"/requirements/new?organisation_id={organisation.id}": ["Add a requirement", "Barnet Locality"],
    }
    for url, expected in urls.items():
        html = page(as_coordinator.get(url))
        for text in expected:
            assert text in html, f"{text!r} not on {url}"


def test_adding_a_course_that_never_expires(app, db, as_coordinator):
    response = as_coordinator.post("/courses/new", data={**COURSE_FORM, "counts_for_compliance": "y"})
    assert response.status_code == 302
    course = db.session.scalar(select(Course).where(Course.code == "CTLP-BRIEFING"))
    assert course.validity_months is None and course.counts_for_compliance and not course.partial_counts
    assert audited(db, "course.created") == 1


def test_course_form_errors_keep_what_was_typed(app, as_coordinator):
    wrap_course()
    html = page(as_coordinator.post("/courses/new", data={**COURSE_FORM, "code": "WRAP", "target_percent": "eighty"}))
    assert "Target (percent trained) must be a whole number" in html and 'value="eighty"' in html
    html = page(as_coordinator.post("/courses/new", data={**COURSE_FORM, "code": "wrap"}))
    assert "There is already a course with the code WRAP" in html
    html = page(
        as_coordinator.post("/courses/new", data={**COURSE_FORM, "duration_minutes": "", "target_percent": "150"})
    )
    assert "Enter the duration in minutes" in html
    html = page(as_coordinator.post("/courses/new", data={**COURSE_FORM, "target_percent": "150"}))
    assert "Target must be between 0 and 100" in html


def test_editing_a_course(app, db, as_coordinator):
    course = make_course(code="WRAP", validity_months=36)
    data = {
        **COURSE_FORM,
        "code": "WRAP",
        "name": "WRAP",
        "validity_months": "24",
        "partial_counts": "y",
        "counts_for_compliance": "y",
    }
    assert as_coordinator.post(f"/courses/{course.id}/edit", data=data).status_code == 302
    db.session.refresh(course)
    assert course.validity_months == 24 and course.partial_counts


def test_adding_and_removing_an_equivalent_on_the_page(app, db, as_coordinator):
    wrap = wrap_course()
    elearning = make_course(code="HO-ELEARNING")
    assert (
        as_coordinator.post(f"/courses/{wrap.id}/equivalents", data={"equivalent": str(elearning.id)}).status_code
        == 302
    )
    assert set(satisfying_course_ids(wrap.id)) == {wrap.id, elearning.id}
    html = page(as_coordinator.post(f"/courses/{wrap.id}/equivalents", data={"equivalent": str(elearning.id)}))
    assert "HO-ELEARNING already counts for WRAP" in html
    html = page(as_coordinator.post(f"/courses/{wrap.id}/equivalents", data={"equivalent": ""}))
    assert "Choose a course" in html
    assert as_coordinator.post(f"/courses/{wrap.id}/equivalents/{elearning.id}/remove").status_code == 302
    assert satisfying_course_ids(wrap.id) == [wrap.id]
    assert audited(db, "course.equivalent_added") == 1 and audited(db, "course.equivalent_removed") == 1


def test_adding_and_removing_a_requirement(app, db, as_coordinator):
    wrap = wrap_course()
    organisation = make_organisation()
    department = make_department(organisation=organisation, name="Fostering")
    url = f"/requirements/new?organisation_id={organisation.id}"
    data = {
        "course": str(wrap.id),
        "department_id": str(department.id),
        "job_titles": "Social worker\r\n\r\nManager",
        "from_date": "2018-04-01",
    }
    assert as_coordinator.post(url, data=data).status_code == 302
    requirement = db.session.scalar(select(Requirement))
    assert (requirement.department_id, requirement.job_titles, requirement.from_date) == (
        department.id,
        ["Social worker", "Manager"],
        date(2018, 4, 1),
    )
    html = page(as_coordinator.post(url, data=data))
    assert "This requirement already exists" in html
    html = page(as_coordinator.post(url, data={"course": "", "department_id": "", "from_date": ""}))
    assert "Choose a course" in html and "Enter the date the requirement starts" in html
    assert as_coordinator.post(f"/requirements/{requirement.id}/remove").status_code == 302
    assert db.session.scalar(select(func.count(Requirement.id))) == 0
    removed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "requirement.removed"))
    assert removed.before["course"] == "WRAP" and removed.before["job_titles"] == ["Social worker", "Manager"]


def test_other_roles_cannot_manage_courses(app, signed_in):
    client = signed_in(make_user(Role.TRAINER, Role.MANAGER, Role.STAFF, Role.PARTNER))
    assert client.get("/courses").status_code == 403
    assert client.get("/requirements").status_code == 403


def test_lists_issue_the_same_queries_for_10_and_200(app, db, as_coordinator, queries):
    organisation = make_organisation()
    counts = []
    for n in (10, 190):
        for _ in range(n):
            course = make_course()
            services.add_equivalent(course=course, equivalent=wrap_course())
            make_requirement(
                course=course, organisation=organisation, department=make_department(organisation=organisation)
            )
        db.session.commit()
        with queries() as counter:
            page(as_coordinator.get("/courses"))
            page(as_coordinator.get("/requirements"))
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
