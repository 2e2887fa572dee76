"""The scheduler process (`flask scheduler`): periodic jobs, in ONE process of their own.

Never started inside web workers: with N gunicorn workers every job would run N times.
Should a second scheduler run anyway (a restart overlapping, a second host), the work is
done by one at a time: each job holds the scheduler lock (scheduler_lock) or skips its turn.
Every minute the tick delivers due mail, reminds the attendees of tomorrow's events, and catches up: it finishes any digest run left
unfinished (by a crash, or by a process that died), sends the admins' digest once its hour has
come and the members' digests and overviews once theirs has — so a tick that failed, or a
scheduler that was down at that hour, is made good by the next one.
"""
from __future__ import annotations

import logging
import zlib
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)
# The Redis lock outlives a dead holder by at most this long (a live one renews it).
LOCK_SECONDS = 60


@contextmanager
def run_job(app):
    """A job's one transaction, as a request has its own (app.transactions): what the job
    changed is committed at its end, or rolled back when it fails. (The digest senders also
    commit each batch of mails they queue, so a run interrupted halfway resumes where it
    stopped.)"""
    from app.extensions import db

    with app.app_context():
        try:
            yield
        except BaseException:
            db.session.rollback()
            raise
        db.session.commit()


def purge_unconfirmed(app) -> None:
    """Nightly: registrations never confirmed, login sessions past their lifetime, and themes
    deleted longer than DELETED_THEME_DAYS ago (each in a transaction of its own)."""
    from app.auth.services import purge_ended_sessions, purge_unconfirmed_accounts

    with run_job(app):
        removed = purge_unconfirmed_accounts()
        if removed:
            log.info("purged %d unconfirmed registrations", removed)
        ended = purge_ended_sessions()
        if ended:
            log.info("purged %d ended login sessions", ended)
    with run_job(app):
        from app.themes.roles import purge_deleted_themes

        themes = purge_deleted_themes()
        if themes:
            log.info("purged %d themes deleted long enough ago", themes)


def flush_outbox(app) -> None:
    from app.mail.services import flush

    counts = flush(app)
    if counts["sent"] or counts["failed"]:
        log.info("outbox: sent %(sent)d, failed %(failed)d", counts)


@contextmanager
def scheduler_lock(app, name: str = "scheduler"):
    """Hold the lock of the scheduled work while the block runs; yields whether it was taken
    (False: another scheduler holds it right now, so this one skips its turn). With
    BOARD_REDIS_URL: a Redis lock with an expiry, renewed while held (shared by every host);
    else on PostgreSQL a session advisory lock (shared by every host of the database);
    otherwise a file lock in the instance folder (one host)."""
    from app import redis_state
    from app.extensions import db

    if redis_state.client(app) is not None:
        with redis_state.lock(app, name, ttl_seconds=LOCK_SECONDS) as taken:
            yield taken
        return

    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "postgresql":
        from sqlalchemy import text

        key = zlib.crc32(f"werkgroepen:{name}".encode())
        with engine.connect() as connection:
            taken = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                            {"key": key}).scalar())
            connection.commit()
            try:
                yield taken
            finally:
                if taken:
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                    connection.commit()
        return
    import fcntl

    path = Path(app.instance_path) / f"{name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        try:  # a lock per open file: it excludes other processes and other threads alike
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _local_now(app) -> datetime:
    return datetime.now(ZoneInfo(app.config["SCHEDULER_TIMEZONE"]))


def catch_up(app) -> None:
    """Digest work that is due and not yet done (holding the scheduler lock)."""
    from app.digest.services import (resume_unfinished_runs, send_admin_digests,
                                     send_due_digests, send_overviews)

    local = _local_now(app)
    with run_job(app):
        n = resume_unfinished_runs()
        if n:
            log.info("unfinished digest runs finished: %d mails", n)
        if local.hour >= app.config["ADMIN_DIGEST_HOUR"]:
            n = send_admin_digests()
            if n:
                log.info("admins' digest: %d mails", n)
        if (local.hour, local.minute) >= (app.config["DIGEST_HOUR"], 5):
            n, m = send_due_digests(), send_overviews()
            if n or m:
                log.info("digests: %d mails, overviews: %d mails", n, m)


def fetch_link_previews(app) -> None:
    """Previews of the links in new status updates (app/toolkit/linkpreview.py)."""
    from app.toolkit.linkpreview import fetch_pending

    with run_job(app):
        n = fetch_pending()
        if n:
            log.info("link previews: %d links looked at", n)


def event_reminders(app) -> None:
    """Mail the attendees of the events that start within a day (each event once)."""
    from app.events.services import send_reminders

    with run_job(app):
        n = send_reminders()
        if n:
            log.info("event reminders: %d mails", n)


def tick(app) -> None:
    """The minutely job: deliver due mail, then (unless another scheduler is at it) catch up
    with the digests, fetch link previews and send the events' reminders."""
    flush_outbox(app)
    with scheduler_lock(app) as mine:
        if mine:
            catch_up(app)
            fetch_link_previews(app)
            event_reminders(app)


def purge_job(app) -> None:
    with scheduler_lock(app) as mine:
        if mine:
            purge_unconfirmed(app)


def files_work(app) -> None:
    """Every few minutes: read new documents' text for search (bounded per file), and empty
    the bins of what lies there longer than FILES_BIN_DAYS (stored files go after commit)."""
    from app.files.extract import extract_pending
    from app.files.services import purge

    with scheduler_lock(app, "files") as mine:
        if not mine:
            return
        with run_job(app):
            n = extract_pending()
            if n:
                log.info("files: read the text of %d documents", n)
        with run_job(app):
            n = purge()
            if n:
                log.info("files: purged %d bin entries", n)
def archive_job(app) -> None:
    """Build the theme archives asked for (a job of its own: a large archive does not hold up
    the mail of the minutely tick), and remove expired ones."""
    from app.archive.services import build_pending

    with scheduler_lock(app, "archives") as mine:
        if mine:
            n = build_pending(app)
            if n:
                log.info("archives built: %d", n)


def build_scheduler(app) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone=app.config["SCHEDULER_TIMEZONE"])
    scheduler.add_job(tick, IntervalTrigger(minutes=1), args=[app], id="tick",
                      replace_existing=True, coalesce=True, max_instances=1)
    scheduler.add_job(archive_job, IntervalTrigger(minutes=1), args=[app], id="archives",
                      replace_existing=True, coalesce=True, max_instances=1)
    scheduler.add_job(purge_job, CronTrigger(hour=3, minute=17), args=[app],
                      id="purge_unconfirmed", replace_existing=True, coalesce=True,
                      max_instances=1, misfire_grace_time=3600)
    scheduler.add_job(files_work, IntervalTrigger(minutes=5), args=[app], id="files",
                      replace_existing=True, coalesce=True, max_instances=1)
    return scheduler


def run_scheduler(app) -> None:
    scheduler = build_scheduler(app)
    for job in scheduler.get_jobs():
        log.info("scheduled job %s (%s)", job.id, job.trigger)
    log.info("scheduler started")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("scheduler stopped")
