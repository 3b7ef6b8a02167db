"""The schema comes only from the migrations: they build it from empty, and they match the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tests.conftest import make_config
from tests.support.databases import create_postgres_database, drop_postgres_database, migrate, sqlite_url
from tracker import create_app
from tracker.extensions import db


@pytest.fixture
def empty_database(backend, tmp_path):
    if backend == "sqlite":
        yield sqlite_url(tmp_path, "empty.db")
    else:
        url = create_postgres_database("tracker_migrations")
        yield url
        drop_postgres_database(url)


def test_upgrade_from_empty_builds_a_schema_matching_the_models(empty_database):
    app = create_app(make_config(empty_database))
    migrate(app)
    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        tables = set(db.inspect(db.engine).get_table_names())
        db.engine.dispose()
    assert differences == [], f"models and migrations disagree: {differences}"
    assert {"booking", "training_session", "person", "outbox_message", "alembic_version"} <= tables


def test_a_second_upgrade_changes_nothing(empty_database):
    app = create_app(make_config(empty_database))
    migrate(app)
    migrate(app)
    with app.app_context():
        version = db.session.execute(db.text("SELECT version_num FROM alembic_version")).scalar_one()
        db.session.remove()
        db.engine.dispose()
    assert version
