"""The whoosh index: derived data. The database is the truth; the index follows every commit
that changes a post's text, replies, attachments, state or audience, and `flask search
reindex` rebuilds it. Writers wait for whoosh's lock, so several threads and gunicorn workers
can write; a missing or corrupt index is rebuilt instead of failing."""
from __future__ import annotations

import atexit
import functools
import logging
import queue
import shutil
import threading
import time
from pathlib import Path
from typing import Callable, Iterable

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session, selectinload
from whoosh import index as whoosh_index
from whoosh.analysis import (CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter,
                             StopFilter)
from whoosh.filedb.filestore import FileStorage
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.lang import stopwords_for_language
from whoosh.support.charset import accent_map

from app.extensions import db

log = logging.getLogger(__name__)
WRITE_TIMEOUT = 60.0  # seconds a writer waits for the lock before giving up
# Segments are kept as separate files, not one compound file: whoosh reads a compound file
# through a memory map that it copies into memory each time a searcher opens it (about
# 40 ms per search at 200,000 posts); separate files are read in place.
WRITER_OPTIONS = {"compound": False}


def _analyzer(lang: str):
    return (RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)
            | StopFilter(stoplist=frozenset(stopwords_for_language(lang)), minsize=2)
            | StemFilter(lang=lang))


@functools.lru_cache(maxsize=1)
def schema() -> Schema:
    """The index schema (built once per process: analyzers are not free to make)."""
    return Schema(
        id=ID(stored=True, unique=True),
        theme=ID(stored=True),
        themes=KEYWORD(stored=True),  # the theme and its ancestors: search a theme's subtree
        status=ID(stored=True),
        part=ID(stored=True),
        restricted=ID(stored=True),
        audience=KEYWORD(stored=True),
        author=ID(stored=True),
        published=DATETIME(stored=True, sortable=True),
        stars=NUMERIC(stored=True, sortable=True),
        title_nl=TEXT(analyzer=_analyzer("nl"), field_boost=3.0),
        title_en=TEXT(analyzer=_analyzer("en"), field_boost=3.0),
        text_nl=TEXT(analyzer=_analyzer("nl")),
        text_en=TEXT(analyzer=_analyzer("en")),
    )


TEXT_FIELDS = ["title_nl", "title_en", "text_nl", "text_en"]


def index_dir() -> Path:
    return Path(current_app.config.get("SEARCH_INDEX_DIR")
                or Path(current_app.instance_path) / "search")


def _storage(path: Path) -> FileStorage:
    # No memory map: whoosh copies a mapped compound segment into memory on every searcher
    # (see WRITER_OPTIONS); read in place, an older compound segment costs nothing to open.
    return FileStorage(str(path), supports_mmap=False)


_open_lock = threading.Lock()
_rebuilding = threading.local()
_opened: dict[str, object] = {}


def forget_index() -> None:
    """Drop the cached index object (after a read error: the next open checks the files)."""
    _opened.pop(str(index_dir()), None)


def open_index(rebuild_if_broken: bool = True):
    """The index (cached per process), created and filled from the database when missing or
    unreadable."""
    path = index_dir()
    cached = _opened.get(str(path))
    if cached is not None and path.exists():
        return cached
    ix = _open_checked(path, rebuild_if_broken)
    _opened[str(path)] = ix
    return ix


def _open_checked(path: Path, rebuild_if_broken: bool):
    with _open_lock:
        try:
            if whoosh_index.exists_in(str(path)):
                ix = _storage(path).open_index()
                ix.doc_count()  # touches the TOC: fails on a corrupt index
                return ix
        except Exception:
            if not rebuild_if_broken:
                raise
            log.exception("search index at %s unreadable: rebuilding", path)
            shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True, exist_ok=True)
        ix = _storage(path).create_index(schema())
    if rebuild_if_broken and not getattr(_rebuilding, "on", False):
        reindex_all(ix)
    return ix


# ------------------------------------------------------------------ documents

def _documents(session: Session, post_ids: Iterable[int]) -> tuple[list[dict], set[int]]:
    """Index documents for these posts (from the database), and the ids that no longer exist."""
    from app.posts.models import Post, PostStatus, Reply
    from app.themes.models import Theme

    ids = set(post_ids)
    posts = session.scalars(
        select(Post).where(Post.id.in_(ids))
        .options(selectinload(Post.audience), selectinload(Post.attachments),
                 selectinload(Post.author), selectinload(Post.organisation))).all()
    found = {p.id for p in posts}
    replies: dict[int, list[str]] = {}
    for post_id, body in session.execute(select(Reply.post_id, Reply.body).where(
            Reply.post_id.in_(found), Reply.status == PostStatus.PUBLISHED)):
        replies.setdefault(post_id, []).append(body)
    parents = dict(session.execute(select(Theme.id, Theme.parent_id)).all())
    docs = []
    for p in posts:
        lineage, node = [], p.theme_id
        while node is not None:
            lineage.append(str(node))
            node = parents.get(node)
        text = "\n".join([p.body, *replies.get(p.id, []),
                          *(a.filename for a in p.attachments),
                          p.author.username if p.author else "",
                          p.organisation.name if p.organisation else ""])
        docs.append(dict(
            id=str(p.id), theme=str(p.theme_id), themes=" ".join(lineage),
            status=p.status.value, part=p.part.value, restricted="1" if p.restricted else "0",
            audience=" ".join(str(u.id) for u in p.audience),
            author=str(p.author_id or ""),
            published=p.published_at or p.created_at, stars=p.star_count,
            title_nl=p.title, title_en=p.title, text_nl=text, text_en=text))
    return docs, ids - found


