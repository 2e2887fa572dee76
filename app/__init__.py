"""Werkgroepen board: the application factory."""
from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask, has_request_context, session
from werkzeug.routing import IntegerConverter
from flask_login import current_user

from app.config import load_config
from app.extensions import babel, csrf, db, limiter, login_manager, migrate


def select_locale() -> str:
    """The viewer's chosen language (account, then session), else Dutch."""
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI, scheduler: the platform's language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def create_app(config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Build the app; `config` overrides every other source (used by tests). The instance
    folder (board.cfg, the SQLite default, local uploads) is `instance_path`, else
    BOARD_INSTANCE_PATH, else instance/ beside the code."""
    instance_path = instance_path or os.environ.get("BOARD_INSTANCE_PATH") or None
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    load_config(app, config)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from app import models  # noqa: F401  (register every model)

    db.init_app(app)
    _sqlite_pragmas(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    from app.mail import services as outbox
    outbox.init_app(app)
    from app.search import index as search_index
    search_index.init_app(app)
    from app.posts import uploads
    uploads.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)

    _configure_login(app)
    # Ids in URLs stop at what the database stores: a larger one matches no route (404) on
    # every database, instead of reaching the driver (SQLite and PostgreSQL fail differently).
    app.url_map.converters["int"] = BoundedInt

    from app.auth.views import bp as auth_bp
    from app.filters.views import bp as filters_bp
    from app.digest.views import bp as digest_bp
    from app.mail.notification_views import bp as notifications_bp
    from app.mail.views import bp as outbox_bp
    from app.search.views import bp as search_bp
    from app.moderation.views import bp as moderation_bp
    from app.posts.views import bp as posts_bp
    from app.organisations.views import bp as organisations_bp
    from app.themes.views import bp as themes_bp, platform_bp
    from app.features.views import bp as features_bp
    from app.events.views import bp as events_bp
    from app.health import bp as health_bp
    from app.people.views import bp as people_bp
    from app.outward.views import bp as outward_bp
    from app.branding.views import bp as branding_bp
    from app.archive.views import bp as archive_bp
    from app.wiki.views import bp as wiki_bp
    from app.tasks.views import bp as tasks_bp
    from app.items.comments import bp as comments_bp

    app.register_blueprint(themes_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(organisations_bp)
    app.register_blueprint(platform_bp)
    app.register_blueprint(posts_bp)
    app.register_blueprint(filters_bp)
    app.register_blueprint(moderation_bp)
    app.register_blueprint(outbox_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(digest_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(features_bp)
    app.register_blueprint(events_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(people_bp)
    from app.themes.role_views import bp as roles_bp, platform_bp as deleted_themes_bp
    app.register_blueprint(roles_bp)
    app.register_blueprint(deleted_themes_bp)
    from app.inbox.views import bp as inbox_bp
    app.register_blueprint(inbox_bp)
    from app.owndata.views import bp as owndata_bp
    app.register_blueprint(owndata_bp)
    from app.files.views import bp as files_bp
    app.register_blueprint(files_bp)
    from app.toolkit import register as register_toolkit
    register_toolkit(app)
    app.register_blueprint(outward_bp)
    app.register_blueprint(branding_bp)
    app.register_blueprint(archive_bp)
    app.register_blueprint(wiki_bp)
    app.register_blueprint(tasks_bp)
    app.register_blueprint(comments_bp)

    from app import errors, cli, templating

    errors.init_app(app)
    cli.init_app(app)
    templating.init_app(app)
    from app import outward
    outward.init_app(app)

    if app.config.get("QUERY_COUNT_HEADER"):
        _count_queries(app)
    from app import pagecache
    from app.posts import listing
    pagecache.init_app(app)
    listing.init_app(app)
    _behind_proxies(app)
    from app import requestlog
    requestlog.init_app(app)  # outermost: cached pages are logged too

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if not getattr(response, "frame_anywhere", False):  # embed pages (app.outward) only
            response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            # video players a viewer chose to start (status updates); nothing loads before
            "frame-src https://www.youtube-nocookie.com https://player.vimeo.com; "
            "frame-ancestors 'self'; form-action 'self'; base-uri 'self'",
        )
        return response

    from app import transactions
    transactions.init_app(app)  # registered last, so it runs first: the commit, then the rest
    return app


def _behind_proxies(app) -> None:
    """Behind trusted proxies (nginx in front of several hosts), the client's address, scheme
    and host come from their X-Forwarded-* headers: rate limits count per visitor instead of
    per proxy, the page cache keys by the public scheme and host, and an organisation's own
    host is recognised. TRUSTED_PROXIES (else PROXY_COUNT) says whom to believe: a count of
    proxies in front, or their addresses (then only a request from one of them is read so;
    from anyone else the headers are ignored). Default: nobody."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    trusted = app.config.get("TRUSTED_PROXIES")
    if trusted is None or trusted == "":
        trusted = app.config.get("PROXY_COUNT") or 0
    if isinstance(trusted, str) and trusted.strip().isdigit():
        trusted = int(trusted)
    if isinstance(trusted, int):
        if trusted > 0:
            app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=trusted,
                                    x_host=trusted)
        return
    app.wsgi_app = TrustedProxies(app.wsgi_app, trusted)


