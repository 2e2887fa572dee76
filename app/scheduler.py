"""The scheduler process (`flask scheduler`): periodic jobs, in ONE process of their own.

Never started inside web workers: with N gunicorn workers every job would run N times.
"""
from __future__ import annotations

import logging

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

log = logging.getLogger(__name__)


def purge_unconfirmed(app) -> None:
    from app.auth.services import purge_unconfirmed_accounts

    with app.app_context():
        removed = purge_unconfirmed_accounts()
        if removed:
            log.info("purged %d unconfirmed registrations", removed)


def build_scheduler(app) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone=app.config["SCHEDULER_TIMEZONE"])
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
