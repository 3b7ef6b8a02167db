"""`row_url`: the address a long table links each row to, built once and filled in per row."""

from __future__ import annotations

import pytest
from flask import Flask, url_for

from tracker.common.urls import fixed_url, query_number_url, row_url


@pytest.fixture
def app():
    app = Flask(__name__)
    app.add_url_rule("/sessions/<int:session_id>", "session", lambda session_id: "")
    app.add_url_rule("/orgs/<int:org_id>/people/<int:person_id>/edit", "person", lambda org_id, person_id: "")
    return app


@pytest.mark.parametrize("script_root", ["", "/training"])
def test_it_gives_what_url_for_gives_for_every_row(app, script_root):
    with app.test_request_context(base_url=f"http://localhost{script_root}"):
        session_url = row_url("session", "session_id")
        person_url = row_url("person", "person_id", org_id=7, next="/my training")
        for row_id in (0, 1, 42, 10**12):
            assert session_url(row_id) == url_for("session", session_id=row_id)
            assert person_url(row_id) == url_for("person", org_id=7, person_id=row_id, next="/my training")
        assert session_url(5).startswith(f"{script_root}/sessions/5")


def test_only_integers_go_into_the_address(app):
    with app.test_request_context():
        session_url = row_url("session", "session_id")
        assert session_url("12") == "/sessions/12"
        with pytest.raises(ValueError):
            session_url("12/../../admin")


# --- query_number_url: pagination links --------------------------------------------------------------------


def test_query_number_url_gives_what_url_for_gives_with_the_number_last(app):
    app.add_url_rule("/orgs/<int:org_id>/people", "people", lambda org_id: "")
    with app.test_request_context():
        page_url = query_number_url("people", "page", org_id=3, month="2027-01", q="Ann & Bob", page=9)
        for number in (1, 2, 57):
            assert page_url(number) == url_for("people", org_id=3, month="2027-01", q="Ann & Bob", page=number)
        assert page_url(2).endswith("&page=2")


def test_query_number_url_is_not_misled_by_a_value_holding_the_marker(app):
    app.add_url_rule("/people", "people", lambda: "")
    with app.test_request_context():
        crafted = str(918_273_645_546_372_819)
        page_url = query_number_url("people", "page", q=crafted, page=crafted)
        assert page_url(4) == url_for("people", q=crafted, page=4)


# --- fixed_url: the layout's links ------------------------------------------------------------------------


@pytest.mark.parametrize("script_root", ["", "/training"])
def test_fixed_url_gives_what_url_for_gives_under_each_script_root(app, script_root):
    app.add_url_rule("/accessibility", "accessibility", lambda: "")
    app.static_folder = "static"
    with app.test_request_context(base_url=f"http://localhost{script_root}"):
        assert fixed_url("accessibility") == url_for("accessibility") == f"{script_root}/accessibility"
        assert fixed_url("static", filename="css/app.css") == url_for("static", filename="css/app.css")
        assert fixed_url("session", session_id=3) == f"{script_root}/sessions/3"
