"""Cached pages: shared by visitors who are not logged in, and kept per member.

Most traffic on a public board is anonymous: people following a link from a mail or a search
engine. Those pages are the same for every visitor, so each worker keeps the rendered page and
serves it again until the data changes. Only what is safe to share is ever stored:

- only GET requests to views marked `@cacheable` (read pages), answered 200;
- only requests without a login: no remember cookie, and a session (if any) that holds nothing
  but a CSRF token and a language choice; the language is part of the key;
- only pages that show no CSRF token, set no cookie and changed nothing in the session: a
  stored page holds nothing that belongs to one visitor.

Invalidation is by generation: every committed write to a table that pages show (everything
but the outbox, digest bookkeeping and the audit log) bumps a counter shared by all processes
on this host (gunicorn workers, the scheduler, CLI commands) through a memory-mapped file in
the instance folder, or, with BOARD_REDIS_URL set, by every process of every host through
one Redis key (the stored pages stay in each worker's memory, keyed by that shared
generation). The counter is read before a page is rendered and bumped after the commit, so a
page stored under a generation can never be older than that generation's data. A page also
expires after PAGE_CACHE_SECONDS. When Redis cannot be read, pages are rendered afresh.

A logged-in member's pages are kept too, for that member's own session only: after the login
is checked (an ended session or a changed password is never served), a page read again under
the same generation, by the same person, with the same session contents (language, view
choices, a waiting message), is answered from memory. Such a page is stored only when the
request changed nothing in the session, set no cookie and answered 200; it is never shared
with anyone else, and it goes out "private, no-store".
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import mmap
import os
import re
import struct
import threading
import time
from collections import OrderedDict
from pathlib import Path

from flask import Response, current_app, g, request, session
from itsdangerous import BadData
from sqlalchemy import event
from werkzeug.http import parse_cookie, parse_etags

# Tables whose rows no cached page shows: writing them does not invalidate pages.
QUIET_TABLES = frozenset({"outbox_message", "delivery_attempt", "digest_run",
                          "digest_delivery", "thread_mute", "moderation_decision",
                          "login_session", "bookmark"})
# Session keys a visitor's page may depend on without being personal.
SHAREABLE_SESSION_KEYS = frozenset({"csrf_token", "lang", "_permanent", "_fresh"})
_READ = re.compile(r"\s*(SELECT|PRAGMA|SAVEPOINT|RELEASE|ROLLBACK|BEGIN|SHOW|SET|EXPLAIN)\b",
                   re.IGNORECASE)
_TARGET = re.compile(r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?',
                     re.IGNORECASE)
_FLAG = "board.page_cache"
log = logging.getLogger(__name__)


def cacheable(view):
    """Mark a read view whose anonymous answer may be shared between visitors."""
    view._page_cacheable = True
    return view


class _Counter:
    """What both counters share: a bump that failed (the shared counter out of reach just
    after a write committed) is owed. Until it is made, this process reads no generation, so
    it neither serves nor stores pages; the next read pays it, which also ends every other
    host's pages that the write made stale."""

    owed = False

    def current_or_owed(self) -> int:
        if self.owed:
            self.bump()
            self.owed = False
        return self.current()