class TrustedProxies:
    """WSGI middleware: X-Forwarded-For/-Proto/-Host (one hop) only from listed proxies."""

    def __init__(self, wsgi_app, addresses):
        import ipaddress

        from werkzeug.middleware.proxy_fix import ProxyFix

        if isinstance(addresses, str):
            addresses = [a for a in addresses.replace(" ", "").split(",") if a]
        self.networks = [ipaddress.ip_network(str(a), strict=False) for a in addresses]
        self.plain = wsgi_app
        self.fixed = ProxyFix(wsgi_app, x_for=1, x_proto=1, x_host=1)

    def trusts(self, address: str | None) -> bool:
        import ipaddress

        try:
            peer = ipaddress.ip_address((address or "").strip())
        except ValueError:
            return False
        return any(peer in network for network in self.networks)

    def __call__(self, environ, start_response):
        if self.trusts(environ.get("REMOTE_ADDR")):
            return self.fixed(environ, start_response)
        return self.plain(environ, start_response)


def _configure_login(app) -> None:
    from flask_babel import lazy_gettext as _l

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(session_token: str):
        """The id Flask-Login keeps in its cookies is a login session's token (auth.services
        .start_session): the user is found through a live session, in one query."""
        from app.auth.services import user_for_session
        return user_for_session(session_token)

    @app.after_request
    def _session_seen(response):
        from app.auth.services import record_session_seen
        record_session_seen()
        return response


def _sqlite_pragmas(app) -> None:
    """SQLite (the embedded default) in write-ahead-log mode: readers never wait for the
    writer, a commit is one fsync of the log (synchronous stays FULL: a committed post survives
    a power cut), and a writer waits up to 10 s for another instead of failing.

    The busy timeout alone does not make writers wait. A deferred transaction that has read
    must upgrade its read snapshot to the write lock when it first writes; if another
    connection committed meanwhile, SQLite answers "database is locked" at once (waiting could
    not make that snapshot current). pysqlite begins a transaction just before the first
    change, so it can start that one as BEGIN IMMEDIATE (the write lock first, waiting for it);
    but a SAVEPOINT outside a transaction (SQLAlchemy's begin_nested) silently begins a
    deferred one, whose reads then make the later write fail. So every write transaction
    starts with BEGIN IMMEDIATE: pysqlite's implicit BEGIN, and one issued just before such a
    SAVEPOINT. Reads outside a write transaction stay outside any, as before: readers never
    queue behind a writer."""
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, record):
        dbapi_connection.isolation_level = "IMMEDIATE"  # pysqlite's implicit BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "before_cursor_execute")
    def _savepoint_begins_immediate(connection, cursor, statement, parameters, context,
                                    executemany):
        if statement.startswith("SAVEPOINT") and not cursor.connection.in_transaction:
            cursor.execute("BEGIN IMMEDIATE")


def _count_queries(app) -> None:
    """Benchmarks only: report the SQL statements a response cost in X-Query-Count."""
    from flask import g, has_request_context
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _count(conn, cursor, statement, parameters, context, executemany):
        if has_request_context():
            g._query_count = g.get("_query_count", 0) + 1

    @app.after_request
    def _header(response):
        response.headers["X-Query-Count"] = str(g.get("_query_count", 0))
        return response


class BoundedInt(IntegerConverter):
    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)
