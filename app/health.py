"""Health and readiness for the proxy or orchestrator in front of the hosts.

/healthz: the process answers (no database, no Redis): restart the host when this fails.
/readyz: the host can serve: the database answers, Redis answers (when BOARD_REDIS_URL is
set), and the attachment storage is reachable. Otherwise 503 with the failing parts named,
so the proxy sends traffic to the other hosts until this one is ready again.
"""
from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from app.extensions import db

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/healthz")
def healthz():
    return _no_store(jsonify(status="ok"))


def _check_database() -> None:
    db.session.execute(text("SELECT 1")).scalar()
    db.session.rollback()


def _check_redis() -> None:
    from app import redis_state

    client = redis_state.client(current_app)
    if client is not None:
        client.ping()


def _check_storage() -> None:
    from app import storage

    storage.get().check()


CHECKS = {"database": _check_database, "redis": _check_redis, "storage": _check_storage}


@bp.route("/readyz")
def readyz():
    checks, failing = {}, []
    for name, check in CHECKS.items():
        if name == "redis" and not current_app.config.get("REDIS_URL"):
            checks[name] = "not configured"
            continue
        try:
            check()
            checks[name] = "ok"
        except Exception as exc:  # any failure of a dependency means: not ready
            log.warning("readiness: %s failed: %s", name, exc)
            checks[name] = f"failed: {type(exc).__name__}"
            failing.append(name)
    body = {"status": "ok" if not failing else "unavailable", "checks": checks}
    if failing:
        body["failing"] = failing
    return _no_store(jsonify(body)), (503 if failing else 200)
