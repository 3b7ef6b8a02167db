"""User administration: the coordinator's pages for accounts, roles, disabling, and set-password links."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from tracker.accounts import links, services
from tracker.accounts.admin_forms import NewUserForm, RolesForm
from tracker.accounts.models import Role, UserAccount
from tracker.common.errors import TrackerError
from tracker.common.forms import field_error, id_arg, select_choices
from tracker.common.paging import paginate
from tracker.extensions import db
from tracker.people import organisations
from tracker.people.models import Organisation, Person

bp = Blueprint("accounts", __name__)


def _actor() -> UserAccount:
    return current_user._get_current_object()


@bp.route("/users")
def list_users() -> ResponseReturnValue:
    """Every account: name, email address, roles, whether it is active, last sign-in."""
    search = (request.args.get("q") or "").strip()[:200]
    page = paginate(services.users_query(search=search))
    return render_template("accounts/users.html", page=page, pager=page.pagination(), search=search)


@bp.route("/users/new", methods=["GET", "POST"])
def new_user() -> ResponseReturnValue:
    """Create an account for someone known (by email address) or for someone new."""
    person = None
    if id_arg("person_id"):
        person = db.session.get(Person, id_arg("person_id"))
    if request.method == "GET" and person is not None:
        form = NewUserForm(data={"email": person.email, "roles": [Role.STAFF.value]})
    elif request.method == "GET":
        form = NewUserForm(data={"roles": [Role.STAFF.value]})
    else:
        form = NewUserForm()
    form.organisation.choices = select_choices([("", "Choose an organisation"), *organisations.organisation_choices()])
    if form.validate_on_submit():
        try:
            user = services.create_user(
                email=form.email.data,
                first_name=form.first_name.data or "",
                last_name=form.last_name.data or "",
                roles={Role(r) for r in form.roles.data or []},
                organisation=db.session.get(Organisation, form.organisation.data) if form.organisation.data else None,
                actor=_actor(),
            )
            link_sent = links.send_set_password_link(user=user, actor=_actor())
        except TrackerError as error:
            db.session.rollback()
            field_error(form, error.field or "email", error.message)
        else:
            how = (
                "We have emailed them a link to set their password."
                if link_sent
                else "They sign in with their organisation's account, so no password link was sent."
            )
            flash(f"Account created for {user.person.full_name}. {how}", "success")
            return redirect(url_for("accounts.user", user_id=user.id))
    return render_template("accounts/new_user.html", form=form, person=person)


def _render_user(user: UserAccount, roles_form: RolesForm | None = None):
    roles_form = roles_form or RolesForm(formdata=None, data={"roles": [r.value for r in user.roles]})
    return render_template(
        "accounts/user.html",
        user=user,
        roles_form=roles_form,
        form=roles_form,
        is_self=user.id == current_user.id,
        may_have_link=links.may_receive_links(user.person),
        organisation_sign_in_only=links.must_use_organisation_sign_in(user.person.email),
    )


@bp.route("/users/<int:user_id>")
def user(user_id: int) -> ResponseReturnValue:
    """One account: roles, status, password."""
    return _render_user(db.get_or_404(UserAccount, user_id))


@bp.route("/users/<int:user_id>/roles", methods=["POST"])
def edit_roles(user_id: int) -> ResponseReturnValue:
    """Replace the account's roles."""
    user = db.get_or_404(UserAccount, user_id)
    form = RolesForm()
    if form.validate_on_submit():
        try:
            services.set_roles(user=user, roles={Role(r) for r in form.roles.data or []}, actor=_actor())
        except TrackerError as error:
            db.session.rollback()
            field_error(form, "roles", error.message)
        else:
            flash("Roles saved", "success")
            return redirect(url_for("accounts.user", user_id=user.id))
    db.session.rollback()
    return _render_user(user, roles_form=form)


@bp.route("/users/<int:user_id>/disable", methods=["POST"])
def disable_user(user_id: int) -> ResponseReturnValue:
    """Disable the account: it cannot sign in, and its sessions and API tokens end now."""
    user = db.get_or_404(UserAccount, user_id)
    try:
        services.set_active(user=user, active=False, actor=_actor())
    except TrackerError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("accounts.user", user_id=user.id))
    flash(f"{user.person.full_name}'s account is disabled", "success")
    return redirect(url_for("accounts.user", user_id=user.id))


@bp.route("/users/<int:user_id>/enable", methods=["POST"])
def enable_user(user_id: int) -> ResponseReturnValue:
    """Let a disabled account sign in again."""
    user = db.get_or_404(UserAccount, user_id)
    services.set_active(user=user, active=True, actor=_actor())
    flash(f"{user.person.full_name}'s account is enabled", "success")
    return redirect(url_for("accounts.user", user_id=user.id))


@bp.route("/users/<int:user_id>/set-password-link", methods=["POST"])
def send_password_link(user_id: int) -> ResponseReturnValue:
    """Email the account a new set-password link (any earlier one stops working); nothing else changes."""
    user = db.get_or_404(UserAccount, user_id)
    try:
        link_sent = links.send_set_password_link(user=user, actor=_actor())
    except TrackerError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("accounts.user", user_id=user.id))
    if link_sent:
        flash(f"We have emailed {user.person.email} a new link to set their password", "success")
    else:
        flash(f"{user.person.full_name} signs in with their organisation's account: no password link was sent", "info")
    return redirect(url_for("accounts.user", user_id=user.id))
