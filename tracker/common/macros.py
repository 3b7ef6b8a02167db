"""The macros every page may call (GOV.UK components and our form pieces), made Jinja globals once per process.

Importing them at the top of `base.html` cost each request one `{% from %}` per macro (Jinja looks the imported
module up and compares the globals every time): about a tenth of a short page's rendering. As globals they are
imported once, when the app starts; a template may still import a macro itself, which then takes precedence.
"""

from __future__ import annotations

from flask import Flask

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
    "macros/tag.html": ("govukTag",),  # lean versions of GOV.UK's, same markup: drawn once per row or per list
    "macros/pagination.html": ("govukPagination",),
    "macros/forms.html": ("error_summary", "csrf_field", "post_button"),
}


def init_app(app: Flask) -> None:
    env = app.jinja_env
    for template_name, names in SHARED_MACROS.items():
        module = env.get_template(template_name).module
        for name in names:
            env.globals[name] = getattr(module, name)
