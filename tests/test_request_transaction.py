"""One commit per request, at its end (app.transactions): a request that fails or is refused
after a service changed something writes nothing, and its mails go out only after that commit."""
from __future__ import annotations

import pytest
from flask import flash, redirect
from sqlalchemy import func, select

from app import create_app
from app.errors import DomainError
from app.extensions import db
from app.mail.models import OutboxMessage
from app.organisations.models import Organisation
from app.organisations.services import add_organisation
from app.themes.models import Theme
from app.transactions import discard
from tests.factories import ThemeFactory

ORG_NAME = "Gemeente Proefstad"


@pytest.fixture
def probe_app(app, smtp_server):
    """A second app on the same database and mail server, with probe routes that call a real
    service and then fail or answer in different ways."""
    probe = create_app({k: v for k, v in app.config.items()
                        if k.isupper() and k not in ("SERVER_NAME",)},
                       instance_path=app.instance_path)
    probe.config["WTF_CSRF_ENABLED"] = False
    seen = {}

    def _add(slug):
        theme = db.session.scalar(select(Theme).where(Theme.slug == slug))
        return add_organisation(theme, name=ORG_NAME, contact_email="info@proefstad.example")

    @probe.route("/probe/<slug>/<how>", methods=["POST"])
    def probe_view(slug, how):
        organisation = _add(slug)
        if how == "crash":
            raise RuntimeError("a bug after the service")
        if how == "invalid":
            return "the form again, with the problem named", 422
        if how == "refused":
            try:
                raise DomainError("refused after the change")
            except DomainError as exc:
                discard()
                flash(exc.message, "error")
                return redirect("/")
        if how.startswith("mail"):
            from app.mail.services import send_mail
            send_mail("someone@proefstad.example", "Welkom", "push", locale="en",
                      kind="push", sender_name="Probe", theme=organisation.theme,
                      message="Hallo", link="https://example.org/")
            seen["outbox_rows_in_view"] = db.session.scalar(
                select(func.count()).select_from(OutboxMessage))
            seen["mails_in_view"] = len(smtp_server.mailbox.to("someone@proefstad.example"))
            if how == "mail-crash":
                raise RuntimeError("a bug after the mail was queued")
        return redirect("/")

    probe.seen = seen
    return probe


def _stored_organisations() -> int:
    """Counted on a connection of its own: what another request would see."""
    with db.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(Organisation.__table__)
                                 .where(Organisation.name == ORG_NAME))


@pytest.mark.parametrize("how,status", [("crash", 500), ("invalid", 422), ("refused", 302)])
def test_a_request_that_fails_after_a_service_changed_something_writes_nothing(
        probe_app, how, status):
    theme = ThemeFactory()
    response = probe_app.test_client().post(f"/probe/{theme.slug}/{how}")
    assert response.status_code == status
    assert _stored_organisations() == 0


def test_a_request_that_succeeds_commits_once_at_its_end(probe_app):
    theme = ThemeFactory()
    response = probe_app.test_client().post(f"/probe/{theme.slug}/ok")
    assert response.status_code == 302
    assert _stored_organisations() == 1


def test_mail_goes_out_only_after_the_requests_one_commit(probe_app, mailbox):
    theme = ThemeFactory()
    response = probe_app.test_client().post(f"/probe/{theme.slug}/mail")
    assert response.status_code == 302
    # The service queued the mail in the request's transaction; nothing was sent during the view.
    assert probe_app.seen["outbox_rows_in_view"] == 1
    assert probe_app.seen["mails_in_view"] == 0
    mails = mailbox.wait_for("someone@proefstad.example")
    assert mails[0].subject.endswith("Welkom")
    assert _stored_organisations() == 1


def test_mail_of_a_failed_request_never_goes_out(probe_app, mailbox):
    theme = ThemeFactory()
    response = probe_app.test_client().post(f"/probe/{theme.slug}/mail-crash")
    assert response.status_code == 500
    assert probe_app.seen["outbox_rows_in_view"] == 1
    with db.engine.connect() as connection:  # nothing left that a sender could deliver
        assert connection.scalar(select(func.count()).select_from(OutboxMessage.__table__)) == 0
    assert mailbox.to("someone@proefstad.example") == []
    assert _stored_organisations() == 0
