"""The macros every page may call (GOV.UK components and our form pieces), made Jinja globals once per process,
and `govukTag` as a Python function with GOV.UK's markup.

Importing them at the top of `base.html` cost each request one `{% from %}` per macro (Jinja looks the imported
module up and compares the globals every time): about a tenth of a short page's rendering. As globals they are
imported once, when the app starts; a template may still import a macro itself, which then takes precedence.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import Flask
from markupsafe import Markup

#: Template -> macro names to expose as globals (the GOV.UK macros keep their GOV.UK names).
SHARED_MACROS: dict[str, tuple[str, ...]] = {
    "govuk_frontend_jinja/components/notification-banner/macro.html": ("govukNotificationBanner",),
    "govuk_frontend_jinja/components/error-summary/macro.html": ("govukErrorSummary",),
    "govuk_frontend_jinja/components/back-link/macro.html": ("govukBackLink",),
    "govuk_frontend_jinja/components/button/macro.html": ("govukButton",),
    "govuk_frontend_jinja/components/table/macro.html": ("govukTable",),
    "govuk_frontend_jinja/components/summary-list/macro.html": ("govukSummaryList",),
    "govuk_frontend_jinja/components/inset-text/macro.html": ("govukInsetText",),
    "govuk_frontend_jinja/components/warning-text/macro.html": ("govukWarningText",),
    "govuk_frontend_jinja/components/panel/macro.html": ("govukPanel",),
    "govuk_frontend_jinja/components/details/macro.html": ("govukDetails",),
    "macros/pagination.html": ("govukPagination",),  # a lean version of GOV.UK's, same markup
    "macros/forms.html": ("error_summary", "csrf_field", "post_button"),
}


def govuk_tag(params: dict[str, Any]) -> Markup:
    """govukTag with GOV.UK Frontend's markup (`text`, escaped, and `classes`), as a Python function: long
    tables draw one per row, and even a lean Jinja macro cost several times this. The few tags a page draws
    (text and classes come from the template) are each made once."""
    if params.get("attributes") or params.get("html"):
        raise ValueError("govukTag here takes text and classes only")
    text, classes = params.get("text", ""), params.get("classes") or ""
    if isinstance(text, Markup):  # already HTML: drawn as it is (and not cached alongside the same text as str)
        return _tag_markup(text, classes)
    return _tag(str(text), classes)


@lru_cache(maxsize=256)
def _tag(text: str, classes: str) -> Markup:
    return _tag_markup(text, classes)


def _tag_markup(text: str, classes: str) -> Markup:
    # Markup + str escapes the str.
    start = Markup('<strong class="govuk-tag') + (f" {classes}" if classes else "") + Markup('">\n  ')
    return start + text + Markup("\n</strong>\n")


def init_app(app: Flask) -> None:
    env = app.jinja_env
    env.globals["govukTag"] = govuk_tag
    for template_name, names in SHARED_MACROS.items():
        module = env.get_template(template_name).module
        for name in names:
            env.globals[name] = getattr(module, name)