class Generation(_Counter):
    """A counter shared by the processes of one host: 8 bytes in a memory-mapped file.
    Reading costs no system call; bumping takes an exclusive file lock."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        if os.fstat(self._fd).st_size < 8:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                if os.fstat(self._fd).st_size < 8:
                    os.ftruncate(self._fd, 8)
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._map = mmap.mmap(self._fd, 8)

    def current(self) -> int:
        return struct.unpack_from("<Q", self._map, 0)[0]

    def bump(self) -> int:
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            value = self.current() + 1
            struct.pack_into("<Q", self._map, 0, value)
            return value
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)


class RedisGeneration(_Counter):
    """The same counter in Redis, shared by every host: one GET per cacheable request, one
    INCR per committed write."""

    def __init__(self, client, key: str):
        self.client, self.key = client, key

    def current(self) -> int:
        return int(self.client.get(self.key) or 0)

    def bump(self) -> int:
        return int(self.client.incr(self.key))


class _Entry:
    __slots__ = ("generation", "expires", "status", "headers", "body", "etag")

    def __init__(self, generation, expires, status, headers, body, etag):
        self.generation, self.expires = generation, expires
        self.status, self.headers, self.body, self.etag = status, headers, body, etag


# What a stored page tells browsers and proxies (besides its ETag); see shared_cache_control.
_SHARED_HEADERS = {"cache-control", "vary", "etag", "last-modified", "expires", "pragma"}


def shared_cache_control(seconds: int) -> str:
    """Cache-Control of a page every visitor without a login may share. Browsers revalidate
    each time (max-age=0: a 304 when the ETag still matches, so a hidden post is gone at
    the next view); a shared proxy may answer from its copy for `seconds` (s-maxage), which
    takes the bulk of a burst of visitors off the hosts at the price of a hidden post staying
    that long in the proxy. 0: proxies revalidate too."""
    if seconds > 0:
        return f"public, max-age=0, s-maxage={int(seconds)}"
    return "public, no-cache"


def _not_modified(environ, etag: str) -> bool:
    header = environ.get("HTTP_IF_NONE_MATCH")
    return bool(header) and parse_etags(header).contains_weak(etag)


class PageCache:
    """WSGI middleware in front of the Flask app: answers from memory when it may."""

    def __init__(self, app, generation: Generation):
        self.app = app
        self.wsgi_app = app.wsgi_app
        self.generation = generation
        self.ttl = float(app.config["PAGE_CACHE_SECONDS"])
        self.max_entries = int(app.config["PAGE_CACHE_ENTRIES"])
        self.session_cookie = app.config["SESSION_COOKIE_NAME"]
        self.remember_cookie = app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
        self.cache_control = shared_cache_control(app.config.get("PROXY_CACHE_SECONDS", 0))
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()
        self._serializer = None

    def _session(self, raw: str) -> dict | None:
        if self._serializer is None:
            self._serializer = self.app.session_interface.get_signing_serializer(self.app)
        try:
            return self._serializer.loads(
                raw, max_age=int(self.app.permanent_session_lifetime.total_seconds()))
        except BadData:  # forged, expired or garbled: Flask will treat it as no session
            return None

    def key(self, environ) -> tuple | None:
        """The cache key of a shareable request, or None when it must reach the app."""
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("HTTP_AUTHORIZATION"):
            return None
        lang = None
        header = environ.get("HTTP_COOKIE")
        if header:
            cookies = parse_cookie(header)
            if self.remember_cookie in cookies:
                return None
            raw = cookies.get(self.session_cookie)
            if raw:
                data = self._session(raw)
                if data is None or not SHAREABLE_SESSION_KEYS.issuperset(data):
                    return None
                lang = data.get("lang")
        return (environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"),
                environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO"),
                environ.get("QUERY_STRING", ""), lang)

    def __call__(self, environ, start_response):
        key = self.key(environ)
        if key is None:
            return self.wsgi_app(environ, start_response)
        try:
            generation = self.generation.current_or_owed()  # before rendering: see the docstring
        except Exception as exc:  # the shared counter is out of reach: no page is shared,
            log.warning("page cache generation unreadable: %s", exc)  # and writes meanwhile
            self.clear()  # go uncounted, so no page kept before may be served after
            return self.wsgi_app(environ, start_response)
        now = time.monotonic()
        entry = self.entries.get(key)
        if entry is not None and entry.generation == generation and entry.expires > now:
            with self.lock:  # least recently used go first: a page read now goes last
                if key in self.entries:
                    self.entries.move_to_end(key)
            return self._answer(environ, start_response, entry, "hit")
        environ[_FLAG] = "candidate"
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            if exc_info is not None or not self._storable(environ, status, headers):
                return start_response(status, headers, exc_info)
            captured["write"] = start_response  # answered below, once the body is known
            return lambda data: None

        app_iter = self.wsgi_app(environ, capture)
        if "write" not in captured:
            return app_iter
        try:
            body = b"".join(app_iter)
        finally:
            if hasattr(app_iter, "close"):
                app_iter.close()
        etag = hashlib.sha256(body).hexdigest()[:32]
        stored = [(n, "0" if n == "X-Query-Count" else v) for n, v in captured["headers"]
                  if n.lower() not in _SHARED_HEADERS]
        stored += [("Cache-Control", self.cache_control), ("Vary", "Cookie"),
                   ("ETag", f'"{etag}"')]
        entry = _Entry(generation, now + self.ttl, captured["status"], stored, body, etag)
        with self.lock:
            self.entries[key] = entry
            self.entries.move_to_end(key)
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)
        return self._answer(environ, captured["write"], entry, "miss")

    @staticmethod
    def _storable(environ, status: str, headers) -> bool:
        return (environ.get(_FLAG) == "store" and status.startswith("200")
                and not any(name.lower() == "set-cookie" for name, _value in headers))

    @staticmethod
    def _answer(environ, start_response, entry: _Entry, how: str):
        """A stored page, or 304 Not Modified when the browser's copy has its ETag."""
        if _not_modified(environ, entry.etag):
            headers = [(n, v) for n, v in entry.headers
                       if n.lower() in _SHARED_HEADERS or n.lower().startswith("x-")]
            start_response("304 Not Modified", headers + [("X-Board-Cache", how)])
            return []
        start_response(entry.status, entry.headers + [("X-Board-Cache", how)])
        return [entry.body]

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


def _mark_storable(response):
    """After a candidate request: may its page be shared? (see the module docstring)"""
    if request.environ.get(_FLAG) != "candidate":
        return response
    from flask_login import current_user

    view = current_app.view_functions.get(request.endpoint)
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if (getattr(view, "_page_cacheable", False) and response.status_code == 200
            and not current_user.is_authenticated and field not in g
            and not session.modified):
        request.environ[_FLAG] = "store"
    return response


