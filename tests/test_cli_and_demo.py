"""CLI commands (users, themes, demo data) and the scheduler's job."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.auth.models import User
from app.demo import DEMO_PASSWORD
from app.extensions import db
from app.scheduler import build_scheduler, purge_unconfirmed
from app.themes import services
from app.themes.models import WorkgroupType
from app.timeutil import utcnow
from tests.factories import UserFactory
from tests.helpers import page_text


def test_platform_owner_theme_and_owner_from_the_command_line(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["user", "create", "baas@example.org", "--username", "Baas",
                                 "--password", "lange-zin-voor-de-chef", "--platform-owner"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["user", "create", "eig@example.org", "--username", "Eig",
                                 "--password", "kort"])
    assert result.exit_code != 0 and "10" in result.output  # the CLI speaks Dutch
    runner.invoke(args=["user", "create", "eig@example.org", "--username", "Eig",
                        "--password", "zeer-lange-geheime-zin"])
    result = runner.invoke(args=["theme", "create", "Zorgregio Zuid", "--slug", "zorgregio-zuid",
                                 "--type", "closed", "--owner", "eig@example.org"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["theme", "create", "Wijk", "--slug", "wijk", "--type", "mixed",
                                 "--parent", "zorgregio-zuid"])
    assert result.exit_code == 0, result.output
    theme = services.get_theme_by_slug("wijk")
    assert theme.parent.slug == "zorgregio-zuid" and theme.workgroup_type == WorkgroupType.MIXED
    assert services.owner_of(services.get_theme_by_slug("zorgregio-zuid")).email == "eig@example.org"
    result = runner.invoke(args=["theme", "set-owner", "wijk", "baas@example.org"])
    assert result.exit_code == 0 and services.owner_of(theme).email == "baas@example.org"
    result = runner.invoke(args=["theme", "create", "X", "--slug", "wijk", "--type", "closed"])
    assert result.exit_code != 0 and "wijk is al in gebruik" in result.output
    listing = runner.invoke(args=["theme", "list"]).output
    assert "zorgregio-zuid" in listing and "  wijk" in listing


def test_demo_data_loads_once_and_its_accounts_work(app, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "Demo data loaded." in first.output and DEMO_PASSWORD in first.output
    count = db.session.scalar(select(func.count(User.id)))
    second = runner.invoke(args=["demo", "load"])
    assert "not loaded again" in second.output
    assert db.session.scalar(select(func.count(User.id))) == count
    # Every type of workgroup with subthemes, and every role.
    types = {t.workgroup_type for t in services.theme_tree()}
    assert types == set(WorkgroupType)
    for line in first.output.splitlines():
        if "@demo.example.org" in line and "pending" not in line:
            email = line.split()[0]
            client.login(email, DEMO_PASSWORD)
            assert client.get("/account").status_code == 200
            client.logout()
    client.login("lid.gemeente@demo.example.org", DEMO_PASSWORD)
    client.get("/language/en")
    assert "You are a member." in page_text(client.get("/t/personeelszaken"))
    files = client.get("/t/gemeente-rivierstad/files")
    assert "Vergaderingen" in page_text(files) and "Beleid" in page_text(files)
    assert "Reorganisatie concept" not in page_text(client.get("/search?q=reorganisatie"))
    agenda = page_text(client.get("/t/gemeente-rivierstad/agenda"))
    assert "Begrotingsoverleg sociaal domein" in agenda and "1 attending" in agenda
    assert "Vrijwilligersavond" in page_text(client.get("/t/vereniging-buurtwerk/agenda?when=past"))


def test_scheduler_purges_only_old_unconfirmed_registrations(app):
    old = UserFactory(email_confirmed_at=None, created_at=utcnow() - timedelta(days=30))
    fresh = UserFactory(email_confirmed_at=None)
    confirmed = UserFactory(created_at=utcnow() - timedelta(days=300))
    old_id = old.id
    scheduler = build_scheduler(app)
    assert {job.id for job in scheduler.get_jobs()} >= {"purge_unconfirmed", "tick", "files"}
    purge_unconfirmed(app)
    db.session.expire_all()
    assert db.session.get(User, old_id) is None
    assert db.session.get(User, fresh.id) is not None
    assert db.session.get(User, confirmed.id) is not None
