"""One unit of work per request and per command: a request answered below 400 commits once at its end, an
error answer or an exception rolls back, and on SQLite a write (or a row lock) takes the database's write lock
while reading units of work go on in parallel (`tracker.common.unit_of_work`, `tracker.common.database`)."""

from __future__ import annotations

import threading

import click
import pytest
from flask import abort
from sqlalchemy import func, select, update

from tests.factories import make_organisation
from tracker.access_policy import POLICY
from tracker.common.errors import ConflictError
from tracker.common.permissions import PUBLIC
from tracker.common.unit_of_work import keep_despite_error, unit_of_work
from tracker.extensions import db
from tracker.people.models import Organisation


@pytest.fixture
def probes(app):
    """Routes that change an organisation's name and then answer in different ways."""
    organisation = make_organisation(name="Barnet Homes")
    db.session.commit()
    organisation_id = organisation.id
    app.config["WTF_CSRF_ENABLED"] = False

    def rename(name: str) -> None:
        db.session.get(Organisation, organisation_id).name = name
        db.session.flush()

    def answer_ok():
        rename("Renamed, answered 200")
        return "ok"

    def answer_redirect():
        db.session.execute(update(Organisation).values(name="Renamed in SQL, redirected"))
        return "", 303, {"Location": "/"}

    def raise_rule():
        rename("Renamed, then a rule said no")
        raise ConflictError("No")

    def raise_unexpected():
        rename("Renamed, then it broke")
        raise RuntimeError("half-way")

    def answer_404():
        rename("Renamed, then not found")
        abort(404)

    def refuse_but_record():
        rename("Renamed before the refusal")
        db.session.rollback()
        rename("The record of the refusal")
        keep_despite_error()
        abort(403)

    routes = {view.__name__: view for view in (answer_ok, answer_redirect, raise_rule, raise_unexpected, answer_404)}
    routes["refuse_but_record"] = refuse_but_record
    for name, view in routes.items():
        app.add_url_rule(f"/probe/{name}", f"probe_{name}", view, methods=["GET", "POST"])
        POLICY[f"probe_{name}"] = PUBLIC
    yield organisation_id
    for name in routes:
        POLICY.pop(f"probe_{name}")


def _name(organisation_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Organisation, organisation_id).name


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(
    ("path", "kept"),
    [
        ("/probe/answer_ok", "Renamed, answered 200"),
        ("/probe/answer_redirect", "Renamed in SQL, redirected"),
        ("/probe/raise_rule", "Barnet Homes"),
        ("/probe/raise_unexpected", "Barnet Homes"),
        ("/probe/answer_404", "Barnet Homes"),
        ("/probe/refuse_but_record", "The record of the refusal"),
    ],
)
def test_a_request_commits_when_it_succeeds_and_rolls_back_when_it_fails(app, probes, method, path, kept):
    getattr(app.test_client(), method)(path)
    assert _name(probes) == kept


def test_a_command_commits_when_it_returns_and_rolls_back_when_it_fails(app, runner):
    organisation = make_organisation(name="Barnet Homes")
    db.session.commit()
    organisation_id = organisation.id

    @app.cli.command("probe-rename")
    @click.argument("name")
    @click.option("--fail", is_flag=True)
    def probe_rename(name: str, fail: bool) -> None:
        db.session.get(Organisation, organisation_id).name = name
        db.session.flush()
        if fail:
            raise click.ClickException("refused")

    from tracker.cli import _in_unit_of_work

    probe_rename.callback = _in_unit_of_work(probe_rename.callback)
    assert runner.invoke(args=["probe-rename", "Renamed, then refused", "--fail"]).exit_code == 1
    assert _name(organisation_id) == "Barnet Homes"
    assert runner.invoke(args=["probe-rename", "Renamed by a command"]).exit_code == 0
    assert _name(organisation_id) == "Renamed by a command"


def test_unit_of_work_rolls_back_what_the_block_did_when_it_raises(app):
    organisation = make_organisation(name="Barnet Homes")
    db.session.commit()
    with pytest.raises(RuntimeError), unit_of_work():
        organisation.name = "Renamed, then it broke"
        db.session.flush()
        raise RuntimeError("half-way")
    assert _name(organisation.id) == "Barnet Homes"


def test_on_sqlite_a_write_waits_for_the_writer_and_readers_do_not(app, backend):
    """A unit of work that wrote holds SQLite's write lock to its end: a second writer waits for it (and then
    sees its change), while a reader is not held up at all."""
    if backend != "sqlite":
        pytest.skip("PostgreSQL's row locks are tested with the booking service's concurrency tests")
    organisation = make_organisation(name="Barnet Homes")
    db.session.commit()
    organisation_id = organisation.id
    first_wrote, reader_done, second_done = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, object] = {}

    def other_unit(kind: str) -> None:
        with app.app_context():
            try:
                first_wrote.wait(5)
                if kind == "reader":
                    seen["reader"] = db.session.scalar(select(func.count()).select_from(Organisation))
                    reader_done.set()
                else:
                    locked = db.session.scalar(
                        select(Organisation).where(Organisation.id == organisation_id).with_for_update()
                    )
                    seen["writer saw"] = locked.name
                    second_done.set()
                db.session.commit()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=other_unit, args=(kind,)) for kind in ("reader", "writer")]
    for thread in threads:
        thread.start()
    organisation.name = "Renamed by the first writer"
    db.session.flush()  # takes the write lock
    first_wrote.set()
    assert reader_done.wait(5), "a reader waited for the writer"
    assert not second_done.wait(0.3), "a second writer went ahead while the first held the lock"
    db.session.commit()
    for thread in threads:
        thread.join(10)
    assert seen == {"reader": 1, "writer saw": "Renamed by the first writer"}
