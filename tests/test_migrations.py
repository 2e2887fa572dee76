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


def test_the_search_migration_makes_existing_posts_findable(tmp_path):
    """Posts written before search lived in the database are found after the upgrade: the
    migration analyses them (body, published replies, attachment names, author), not later."""
    app = create_app({"ENVIRONMENT": "testing", "SECRET_KEY": "z" * 40,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}"},
                     instance_path=str(tmp_path))
    with app.app_context():
        upgrade(revision="0007")
        db.session.execute(text(
            "INSERT INTO user (id, email, username, password_hash, locale, is_platform_owner, "
            "created_at, overview_frequency, admin_digest, security_stamp) VALUES "
            "(1, 'a@example.org', 'Schrijver', 'x', 'nl', 0, '2026-01-01', 'weekly', 1, 0)"))
        db.session.execute(text(
            "INSERT INTO theme (id, slug, name, description, workgroup_type, position, "
            "created_at, digest_frequency, members_may_push) VALUES "
            "(1, 'oud', 'Oud', '', 'half_open', 0, '2026-01-01', 'weekly', 0)"))
        for post_id, status in ((1, "published"), (2, "deleted")):
            db.session.execute(text(
                "INSERT INTO post (id, theme_id, author_id, title, body, body_html, part, "
                "status, restricted, created_at, star_count, reply_count) VALUES "
                f"({post_id}, 1, 1, 'Dijkversterking', 'tekst', '<p>tekst</p>', 'public', "
                f"'{status}', 0, '2026-01-01', 0, 0)"))
        db.session.execute(text(
            "INSERT INTO reply (id, post_id, author_id, body, body_html, status, created_at) "
            "VALUES (1, 1, 1, 'over ideeën voor de kade', '', 'published', '2026-01-02'), "
            "(2, 1, 1, 'wachtend geheim', '', 'pending', '2026-01-02')"))
        db.session.execute(text(
            "INSERT INTO attachment (id, post_id, stored_name, filename, content_type, size, "
            "is_image, created_at) VALUES (1, 1, 's1', 'begroting-kademuur.pdf', "
            "'application/pdf', 1, 0, '2026-01-02')"))
        db.session.commit()
        for revision, fts in (("0008", "post_search_fts"), ("head", "item_search_fts")):
            upgrade(revision=revision)  # 0008 builds the rows; later migrations keep them

            def found(words):
                return [r[0] for r in db.session.execute(text(
                    f"SELECT rowid FROM {fts} WHERE {fts} MATCH :q"), {"q": words})]
            assert found('"kademuur"') == [1]  # attachment name
            assert found('"ideeen" OR "idee"') == [1]  # a published reply, accents folded
            assert found('"schrijver"') == [1]  # the author
            assert found('"wachtend"') == []  # a waiting reply is not searchable
            assert found('"dijkversterk" OR "dijkversterking"') == [1]  # deleted post: no row
        db.session.remove()
        db.engine.dispose()
