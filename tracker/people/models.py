"""Organisations, their nested departments, people and dated placements in departments."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.common.time import utc_now
from tracker.common.types import UTCDateTime, enum_column
from tracker.extensions import db

if TYPE_CHECKING:
    from tracker.accounts.models import UserAccount


class OrganisationKind(StrEnum):
    LOCAL_AUTHORITY = "local_authority"
    NHS_TRUST = "nhs_trust"
    HOUSING = "housing"
    THIRD_SECTOR = "third_sector"
    EDUCATION = "education"
    CRIMINAL_JUSTICE = "criminal_justice"
    POLICE = "police"
    OTHER = "other"

    @property
    def label(self) -> str:
        return ORGANISATION_KIND_LABELS[self]


ORGANISATION_KIND_LABELS = {
    OrganisationKind.LOCAL_AUTHORITY: "Local authority",
    OrganisationKind.NHS_TRUST: "NHS trust",
    OrganisationKind.HOUSING: "Housing",
    OrganisationKind.THIRD_SECTOR: "Third sector (charity or community group)",
    OrganisationKind.EDUCATION: "School, college or university",
    OrganisationKind.CRIMINAL_JUSTICE: "Criminal justice (probation, youth offending)",
    OrganisationKind.POLICE: "Police",
    OrganisationKind.OTHER: "Other",
}


class Organisation(db.Model):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(enum_column(OrganisationKind, "organisation_kind"))
    #: Added by someone without an account (public booking or request) and not yet checked by the coordinator.
    needs_review: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    departments: Mapped[list[Department]] = relationship(back_populates="organisation", order_by="Department.path")

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"


class Department(db.Model):
    """A department or a team inside one; `path` is the full name, "Children and Family Services/Fostering"."""

    __tablename__ = "department"
    __table_args__ = (UniqueConstraint("organisation_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Names from the top department down, joined by "/"; kept in step with the parent's path.
    path: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    organisation: Mapped[Organisation] = relationship(back_populates="departments")
    parent: Mapped[Department | None] = relationship(remote_side="Department.id", back_populates="children")
    children: Mapped[list[Department]] = relationship(back_populates="parent", order_by="Department.name")

    @property
    def depth(self) -> int:
        return self.path.count("/")

    def __repr__(self) -> str:
        return f"<Department {self.id} {self.path!r}>"


class Person(db.Model):
    """Someone who can be booked and counted. Many have no login."""

    __tablename__ = "person"
    __table_args__ = (
        UniqueConstraint("organisation_id", "employee_ref"),
        CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="left_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: None only for someone outside every organisation: the first coordinator of an empty database.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    #: HR reference, unique within the organisation; people added by hand or by a partner may have none.
    employee_ref: Mapped[str | None] = mapped_column(String(64))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    #: Stored lower-cased, so uniqueness is case-insensitive on every database.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    job_title: Mapped[str | None] = mapped_column(String(200))
    line_manager_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    start_date: Mapped[date | None] = mapped_column(Date)
    #: Leave date: from this day the person no longer counts in any denominator.
    end_date: Mapped[date | None] = mapped_column(Date)
    #: Set when retention erased the personal details; counts in past reports stay the same.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)

    organisation: Mapped[Organisation | None] = relationship()
    line_manager: Mapped[Person | None] = relationship(remote_side="Person.id")
    placements: Mapped[list[Placement]] = relationship(
        back_populates="person", order_by="Placement.from_date", cascade="all, delete-orphan"
    )
    account: Mapped[UserAccount | None] = relationship(back_populates="person", uselist=False)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.full_name!r}>"


class Placement(db.Model):
    """A person's membership of a department over [from_date, to_date); to_date None means still there."""

    __tablename__ = "placement"
    __table_args__ = (
        CheckConstraint("to_date IS NULL OR to_date > from_date", name="ends_after_start"),
        Index("ix_placement_department_dates", "department_id", "from_date", "to_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    from_date: Mapped[date] = mapped_column(Date)
    to_date: Mapped[date | None] = mapped_column(Date)

    person: Mapped[Person] = relationship(back_populates="placements")
    department: Mapped[Department] = relationship()

    def covers(self, day: date) -> bool:
        return self.from_date <= day and (self.to_date is None or day < self.to_date)


class DepartmentManager(db.Model):
    """A manager of a department sees (and books) everyone placed in it and in its sub-departments."""

    __tablename__ = "department_manager"
    __table_args__ = (UniqueConstraint("department_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)

    department: Mapped[Department] = relationship()
    person: Mapped[Person] = relationship()
