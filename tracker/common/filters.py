"""Jinja filters and globals: London times, GOV.UK date style, RAG tags."""

from __future__ import annotations

from flask import Flask

from tracker.common import time as t


def rag_tag_class(rag: str | None) -> str:
    return {"green": "govuk-tag--green", "amber": "govuk-tag--yellow", "red": "govuk-tag--red"}.get(
        rag or "", "govuk-tag--grey"
    )


def pluralise(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count:,} {singular if count == 1 else (plural or singular + 's')}"


def init_app(app: Flask) -> None:
    app.add_template_filter(t.format_date, "date")
    app.add_template_filter(t.format_time, "time")
    app.add_template_filter(t.format_datetime, "datetime")
    app.add_template_filter(lambda d: d.isoformat() if d else "", "iso")
    app.add_template_filter(lambda m: t.to_london(m).strftime("%Y-%m-%d") if m else "", "london_iso_date")
    app.add_template_filter(lambda m: t.to_london(m).strftime("%H:%M") if m else "", "london_hhmm")
    app.add_template_filter(rag_tag_class, "rag_class")
    app.add_template_filter(pluralise, "pluralise")
    app.add_template_filter(mask_email, "mask_email")
    app.add_template_filter(lambda n: f"{n:,}" if n is not None else "", "thousands")


def mask_email(email: str | None) -> str:
    """An email address with its local part hidden but the first letter: t…@barnet.example (enough to tell
    two people of one name apart, not enough to harvest addresses)."""
    if not email or "@" not in email:
        return ""
    local, _, domain = email.partition("@")
    return f"{local[:1]}…@{domain}"