def _member_key() -> tuple | None:
    """The cache key of a logged-in member's read request, or None when it must be rendered:
    the person, their session's contents and the address."""
    from flask_login import current_user

    view = current_app.view_functions.get(request.endpoint)
    if (request.method != "GET" or not getattr(view, "_page_cacheable", False)
            or not current_user.is_authenticated):  # loading the user checks the login
        return None
    contents = hashlib.sha256(json.dumps(dict(session), sort_keys=True, default=str).encode())
    return ("member", current_user.id, contents.hexdigest(), request.host, request.script_root,
            request.path, request.query_string)


# Headers a member's stored page is answered without: each answer gets its own.
_MEMBER_UNSTORED = {"set-cookie", "cache-control", "x-query-count"}


def _read_generation():
    """First of all the hooks of a read request: the generation that what it serves or keeps
    (a member's page, a board's shared list: app/posts/listing.py) belongs to. Read once,
    before anything of the request touches the database, so nothing kept under it can be
    older than it."""
    view = current_app.view_functions.get(request.endpoint)
    if request.method != "GET" or not getattr(view, "_page_cacheable", False):
        return
    try:
        g._generation = current_app.extensions["page_cache_generation"].current_or_owed()
    except Exception as exc:  # as for visitors: nothing is served or kept while unreadable
        log.warning("page cache generation unreadable: %s", exc)
        if "page_cache" in current_app.extensions:
            current_app.extensions["page_cache"].clear()


def request_generation() -> int | None:
    """The generation this read request may serve and keep under (None: keep nothing)."""
    return g.get("_generation")


def _member_page():
    """Before a member's read request: their own stored page, if it is still current."""
    cache = current_app.extensions["page_cache"]
    generation = request_generation()
    key = _member_key() if generation is not None else None
    if key is None:
        return None
    entry = cache.entries.get(key)
    if entry is not None and entry.generation == generation and entry.expires > time.monotonic():
        with cache.lock:
            if key in cache.entries:
                cache.entries.move_to_end(key)
        return Response(entry.body, status=entry.status,
                        headers=entry.headers + [("X-Board-Cache", "hit")])
    g._member_page = (key, generation)
    return None


def _keep_member_page(response):
    """After a member's read request that missed: keep the page for their next read."""
    if "_member_page" not in g:
        return response
    key, generation = g.pop("_member_page")
    if (response.status_code != 200 or response.is_streamed or session.modified
            or "Set-Cookie" in response.headers):
        return response
    body = response.get_data()
    cache = current_app.extensions["page_cache"]
    headers = [(n, v) for n, v in response.headers.items() if n.lower() not in _MEMBER_UNSTORED]
    entry = _Entry(generation, time.monotonic() + cache.ttl, response.status, headers, body,
                   hashlib.sha256(body).hexdigest()[:32])
    with cache.lock:
        cache.entries[key] = entry
        cache.entries.move_to_end(key)
        while len(cache.entries) > cache.max_entries:
            cache.entries.popitem(last=False)
    response.headers["X-Board-Cache"] = "miss"
    return response


def _watch_writes(engine, generation: Generation) -> None:
    """Bump the generation after each committed transaction that wrote a shown table."""

    @event.listens_for(engine, "before_cursor_execute")
    def _note(conn, cursor, statement, parameters, context, executemany):
        if _READ.match(statement):
            return
        target = _TARGET.match(statement)
        if target and target.group(1).lower() in QUIET_TABLES:
            return
        conn.info["page_cache_write"] = True

    @event.listens_for(engine, "commit")
    def _commit(conn):
        if conn.info.pop("page_cache_write", False):
            conn.info["page_cache_committed"] = True

    @event.listens_for(engine, "rollback")
    def _rollback(conn):
        conn.info.pop("page_cache_write", None)

    # The DBAPI commit happens after the "commit" event; the connection goes back to the pool
    # after it. Bumping then means no reader can see the new generation with the old data.
    @event.listens_for(engine.pool, "checkin")
    def _checkin(dbapi_connection, record):
        if record is not None and record.info.pop("page_cache_committed", False):
            try:
                generation.bump()
            except Exception as exc:  # the write stands; the bump is owed (see _Counter)
                generation.owed = True
                log.error("page cache generation not bumped: %s", exc)


def init_app(app) -> None:
    from app.extensions import db

    from app import redis_state

    app.after_request(private_by_default)

    shared = redis_state.client(app)
    if shared is not None:
        generation = RedisGeneration(shared, redis_state.key(app, "page-cache-generation"))
    else:
        generation = Generation(Path(app.instance_path) / "page-cache.generation")
    app.extensions["page_cache_generation"] = generation
    with app.app_context():
        _watch_writes(db.engine, generation)
    if app.config.get("PAGE_CACHE", True) or app.config.get("LIST_CACHE", True):
        app.before_request_funcs.setdefault(None, []).insert(0, _read_generation)
    if not app.config.get("PAGE_CACHE", True):
        return
    cache = PageCache(app, generation)
    app.extensions["page_cache"] = cache
    app.after_request(_mark_storable)
    app.before_request(_member_page)
    app.after_request(_keep_member_page)
    app.wsgi_app = cache


def private_by_default(response):
    """Every answer that says nothing else is kept by no cache: only stored visitor pages
    (above), static files and attachments say otherwise."""
    if "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "private, no-store"
    return response
