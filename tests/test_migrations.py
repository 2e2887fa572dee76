"""The schema comes from Alembic migrations, and they match the models."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app import create_app
from app.extensions import db
from app.search.models import include_name


def test_migrations_match_the_models(app):
    """Equivalent of `flask db check`, on the database the suite runs on."""
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True,
                                                     "render_as_batch": True,
                                                     "include_name": include_name})
        diff = compare_metadata(ctx, db.metadata)
    assert diff == []


def test_upgrade_and_downgrade_round_trip(tmp_path):
    app = create_app({"ENVIRONMENT": "testing", "SECRET_KEY": "z" * 40,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'round.sqlite3'}"},
                     instance_path=str(tmp_path))
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"user", "theme", "membership", "organisation"} <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert "membership" in inspect(db.engine).get_table_names()
        # Indexes SQLAlchemy cannot reflect on SQLite (expression, partial) are still there.
        names = {row[0] for row in db.session.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'index'"))}
        assert {"uq_user_username_lower", "uq_membership_one_owner"} <= names
        db.session.remove()
        db.engine.dispose()
