"""Building roster CSV files for the tests."""

from __future__ import annotations

import csv
import io

HEADER = [
    "organisation",
    "employee_ref",
    "first_name",
    "last_name",
    "email",
    "department",
    "job_title",
    "line_manager_ref",
    "start_date",
    "end_date",
]


def roster_row(organisation: str, ref: str, **kw) -> dict[str, str]:
    row = {
        "organisation": organisation,
        "employee_ref": ref,
        "first_name": kw.pop("first_name", "Alex"),
        "last_name": kw.pop("last_name", f"Person {ref}"),
        "email": kw.pop("email", f"{ref.lower()}@example.org"),
        "department": kw.pop("department", ""),
        "job_title": kw.pop("job_title", ""),
        "line_manager_ref": kw.pop("line_manager_ref", ""),
        "start_date": kw.pop("start_date", ""),
        "end_date": kw.pop("end_date", ""),
    }
    assert not kw, kw
    return row


def roster_csv(rows: list[dict[str, str]], *, bom: bool = False, header: list[str] | None = None) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header or HEADER)
    for row in rows:
        writer.writerow([row.get(name, "") for name in HEADER])
    data = out.getvalue().encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data
