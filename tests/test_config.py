"""Configuration: defaults < instance file < BOARD_* environment; production's safety rules."""
from __future__ import annotations

import pytest

from app import create_app


def test_production_refuses_to_start_without_a_strong_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("BOARD_SECRET_KEY", raising=False)
    monkeypatch.delenv("BOARD_ENVIRONMENT", raising=False)
    for secret in (None, "dev", "changeme", "short-but-not-24"):
        overrides = {"SQLALCHEMY_DATABASE_URI": "sqlite://"}
        if secret is not None:
            overrides["SECRET_KEY"] = secret
        with pytest.raises(RuntimeError) as err:
            create_app(overrides, instance_path=str(tmp_path))
        assert "BOARD_SECRET_KEY" in str(err.value)


def test_production_with_a_strong_key_uses_secure_cookies(tmp_path, monkeypatch):
    monkeypatch.setenv("BOARD_SECRET_KEY", "x" * 10 + "a-long-random-production-key")
    monkeypatch.delenv("BOARD_ENVIRONMENT", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, instance_path=str(tmp_path))
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"]


def test_environment_overrides_instance_file_which_overrides_defaults(tmp_path, monkeypatch):
    (tmp_path / "board.cfg").write_text(
        "BOARD_NAME = 'Uit bestand'\nMAIL_PORT = 2525\nENVIRONMENT = 'development'\n")
    monkeypatch.setenv("BOARD_MAIL_PORT", "2626")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, instance_path=str(tmp_path))
    assert app.config["BOARD_NAME"] == "Uit bestand"
    assert app.config["MAIL_PORT"] == 2626
    # Development without a key gets a random one, kept in instance/ across restarts.
    first = app.config["SECRET_KEY"]
    assert len(first) >= 32
    again = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, instance_path=str(tmp_path))
    assert again.config["SECRET_KEY"] == first
    assert not again.config["SESSION_COOKIE_SECURE"]


def test_unknown_environment_name_is_refused(tmp_path):
    with pytest.raises(RuntimeError, match="BOARD_ENVIRONMENT"):
        create_app({"ENVIRONMENT": "prod", "SECRET_KEY": "y" * 40}, instance_path=str(tmp_path))


def test_pages_send_security_headers(client):
    resp = client.get("/")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
    assert "HttpOnly" in resp.headers.get("Set-Cookie", "HttpOnly")
