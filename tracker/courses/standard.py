"""The standard Prevent courses a council starts with: `flask courses add-defaults` and the Courses page's
"Add the standard courses" (the demo data uses the same list)."""

from __future__ import annotations

from tracker.accounts.models import UserAccount
from tracker.courses import services
from tracker.courses.models import Course

STANDARD_COURSES = [
    dict(
        code="WRAP",
        name="Workshop to Raise Awareness of Prevent",
        duration_minutes=120,
        validity_months=36,
        counts_for_compliance=True,
        target_percent=85,
        partial_counts=False,
        description="The Home Office workshop on recognising and referring people vulnerable to radicalisation.",
    ),
    dict(
        code="PREVENT-BASIC",
        name="Basic Awareness of Prevent",
        duration_minutes=60,
        validity_months=36,
        counts_for_compliance=True,
        target_percent=85,
        partial_counts=True,
        description="An introduction to the Prevent duty for all staff.",
    ),
    dict(
        code="HO-ELEARN",
        name="Home Office Prevent e-learning",
        duration_minutes=45,
        validity_months=36,
        counts_for_compliance=True,
        target_percent=85,
        partial_counts=False,
        description="The Home Office's online Prevent awareness course, evidenced by its certificate.",
    ),
    dict(
        code="CTLP-BRIEFING",
        name="Counter Terrorism Local Profile briefing",
        duration_minutes=60,
        validity_months=None,
        counts_for_compliance=False,
        target_percent=85,
        partial_counts=True,
        description="A briefing on the London North Counter Terrorism Local Profile.",
    ),
]

#: (course, equivalent): completing the equivalent also satisfies the course.
STANDARD_EQUIVALENTS = [("WRAP", "HO-ELEARN"), ("PREVENT-BASIC", "HO-ELEARN"), ("PREVENT-BASIC", "WRAP")]


def missing_standard_courses() -> list[str]:
    """Codes of the standard courses not yet added."""
    return [spec["code"] for spec in STANDARD_COURSES if services.find_course_by_code(spec["code"]) is None]


def add_standard_courses(*, actor: UserAccount | None = None) -> list[Course]:
    """Add each standard course not yet known (by code) and the standard equivalences between the new ones;
    returns the courses added. Running it again adds nothing, and changes nothing a coordinator has edited."""
    missing = set(missing_standard_courses())
    added = [services.create_course(**spec, actor=actor) for spec in STANDARD_COURSES if spec["code"] in missing]
    new_codes = {course.code for course in added}
    for code, equivalent_code in STANDARD_EQUIVALENTS:
        if code in new_codes or equivalent_code in new_codes:
            course, equivalent = services.find_course_by_code(code), services.find_course_by_code(equivalent_code)
            if course is not None and equivalent is not None:
                services.add_equivalent(course=course, equivalent=equivalent, actor=actor)
    return added
