"""What the proxy and the log collector read: /healthz, /readyz and one line per request."""
from __future__ import annotations

import json
import logging

from app import requestlog
from app.themes.models import WorkgroupType
from tests.factories import ThemeFactory, UserFactory
from tests.helpers import Client


def test_healthz_answers_without_the_database(app, monkeypatch):
    from app import health

    def broken():
        raise AssertionError("healthz must not touch the database")

    monkeypatch.setitem(health.CHECKS, "database", broken)
    resp = Client(app).get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok"}
    assert resp.headers["Cache-Control"] == "no-store"


def test_readyz_names_each_part_and_the_failing_one(app, monkeypatch):
    resp = Client(app).get("/readyz")
    assert resp.status_code == 200
    assert resp.get_json()["checks"] == {"database": "ok", "redis": "not configured",
                                         "storage": "ok"}
    from app import health

    def down():
        raise ConnectionError("database away")

    monkeypatch.setitem(health.CHECKS, "database", down)
    resp = Client(app).get("/readyz")
    assert resp.status_code == 503
    body = resp.get_json()
    assert body["status"] == "unavailable"
    assert body["failing"] == ["database"]
    assert body["checks"]["database"] == "failed: ConnectionError"
    assert body["checks"]["storage"] == "ok"


def test_readyz_fails_when_redis_is_configured_but_away(app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    app.extensions.pop("redis", None)
    try:
        resp = Client(app).get("/readyz")
    finally:
        app.extensions.pop("redis", None)
    assert resp.status_code == 503
    assert resp.get_json()["failing"] == ["redis"]


def _request_lines(caplog):
    return [r for r in caplog.records if r.name == "board.request"]


def test_one_log_line_per_request_with_timing_queries_user_and_id(app, caplog):
    caplog.set_level(logging.INFO, logger="board.request")
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    user = UserFactory()
    client = Client(app)
    client.login(user.email)
    caplog.clear()
    resp = client.get(f"/t/{theme.slug}", headers={"X-Request-ID": "proxy-abc.123"})
    assert resp.status_code == 200
    assert resp.headers["X-Request-ID"] == "proxy-abc.123"
    [record] = _request_lines(caplog)
    assert (record.method, record.path, record.status) == ("GET", f"/t/{theme.slug}", 200)
    assert record.user_id == user.id and record.request_id == "proxy-abc.123"
    assert record.queries > 0 and record.duration_ms >= 0

    visitor = Client(app)
    caplog.clear()
    resp = visitor.get("/no-such-page", headers={"X-Request-ID": "not an id; <script>"})
    [record] = _request_lines(caplog)
    assert record.status == 404 and record.user_id is None
    assert record.request_id == resp.headers["X-Request-ID"] != "not an id; <script>"
    line = json.loads(requestlog.JsonFormatter().format(record))
    assert line["status"] == 404 and line["path"] == "/no-such-page"
    assert line["user_id"] is None and line["request_id"] == record.request_id
    assert set(line) >= {"time", "level", "logger", "method", "duration_ms", "queries"}


def test_secret_links_are_logged_without_their_token(app, caplog):
    """A reset or confirmation link's token never reaches the logs (read by other people)."""
    caplog.set_level(logging.INFO, logger="board.request")
    token = "IjEyMyI.secret-part-of-a-reset-link"
    client = Client(app)
    caplog.clear()
    client.get(f"/reset/{token}")
    [record] = _request_lines(caplog)
    assert record.path == "/reset/<token>" and token not in caplog.text
