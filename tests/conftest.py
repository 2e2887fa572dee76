"""Test set-up: one app per session on a migrated database (SQLite file, or PostgreSQL when
BOARD_TEST_DATABASE_URL is set), a clean database for every test, and a real SMTP server."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from app import create_app
from app.extensions import db, limiter
from tests.helpers import Client
from tests.mailbox import SMTPServer

PG_URL = os.environ.get("BOARD_TEST_DATABASE_URL")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def smtp_server():
    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def app(tmp_path_factory, smtp_server):
    base = tmp_path_factory.mktemp("board")
    uri = PG_URL or f"sqlite:///{base / 'test.sqlite3'}"
    app = create_app({
        "ENVIRONMENT": "testing",
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": uri,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_server.port,
        "MAIL_DELIVERY": "sync",  # deliver right after each commit: tests read the mailbox
        "RATELIMIT_ENABLED": True,
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "MAIL_FORM_RATE_LIMIT": "1000 per minute",
    }, instance_path=str(base / "instance"))
    with app.app_context():
        if PG_URL:
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        from flask_migrate import upgrade
        upgrade()  # the real migrations build the schema, never create_all()
    return app


def _wipe():
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for t in tables:
                conn.execute(t.delete())


@pytest.fixture(autouse=True)
def _app_context(app, smtp_server):
    with app.app_context():
        yield
        db.session.remove()
        _wipe()
    smtp_server.mailbox.clear()
    limiter.reset()


@pytest.fixture
def mailbox(smtp_server):
    return smtp_server.mailbox


@pytest.fixture
def client(app):
    """A visitor's browser session (English UI, so assertions read as English)."""
    return Client(app)


@pytest.fixture
def other_client(app):
    return Client(app)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A real redis-server on a loopback port, started on first use."""
    from tests.servers import RedisServer

    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3-compatible server on a loopback port, started on first use."""
    from tests.servers import MotoServer

    server = MotoServer().start()
    yield server
    server.stop()
