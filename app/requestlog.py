"""One log line per request on the logger ``board.request``: method, path, status, duration
in milliseconds, SQL statements, the user id (or none) and a request id.

BOARD_LOG_FORMAT=json writes every log line (these and all others) as one JSON object, for a
log collector; ``text`` (default) keeps readable lines. The request id is taken from the
proxy's X-Request-ID header when it sends a sane one, else made here, and is sent back in
X-Request-ID so a line in nginx's log and one here can be matched.

The line is written by WSGI middleware around everything else, so pages answered from the
page cache are logged too (with 0 statements).
"""
from __future__ import annotations

import json
import logging
import re
import time
import uuid

from flask import g, has_request_context, request

log = logging.getLogger("board.request")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_ENV_QUERIES = "board.query_count"
_ENV_USER = "board.user_id"
_ENV_ROUTE = "board.logged_path"  # the path with a secret link's token left out
_FIELDS = ("method", "path", "status", "duration_ms", "queries", "user_id", "request_id")


class JsonFormatter(logging.Formatter):
    """A log record as one JSON object per line."""

    def format(self, record):
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        entry = {"time": f"{stamp}.{int(record.msecs):03d}Z", "level": record.levelname, "logger": record.name,
                 "message": record.getMessage()}
        for field in _FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class RequestLog:
    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        start_time = time.perf_counter()
        given = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        environ["HTTP_X_REQUEST_ID"] = request_id
        environ[_ENV_QUERIES] = 0
        seen = {}

        def start(status, headers, exc_info=None):
            seen["status"] = status
            headers = [(n, v) for n, v in headers if n.lower() != "x-request-id"]
            headers.append(("X-Request-ID", request_id))
            return start_response(status, headers, exc_info)

        try:
            return self.wsgi_app(environ, start)
        finally:
            status = seen.get("status", "500")
            fields = {
                "method": environ.get("REQUEST_METHOD"),
                # Secret links (reset, confirm, unsubscribe) carry their token in the path,
                # and logs are read by others: such a path is logged without it.
                "path": environ.get(_ENV_ROUTE) or (environ.get("SCRIPT_NAME", "")
                                                   + environ.get("PATH_INFO", "")),
                "status": int(status.split(" ", 1)[0]),
                "duration_ms": round((time.perf_counter() - start_time) * 1000, 1),
                "queries": environ.get(_ENV_QUERIES, 0),
                "user_id": environ.get(_ENV_USER),
                "request_id": request_id,
            }
            log.info("%(method)s %(path)s %(status)d %(duration_ms).1fms queries=%(queries)d "
                     "user=%(user_id)s id=%(request_id)s", fields, extra=fields)


def init_app(app) -> None:
    from sqlalchemy import event

    from app.extensions import db

    if (app.config.get("LOG_FORMAT") or "text").lower() == "json":
        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonFormatter())

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _count(conn, cursor, statement, parameters, context, executemany):
        if has_request_context():
            request.environ[_ENV_QUERIES] = request.environ.get(_ENV_QUERIES, 0) + 1

    @app.after_request
    def _note_user(response):
        user = g.get("_login_user")  # only when the request loaded it: no extra query
        if user is not None and getattr(user, "is_authenticated", False):
            request.environ[_ENV_USER] = user.id
        token = (request.view_args or {}).get("token")
        if isinstance(token, str) and token:
            request.environ[_ENV_ROUTE] = request.path.replace(token, "<token>")
        return response

    app.wsgi_app = RequestLog(app.wsgi_app)
