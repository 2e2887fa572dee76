"""Configuration: defaults < instance file (instance/board.cfg) < environment (BOARD_ prefix).

Every key below can be set as an environment variable with the ``BOARD_`` prefix, e.g.
``BOARD_SECRET_KEY`` or ``BOARD_SQLALCHEMY_DATABASE_URI``. Values are parsed as JSON where
they look like JSON (``BOARD_MAIL_PORT=25`` is an int, ``BOARD_MAIL_USE_TLS=true`` a bool).
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

ENV_PREFIX = "BOARD"

# Values that must never protect a production deployment.
INSECURE_SECRET_KEYS = {"", "dev", "secret", "changeme", "change-me", "development", "test"}
MIN_SECRET_KEY_LENGTH = 24


class Defaults:
    """Built-in defaults: safe for production except where the environment must say more."""

    # "production" (default), "development" (make run) or "testing" (the test suite).
    ENVIRONMENT = "production"
    SECRET_KEY: str | None = None

    SQLALCHEMY_DATABASE_URI: str | None = None  # default: sqlite:///instance/board.sqlite3
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    BOARD_NAME = "Werkgroepen"
    # The board's public address, used for links in mails (e.g. https://werkgroepen.example.org).
    # Unset: the address of the request that caused the mail (http://127.0.0.1:5000 outside one).
    BASE_URL: str | None = None

    # Mail over SMTP (smtplib). Without MAIL_SERVER mails are held in the outbox (see app/mail).
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "Werkgroepen <no-reply@werkgroepen.localhost>"
    MAIL_TIMEOUT = 10  # seconds per SMTP operation (keep it well below the claim lease)
    # Outbox delivery after commit: "thread" (background sender per process), "sync" (in the
    # committing thread), "scheduler" (only the scheduler's minutely flush).
    MAIL_DELIVERY = "thread"
    MAIL_SENDER_THREADS = 2  # background senders per process ("thread" delivery)
    MAIL_MAX_ATTEMPTS = 12  # 1, 2, 4 … minutes apart (about 17 hours in all), then "failed"
    # A sender's claim on a message lasts this long (seconds), renewed while it sends; a dead
    # sender's claims are taken by the next sender once it runs out.
    MAIL_CLAIM_LEASE_SECONDS = 60
    MAIL_MESSAGE_ID_DOMAIN = "werkgroepen.localhost"
    # Platform owner's address shown as the escalation contact.
    PLATFORM_CONTACT_EMAIL = "platform@werkgroepen.localhost"

    # Links in mails stay valid this long (seconds).
    CONFIRM_TOKEN_MAX_AGE = 48 * 3600
    RESET_TOKEN_MAX_AGE = 2 * 3600
    # Unconfirmed registrations older than this are purged by the scheduler (days).
    UNCONFIRMED_ACCOUNT_DAYS = 14
    MEMBERS_PER_PAGE = 50
    # A deleted theme can be restored by the platform owner this long, then it is purged (days).
    DELETED_THEME_DAYS = 30
    # An invitation link to join a theme works once, within this many days.
    INVITATION_DAYS = 14

    PASSWORD_MIN_LENGTH = 10

    # Languages: Dutch is the users' language and the default.
    LANGUAGES = ["nl", "en"]
    BABEL_DEFAULT_LOCALE = "nl"
    BABEL_DEFAULT_TIMEZONE = "Europe/Brussels"

    # Sessions and cookies.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE: bool | None = None  # None: True in production
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE: bool | None = None
    PERMANENT_SESSION_LIFETIME = 14 * 24 * 3600

    WTF_CSRF_TIME_LIMIT = 8 * 3600
    # Largest request body (all attachments of one post, all files of one upload together).
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024

    # Attachments: stored outside the web root (default instance/uploads), served only through
    # a view that checks visibility. Extensions allowed (None: documents, sheets, slides,
    # text and the common image types), size per file, files per post.
    UPLOAD_FOLDER: str | None = None
    # Where attachment files live (app/storage.py): "local" (UPLOAD_FOLDER) or "s3" (an
    # S3-compatible object store every host shares: S3_BUCKET, S3_ENDPOINT_URL, S3_REGION;
    # keys S3_ACCESS_KEY/S3_SECRET_KEY or the standard AWS_* variables).
    STORAGE = "local"
    S3_BUCKET: str | None = None
    S3_ENDPOINT_URL: str | None = None
    S3_REGION: str | None = None
    S3_ACCESS_KEY: str | None = None
    S3_SECRET_KEY: str | None = None
    UPLOAD_ALLOWED_EXTENSIONS: list[str] | None = None
    UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    # Images (blog covers, status updates): largest upload, most pixels decoded, longest side kept
    IMAGE_MAX_BYTES = 5 * 1024 * 1024
    IMAGE_MAX_PIXELS = 40_000_000
    IMAGE_MAX_SIDE = 1600
    # Link previews of status updates (fetched by the scheduler only): seconds, bytes read
    LINK_PREVIEW_TIMEOUT = 3.0
    LINK_PREVIEW_MAX_BYTES = 262_144
    UPLOAD_MAX_FILES = 5
    PROFILE_PHOTO_MAX_BYTES = 5 * 1024 * 1024  # largest profile photo upload

    # Files and folders (app/files): size per file, files per upload, extensions allowed
    # (None: those of attachments), a theme's quota unless the platform owner sets one, days
    # in the bin before the purge, and the caps of text extraction for search (largest file
    # read, seconds and memory per file, characters kept).
    FILES_MAX_BYTES = 20 * 1024 * 1024
    FILES_MAX_PER_UPLOAD = 10
    FILES_ALLOWED_EXTENSIONS: list[str] | None = None
    THEME_QUOTA_MB = 1024
    FILES_BIN_DAYS = 30
    FILES_TEXT_MAX_BYTES = 20 * 1024 * 1024
    FILES_TEXT_SECONDS = 20
    FILES_TEXT_MEMORY_MB = 512
    FILES_TEXT_MAX_CHARS = 200_000

    # Search (inside the database): longer searches are cut.
    SEARCH_QUERY_MAX_LENGTH = 200

    # Benchmarks: add an X-Query-Count header to every response.
    QUERY_COUNT_HEADER = False

    # Pages for visitors who are not logged in are kept per worker and served again until
    # the data changes (app/pagecache.py). Several hosts on one database share the
    # invalidation through REDIS_URL; without Redis, turn it off there.
    PAGE_CACHE = True
    PAGE_CACHE_SECONDS = 60
    PAGE_CACHE_ENTRIES = 1000  # pages per worker (least recently used go first)
    # A board page's list of posts is rendered once for everyone with the same standing in
    # the theme and kept per worker under the same invalidation (app/posts/listing.py).
    LIST_CACHE = True
    LIST_CACHE_ENTRIES = 1000  # lists per worker (least recently used go first)

    # Board
    POSTS_PER_PAGE = 20
    REPLIES_PER_PAGE = 50
    LIST_PAGE_SIZE = 20  # saved items and groups per page

    # Shared state for several hosts (app/redis_state.py): with a Redis URL the page cache's
    # generation, the rate-limit counters and the scheduler lock live in Redis.
    REDIS_URL: str | None = None
    REDIS_PREFIX = "werkgroepen"

    # Trusted proxies in front of the app (nginx: 1). Their X-Forwarded-For/-Proto/-Host give
    # the client's address (rate limits), scheme and host. 0: the app is reached directly.
    PROXY_COUNT = 0
    # The same, by address: a list of the proxies' addresses or networks (["10.0.0.2",
    # "10.1.0.0/16"], or "10.0.0.2,10.1.0.0/16"): X-Forwarded-* is honoured only on requests
    # that come in from one of them. A number is a count, as PROXY_COUNT. Unset: PROXY_COUNT.
    TRUSTED_PROXIES: int | list | str | None = None

    # Branding of organisations (top-level themes): the largest logo upload, and the box the
    # re-encoded logo is scaled down into (width, height in pixels).
    BRANDING_LOGO_MAX_BYTES = 512 * 1024
    BRANDING_LOGO_BOX = [400, 120]

    # Atom feeds: entries per feed; how long browsers and proxies may keep a feed (seconds).
    FEED_ENTRIES = 30
    FEED_MAX_AGE = 300

    # Log lines: "text" (readable) or "json" (one JSON object a line, for a log collector);
    # every request writes one line on the logger board.request (app/requestlog.py).
    LOG_FORMAT = "text"

    # Anonymous read pages: a shared proxy may keep them this long (Cache-Control s-maxage);
    # browsers always revalidate (max-age=0, answered 304 when the ETag still matches).
    # 0: proxies must revalidate too.
    PROXY_CACHE_SECONDS = 10

    # Rate limits (Flask-Limiter). Unset: REDIS_URL when set (shared by every host), else
    # "memory://" (per process).
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI: str | None = None
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute;50 per hour"
    MAIL_FORM_RATE_LIMIT = "5 per minute;30 per hour"
    PUSH_RATE_LIMIT = "5 per hour;20 per day"

    # Scheduler (flask scheduler) timezone, and when digests go out (local time).
    SCHEDULER_TIMEZONE = "Europe/Brussels"
    DIGEST_HOUR = 8  # members' digests and overviews, after their period ends
    ADMIN_DIGEST_HOUR = 7
    DIGEST_MAX_POSTS = 10

    # A theme's archive (exit with all data) can be downloaded for this many days.
    ARCHIVE_DAYS = 7


def load_config(app: Flask, overrides: dict | None = None) -> None:
    """Fill app.config from defaults, the instance file, the environment, then overrides."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("board.cfg", silent=True)
    app.config.from_prefixed_env(ENV_PREFIX)
    if overrides:
        app.config.update(overrides)

    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'board.sqlite3'}"

    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = app.config.get("REDIS_URL") or "memory://"

    env = app.config["ENVIRONMENT"]
    if env not in {"production", "development", "testing"}:
        raise RuntimeError(
            f"BOARD_ENVIRONMENT must be production, development or testing, not {env!r}."
        )
    production = env == "production"
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if app.config.get(key) is None:
            app.config[key] = production
    app.config["TESTING"] = env == "testing" or app.config.get("TESTING", False)

    secret = app.config.get("SECRET_KEY")
    if production:
        if (
            not secret
            or secret.strip().lower() in INSECURE_SECRET_KEYS
            or len(secret) < MIN_SECRET_KEY_LENGTH
        ):
            raise RuntimeError(
                "Refusing to start in production without a strong SECRET_KEY. Set one, e.g.\n"
                "  export BOARD_SECRET_KEY=\"$(python3 -c 'import secrets; "
                "print(secrets.token_urlsafe(48))')\"\n"
                f"(at least {MIN_SECRET_KEY_LENGTH} characters), or put SECRET_KEY = '...' in "
                f"{instance / 'board.cfg'}. For a local trial run use `make run`, which sets "
                "BOARD_ENVIRONMENT=development."
            )
    elif not secret:
        app.config["SECRET_KEY"] = _local_secret(instance)


def _local_secret(instance: Path) -> str:
    """A random key kept in instance/ so development sessions survive a restart."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
