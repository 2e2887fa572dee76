"""Two schedulers on one database: writers wait for each other instead of failing, an
unfinished digest run is finished by the next tick (whichever process runs it, whatever its
day), and only one scheduler does the work at a time."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import scheduler
from app.digest import services as digest
from app.digest.models import DigestDelivery, DigestRun
from app.extensions import db
from app.items.models import ItemState
from app.themes.models import Role
from app.timeutil import utcnow
from tests.factories import ItemFactory, ThemeFactory, member


@pytest.fixture
def due_now(app):
    """The admins' digest is due whatever the hour; members' digests are not."""
    app.config.update(ADMIN_DIGEST_HOUR=0, DIGEST_HOUR=24)
    yield
    app.config.update(ADMIN_DIGEST_HOUR=7, DIGEST_HOUR=8)


@pytest.fixture
def nothing_due(app):
    """Neither today's admins' digest nor the members' digests are due: only what was left."""
    app.config.update(ADMIN_DIGEST_HOUR=24, DIGEST_HOUR=24)
    yield
    app.config.update(ADMIN_DIGEST_HOUR=7, DIGEST_HOUR=8)


def admins_with_work(count):
    people = []
    for _ in range(count):
        theme = ThemeFactory()
        people.append(member(theme, role=Role.ADMIN))
        ItemFactory(theme=theme, state=ItemState.PENDING)
    return people


def at_once(app, work, n=2):
    """Run `work` in n threads that start together, each with its own app context (and so
    its own database session and connection); the errors they raised."""
    barrier, errors = threading.Barrier(n), []

    def run():
        with app.app_context():
            barrier.wait()
            try:
                work()
            except Exception as exc:  # collected: the test reports them
                errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_two_admin_digests_at_once_serve_every_admin_exactly_once(app, mailbox):
    """Even without the scheduler lock around them, writers wait for each other."""
    admins = admins_with_work(12)
    errors = at_once(app, digest.send_admin_digests, n=3)
    assert errors == []
    for admin in admins:
        assert len(mailbox.wait_for(admin.email)) == 1
    assert len(mailbox.messages) == len(admins)
    db.session.expire_all()
    assert db.session.scalars(select(DigestRun.status)).all() == ["sent"]


def test_two_scheduler_ticks_at_once_do_the_work_once(app, mailbox, due_now):
    admins = admins_with_work(6)
    errors = at_once(app, lambda: scheduler.tick(app), n=2)
    assert errors == []
    for admin in admins:
        assert len(mailbox.wait_for(admin.email)) == 1
    assert len(mailbox.messages) == len(admins)


def test_an_admins_run_left_unfinished_is_finished_by_the_next_tick(app, mailbox, nothing_due):
    admins = admins_with_work(3)
    yesterday = utcnow() - timedelta(days=1)
    run = DigestRun(key=f"admins:{yesterday:%Y-%m-%d}", kind="admins", period_start=yesterday,
                    period_end=yesterday)  # the scheduler died yesterday with it in draft
    db.session.add(run)
    db.session.flush()
    db.session.add(DigestDelivery(run_id=run.id, user_id=admins[0].id))  # served before
    db.session.commit()
    scheduler.tick(app)
    for admin in admins[1:]:
        assert len(mailbox.wait_for(admin.email)) == 1
    assert mailbox.to(admins[0].email) == []
    db.session.expire_all()
    assert db.session.get(DigestRun, run.id).status == "sent"


def test_a_members_digest_left_sending_is_finished_by_the_next_tick(app, mailbox, nothing_due):
    theme = ThemeFactory(name="Zorgregio")
    readers = [member(theme) for _ in range(3)]
    key, start, end = digest.previous_period("weekly", utcnow() - timedelta(days=7))
    ItemFactory(theme=theme, title="Oud nieuws", created_at=start + timedelta(days=1))
    run = digest.get_run(theme, key, start, end)  # two weeks ago, interrupted after one mail
    run.status = "sending"
    db.session.add(DigestDelivery(run_id=run.id, user_id=readers[0].id))
    db.session.commit()
    scheduler.tick(app)
    for reader in readers[1:]:
        assert "Oud nieuws" in mailbox.wait_for(reader.email)[0].text
    assert mailbox.to(readers[0].email) == []
    assert db.session.scalar(select(func.count(DigestDelivery.id))) == 3


def test_only_one_scheduler_holds_the_lock(app):
    with scheduler.scheduler_lock(app) as first:
        assert first
        with scheduler.scheduler_lock(app) as second:
            assert not second
    with scheduler.scheduler_lock(app) as again:
        assert again
