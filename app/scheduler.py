"""The scheduler process (`flask scheduler`): periodic jobs, in ONE process of their own.

Never started inside web workers: with N gunicorn workers every job would run N times.
"""
from __future__ import annotations

import logging

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)


def purge_unconfirmed(app) -> None:
    from app.auth.services import purge_unconfirmed_accounts

    with app.app_context():
        removed = purge_unconfirmed_accounts()
        if removed:
            log.info("purged %d unconfirmed registrations", removed)


def flush_outbox(app) -> None:
    from app.mail.services import flush

    counts = flush(app)
    if counts["sent"] or counts["failed"]:
        log.info("outbox: sent %(sent)d, failed %(failed)d", counts)


def send_digests(app) -> None:
    from app.digest.services import send_due_digests, send_overviews

    with app.app_context():
        n = send_due_digests()
        m = send_overviews()
        if n or m:
            log.info("digests: %d mails, overviews: %d mails", n, m)


def send_admin_digests(app) -> None:
    from app.digest.services import send_admin_digests as send

    with app.app_context():
        n = send()
        if n:
            log.info("admins' digest: %d mails", n)


def build_scheduler(app) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone=app.config["SCHEDULER_TIMEZONE"])
    scheduler.add_job(flush_outbox, IntervalTrigger(minutes=1), args=[app], id="flush_outbox",
                      replace_existing=True, coalesce=True, max_instances=1)
    scheduler.add_job(send_digests, CronTrigger(hour=app.config["DIGEST_HOUR"], minute=5),
                      args=[app], id="send_digests", replace_existing=True, coalesce=True,
                      max_instances=1, misfire_grace_time=6 * 3600)
    scheduler.add_job(send_admin_digests, CronTrigger(hour=app.config["ADMIN_DIGEST_HOUR"],
                                                      minute=0),
                      args=[app], id="send_admin_digests", replace_existing=True, coalesce=True,
                      max_instances=1, misfire_grace_time=6 * 3600)
    scheduler.add_job(purge_unconfirmed, CronTrigger(hour=3, minute=17), args=[app],
                      id="purge_unconfirmed", replace_existing=True, coalesce=True,
                      max_instances=1, misfire_grace_time=3600)
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
