"""Archive jobs: asked for on the archive page, built by the scheduler into storage, mailed
to the owner who asked when ready, and removed after ARCHIVE_DAYS days."""
from __future__ import annotations

import logging
import secrets
import tempfile
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app import storage
from app.archive.models import ArchiveJob, ArchiveStatus
from app.extensions import db
from app.posts.uploads import remove_after_commit, remove_on_rollback
from app.timeutil import utcnow
from app.transactions import insert_once

log = logging.getLogger(__name__)


def request_archive(theme, user) -> tuple[ArchiveJob, bool]:
    """The archive being built for the top-level `theme`: a new one asked for by `user`, or the
    one already being built (then False)."""
    job = ArchiveJob(theme_id=theme.id, requested_by_id=user.id, status=ArchiveStatus.BUILDING)
    if insert_once(job):
        return job, True
    return building_job(theme), False


def building_job(theme) -> ArchiveJob | None:
    return db.session.scalar(select(ArchiveJob).where(ArchiveJob.theme_id == theme.id,
                                                      ArchiveJob.status == ArchiveStatus.BUILDING))


def recent_jobs(theme, limit: int = 10) -> list[ArchiveJob]:
    return list(db.session.scalars(select(ArchiveJob).where(ArchiveJob.theme_id == theme.id)
                                   .order_by(ArchiveJob.created_at.desc(), ArchiveJob.id.desc())
                                   .limit(limit)))


def _progress(job_id: int):
    """Record progress in a short transaction of its own, readable by the page meanwhile."""
    def record(done: int, total: int) -> None:
        with db.engine.begin() as conn:
            conn.execute(update(ArchiveJob).where(ArchiveJob.id == job_id)
                         .values(rows_done=done, rows_total=total))
    return record


def build(job: ArchiveJob) -> None:
    """Build `job`'s archive into storage and mail the owner who asked (in the caller's
    transaction: the caller commits)."""
    from app.archive.exporter import write_archive

    key = f"archive-{secrets.token_hex(16)}.zip"
    with tempfile.TemporaryFile() as tmp:
        write_archive(job.theme, tmp, progress=_progress(job.id))
        tmp.seek(0)
        size = storage.get().put(key, tmp)
    remove_on_rollback(key)
    db.session.refresh(job)  # the progress written meanwhile
    job.size = size
    job.stored_name = key
    job.status = ArchiveStatus.READY
    job.finished_at = utcnow()
    job.expires_at = job.finished_at + timedelta(days=current_app.config["ARCHIVE_DAYS"])
    _mail_ready(job)


def _mail_ready(job: ArchiveJob) -> None:
    from app.mail.services import send_mail
    from app.urls import external_url

    user = job.requested_by
    if user is None:
        return
    send_mail(user.email, _l("The archive of %(theme)s is ready", theme=job.theme.name),
              "archive_ready", locale=user.locale, user=user, theme=job.theme,
              link=external_url("archive.download", slug=job.theme.slug, archive_id=job.id),
              page=external_url("archive.index", slug=job.theme.slug),
              days=current_app.config["ARCHIVE_DAYS"])


def build_pending(app) -> int:
    """Build every archive asked for (one at a time, each in its own transaction), and remove
    the expired ones. Returns the archives built."""
    from app.scheduler import run_job

    with app.app_context():
        ids = list(db.session.scalars(select(ArchiveJob.id).where(
            ArchiveJob.status == ArchiveStatus.BUILDING).order_by(ArchiveJob.id)))
        db.session.rollback()
    built = 0
    for job_id in ids:
        try:
            with run_job(app):
                job = db.session.get(ArchiveJob, job_id)
                if job is not None and job.status == ArchiveStatus.BUILDING:
                    build(job)
                    built += 1
        except Exception as exc:  # recorded on the job, shown on the page; the next job goes on
            log.exception("archive %s failed", job_id)
            with run_job(app):
                db.session.execute(update(ArchiveJob).where(ArchiveJob.id == job_id).values(
                    status=ArchiveStatus.FAILED, finished_at=utcnow(),
                    error=f"{type(exc).__name__}: {exc}"[:500]))
    with run_job(app):
        expire()
    return built


def expire(now=None) -> int:
    """Remove the files of ready archives past their expiry."""
    now = now or utcnow()
    jobs = list(db.session.scalars(select(ArchiveJob).where(
        ArchiveJob.status == ArchiveStatus.READY, ArchiveJob.expires_at <= now)))
    for job in jobs:
        if job.stored_name:
            remove_after_commit(job.stored_name)
        job.status = ArchiveStatus.EXPIRED
        job.stored_name = None
    return len(jobs)
