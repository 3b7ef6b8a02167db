"""What the accessibility statement and privacy notice say that changes between councils and over time: the
council's details from configuration (required in production), the retention period the purge uses, and the
dates the accessibility statement was prepared, reviewed and tested on (update them with each review)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

#: The accessibility statement's own history: change these when the service is tested or the statement reviewed.
STATEMENT_PREPARED_ON = date(2026, 12, 5)
STATEMENT_REVIEWED_ON = date(2026, 12, 5)
SERVICE_TESTED_ON = date(2026, 12, 5)
#: How long the council takes to answer a request for another format or a reported problem.
REPLY_WORKING_DAYS = 10


@dataclass(frozen=True)
class Council:
    """The council that runs the service: controller of its personal data, and the contact for accessibility."""

    name: str
    email: str
    dpo_email: str
    address_lines: tuple[str, ...]
    retention_months: int

    @property
    def retention_period(self) -> str:
        """RETENTION_MONTHS in words: "72 months (6 years)", "18 months"."""
        months = self.retention_months
        if months % 12 == 0:
            years = months // 12
            return f"{months} months ({years} year{'s' if years != 1 else ''})"
        return f"{months} month{'s' if months != 1 else ''}"


def council_from_config(config: dict[str, Any]) -> Council:
    """The council's details from the app's configuration (TRACKER_COUNCIL_*, TRACKER_DPO_EMAIL, RETENTION_MONTHS)."""
    address = config.get("TRACKER_COUNCIL_ADDRESS") or ""
    return Council(
        name=config.get("TRACKER_COUNCIL_NAME") or "",
        email=config.get("TRACKER_COUNCIL_EMAIL") or "",
        dpo_email=config.get("TRACKER_DPO_EMAIL") or "",
        address_lines=tuple(line.strip() for line in address.split(",") if line.strip()),
        retention_months=int(config["RETENTION_MONTHS"]),
    )
