"""The macros every page may call (GOV.UK Frontend's components, as govuk-frontend-jinja ships them, and our form
pieces), made Jinja globals when the app starts; a template may still import a macro itself."""

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
    "govuk_frontend_jinja/components/tag/macro.html": ("govukTag",),
    "govuk_frontend_jinja/components/pagination/macro.html": ("govukPagination",),
    "govuk_frontend_jinja/components/service-navigation/macro.html": ("govukServiceNavigation",),
    "macros/forms.html": ("error_summary", "csrf_field", "post_button"),
}


def init_app(app: Flask) -> None:
    env = app.jinja_env
    for template_name, names in SHARED_MACROS.items():
        module = env.get_template(template_name).module
        for name in names:
            env.globals[name] = getattr(module, name)