def update_posts(post_ids: Iterable[int], ix=None) -> None:
    """Bring these posts' documents in line with the database (waits for the writer lock)."""
    post_ids = set(post_ids)
    if not post_ids:
        return
    if ix is None:
        ix = open_index()
    with Session(db.engine) as session:
        docs, gone = _documents(session, post_ids)
    try:
        writer = ix.writer(timeout=WRITE_TIMEOUT, delay=0.05, **WRITER_OPTIONS)
    except Exception:
        forget_index()  # the files changed under us (deleted, rebuilt): open them again
        ix = open_index()
        writer = ix.writer(timeout=WRITE_TIMEOUT, delay=0.05, **WRITER_OPTIONS)
    try:
        for doc in docs:
            writer.update_document(**doc)
        for post_id in gone:
            writer.delete_by_term("id", str(post_id))
    except Exception:
        writer.cancel()
        raise
    writer.commit()


def reindex_all(ix=None, progress: Callable[[int], None] | None = None, batch: int = 2000) -> int:
    """Rebuild the whole index from the database. Returns the number of posts indexed."""
    from app.posts.models import Post

    _rebuilding.on = True
    try:
        if ix is None:
            path = index_dir()
            shutil.rmtree(path, ignore_errors=True)
            path.mkdir(parents=True, exist_ok=True)
            ix = _storage(path).create_index(schema())
            _opened[str(path)] = ix
        with Session(db.engine) as session:
            ids = list(session.scalars(select(Post.id).order_by(Post.id)))
            writer = ix.writer(timeout=WRITE_TIMEOUT, delay=0.05, limitmb=256, **WRITER_OPTIONS)
            try:
                for i in range(0, len(ids), batch):
                    docs, _gone = _documents(session, ids[i:i + batch])
                    for doc in docs:
                        writer.add_document(**doc)
                    session.expunge_all()
                    if progress:
                        progress(len(docs))
            except Exception:
                writer.cancel()
                raise
            writer.commit(optimize=True)
        return len(ids)
    finally:
        _rebuilding.on = False


# ------------------------------------------------------------------ after commit

def touch(post_id: int) -> None:
    """Mark a post for re-indexing when the current transaction commits (for changes made
    with bulk UPDATE statements that the session does not see)."""
    db.session.info.setdefault("search_touched", set()).add(post_id)


def _collect(session, flush_context):
    from app.posts.models import Attachment, Post, Reply

    touched = session.info.setdefault("search_touched", set())
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, Post) and obj.id is not None:
            touched.add(obj.id)
        elif isinstance(obj, (Reply, Attachment)) and obj.post_id is not None:
            touched.add(obj.post_id)


def _after_commit(session):
    if session.in_nested_transaction():
        return
    ids = session.info.pop("search_touched", set())
    if not ids:
        return
    try:
        app = current_app._get_current_object()
    except RuntimeError:
        return
    if app.config.get("SEARCH_INDEXING", "thread") == "sync":
        update_posts(ids)
    else:
        _indexer(app).put(ids)


def _after_rollback(session, previous):
    if not session.in_transaction():
        session.info.pop("search_touched", None)


class _Indexer(threading.Thread):
    """One background index writer per process; batches what arrives within
    SEARCH_INDEX_DELAY seconds and while it writes. What waits is written at exit too."""

    def __init__(self, app):
        super().__init__(daemon=True, name="search-indexer")
        self.app = app
        self.jobs: queue.Queue = queue.Queue()
        self.pending: set[int] = set()
        self.lock = threading.Lock()
        self.writing = threading.Lock()

    def put(self, ids):
        self.jobs.put(set(ids))

    def run(self):
        delay = float(self.app.config.get("SEARCH_INDEX_DELAY", 0.5))
        while True:
            first = self.jobs.get()
            with self.lock:
                self.pending |= first
            # Gather what else commits meanwhile: one index commit for a burst of posts,
            # instead of one each (a whoosh commit writes a segment and may merge).
            time.sleep(delay)
            self.flush()

    def flush(self):
        with self.writing:
            with self.lock:
                while not self.jobs.empty():
                    self.pending |= self.jobs.get_nowait()
                ids, self.pending = self.pending, set()
            if not ids:
                return
            try:
                with self.app.app_context():
                    update_posts(ids)
            except Exception:
                log.exception("search index update failed for %s (run flask search reindex)",
                              sorted(ids)[:20])


_indexers: dict[int, _Indexer] = {}
_indexers_lock = threading.Lock()


def _flush_all() -> None:
    """At exit (a gunicorn worker stopping): write what still waits for the index."""
    for indexer in list(_indexers.values()):
        indexer.flush()


def _indexer(app) -> _Indexer:
    with _indexers_lock:
        if not _indexers:
            atexit.register(_flush_all)
        indexer = _indexers.get(id(app))
        if indexer is None or not indexer.is_alive():
            indexer = _indexers[id(app)] = _Indexer(app)
            indexer.start()
        return indexer


def init_app(app) -> None:
    if not getattr(init_app, "_listening", False):
        # after_flush still shows the flushed objects, now with their ids
        event.listen(Session, "after_flush", _collect)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)
        init_app._listening = True
