"""Every model, imported in one place so Alembic and the app see the whole schema."""

from tracker.accounts.models import (
    AccountLink,
    ApiToken,
    ExternalIdentity,
    LoginSession,
    Role,
    UserAccount,
    UserRole,
)
from tracker.attendance.models import Attendance, AttendanceChange, RegisterEvent, TrainingRecord
from tracker.booking.models import Booking
from tracker.certificates.models import Certificate
from tracker.checkin.models import CheckIn, CheckInEmailCode
from tracker.common.audit import AuditEvent
from tracker.courses.models import (
    Course,
    CourseEquivalence,
    Requirement,
    SessionAudience,
    SessionTrainer,
    TrainerAccreditation,
    TrainingSession,
)
from tracker.coverage.models import PartnerReturn, PartnerReturnVersion
from tracker.evaluations.models import EvaluationInvitation, EvaluationResponse
from tracker.invites.heartbeat import WorkerHeartbeat
from tracker.invites.models import CalendarFeedToken, OutboxMessage
from tracker.people.models import Department, DepartmentManager, Organisation, Person, Placement
from tracker.refreshers.models import ManagerDigest, RefresherReminder
from tracker.requests.models import TrainingRequest, TrainingRequestEvent

__all__ = [
    "AccountLink",
    "ApiToken",
    "Attendance",
    "AttendanceChange",
    "AuditEvent",
    "Booking",
    "CalendarFeedToken",
    "Certificate",
    "CheckIn",
    "CheckInEmailCode",
    "Course",
    "CourseEquivalence",
    "Department",
    "DepartmentManager",
    "EvaluationInvitation",
    "EvaluationResponse",
    "ExternalIdentity",
    "LoginSession",
    "ManagerDigest",
    "Organisation",
    "OutboxMessage",
    "PartnerReturn",
    "PartnerReturnVersion",
    "Person",
    "Placement",
    "RefresherReminder",
    "RegisterEvent",
    "Requirement",
    "Role",
    "SessionAudience",
    "SessionTrainer",
    "TrainerAccreditation",
    "TrainingRecord",
    "TrainingRequest",
    "TrainingRequestEvent",
    "TrainingSession",
    "UserAccount",
    "UserRole",
    "WorkerHeartbeat",
]
