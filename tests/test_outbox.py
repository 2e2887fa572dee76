"""Mail that is never lost: the outbox is written with the event, delivered after commit over
real SMTP, retried with back-off when the server is down, never sent twice, and sends nothing
for a transaction that rolled back."""
from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.mail import services as outbox
from app.mail.models import DeliveryAttempt, OutboxMessage, OutboxStatus
from app.themes.models import WorkgroupType
from app.timeutil import utcnow
from tests.factories import ThemeFactory, UserFactory
from tests.helpers import Client, page_text
from tests.mailbox import free_port


def rows(status=None):
    q = select(OutboxMessage).order_by(OutboxMessage.id)
    if status:
        q = q.where(OutboxMessage.status == status)
    return list(db.session.scalars(q))


def register(client, theme, email="nieuw@example.org"):
    return client.post(f"/register/{theme.slug}", {
        "email": email, "username": email.split("@")[0], "password": "een-lange-zin-als-wachtwoord",
        "password_confirm": "een-lange-zin-als-wachtwoord"})


def test_refused_mail_waits_and_is_delivered_exactly_once_when_the_server_is_back(client, app,
                                                                                   mailbox):
    mailbox.refuse = True
    resp = register(client, ThemeFactory())
    assert resp.status_code == 200 and "We sent a link" in page_text(resp)
    (row,) = rows()
    assert row.status == OutboxStatus.PENDING and row.attempts == 1
    assert "451" in row.last_error and row.next_attempt_at > utcnow()
    assert mailbox.messages == []

    mailbox.refuse = False
    assert outbox.flush(app)["sent"] == 0  # not due yet: back-off
    assert outbox.flush(app, include_not_due=True)["sent"] == 1
    assert outbox.flush(app, include_not_due=True)["sent"] == 0
    (mail,) = mailbox.wait_for("nieuw@example.org")
    assert mail.message["Message-ID"] == row.message_id
    db.session.expire_all()
    assert rows()[0].status == OutboxStatus.SENT
    attempts = db.session.scalars(select(DeliveryAttempt.ok).order_by(DeliveryAttempt.id)).all()
    assert attempts == [False, True]
    assert len(mailbox.to("nieuw@example.org")) == 1


def test_mail_server_down_keeps_the_mail(client, app, mailbox):
    real_port, app.config["MAIL_PORT"] = app.config["MAIL_PORT"], free_port()  # nobody there
    try:
        register(client, ThemeFactory())
    finally:
        app.config["MAIL_PORT"] = real_port
    (row,) = rows()
    assert row.status == OutboxStatus.PENDING and "Connection refused" in row.last_error
    outbox.flush(app, include_not_due=True)
    assert len(mailbox.wait_for("nieuw@example.org")) == 1


def test_a_transaction_that_rolls_back_sends_nothing(app, mailbox):
    user = UserFactory()
    with app.test_request_context():
        outbox.send_mail(user.email, "Test", "reset", locale="en", user=user,
                         link="http://x", minutes=5)
        db.session.rollback()
    assert rows() == []
    # And a rule broken halfway through a request: the registration fails, no mail leaves.
    client = Client(app)
    UserFactory(username="Bezet")
    resp = client.post(f"/register/{ThemeFactory().slug}", {
        "email": "ander@example.org", "username": "Bezet",
        "password": "een-lange-zin-als-wachtwoord", "password_confirm": "een-lange-zin-als-wachtwoord"})
    assert resp.status_code == 422 and rows() == [] and mailbox.messages == []


def test_two_senders_never_send_the_same_mail_twice(app, mailbox):
    app.config["MAIL_DELIVERY"] = "scheduler"  # leave the rows for the racing senders
    try:
        client = Client(app)
        for i in range(5):
            register(client, ThemeFactory(), email=f"race{i}@example.org")
    finally:
        app.config["MAIL_DELIVERY"] = "sync"
    ids = [r.id for r in rows()]
    assert len(ids) == 5 and mailbox.messages == []
    barrier = threading.Barrier(2)

    def sender():
        barrier.wait()
        outbox.deliver(app, ids)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(5):
        assert len(mailbox.wait_for(f"race{i}@example.org")) == 1
    assert len(mailbox.messages) == 5
    assert db.session.scalar(select(func.count(DeliveryAttempt.id))) == 5


def test_a_claim_left_by_a_crashed_sender_is_taken_back(app, mailbox):
    app.config["MAIL_DELIVERY"] = "scheduler"
    try:
        register(Client(app), ThemeFactory())
    finally:
        app.config["MAIL_DELIVERY"] = "sync"
    row = rows()[0]
    row.status, row.claimed_at = OutboxStatus.SENDING, utcnow() - timedelta(hours=1)
    db.session.commit()
    assert outbox.flush(app)["sent"] == 1
    assert len(mailbox.wait_for("nieuw@example.org")) == 1


def test_after_the_last_try_it_fails_visibly_and_can_be_sent_again(app, mailbox):
    owner = UserFactory(is_platform_owner=True)
    mailbox.refuse = True
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    try:
        register(Client(app), ThemeFactory())
        outbox.flush(app, include_not_due=True)
    finally:
        app.config["MAIL_MAX_ATTEMPTS"] = 12
        mailbox.refuse = False
    (row,) = rows()
    assert row.status == OutboxStatus.FAILED and row.attempts == 2
    admin = Client(app)
    admin.login(owner.email)
    listing = page_text(admin.get("/platform/outbox/?status=failed"))
    assert "nieuw@example.org" in listing and "failed (1)" in listing
    resp = admin.post(f"/platform/outbox/{row.id}/retry")
    assert resp.status_code == 302
    assert len(mailbox.wait_for("nieuw@example.org")) == 1
    db.session.expire_all()
    assert rows()[0].status == OutboxStatus.SENT


def test_without_a_mail_server_mail_is_held_and_readable_by_the_platform_owner(app, mailbox):
    owner = UserFactory(is_platform_owner=True)
    app.config["MAIL_SERVER"] = None
    try:
        register(Client(app), ThemeFactory(name="Thuiszorg"))
    finally:
        app.config["MAIL_SERVER"] = "127.0.0.1"
    (row,) = rows()
    assert row.status == OutboxStatus.HELD and mailbox.messages == []
    admin = Client(app)
    admin.login(owner.email)
    page = page_text(admin.get(f"/platform/outbox/{row.id}"))
    assert "Confirm your e-mail address" in page and "/confirm/" in page
    member = Client(app)
    member.login(UserFactory().email)
    assert member.get("/platform/outbox/").status_code == 403
    assert member.get(f"/platform/outbox/{row.id}").status_code == 403


def test_mails_are_multipart_in_the_recipients_language_with_the_board_name(client, mailbox):
    theme = ThemeFactory(name="Ouderenzorg", workgroup_type=WorkgroupType.CLOSED)
    UserFactory(email="nl@example.org", locale="nl")
    client.post("/reset", {"email": "nl@example.org"})
    (mail,) = mailbox.wait_for("nl@example.org")
    assert mail.subject.startswith("[Werkgroepen]")
    assert mail.message.is_multipart() and "Hallo" in mail.text and "Hallo" in mail.html
    assert mail.message["Auto-Submitted"] == "auto-generated"
    assert theme  # the reset mail names no theme


def test_outbox_cli(app, mailbox):
    app.config["MAIL_DELIVERY"] = "scheduler"
    try:
        register(Client(app), ThemeFactory())
    finally:
        app.config["MAIL_DELIVERY"] = "sync"
    runner = app.test_cli_runner()
    listing = runner.invoke(args=["outbox", "list"]).output
    assert "pending" in listing and "nieuw@example.org" in listing
    assert "sent 1" in runner.invoke(args=["outbox", "flush"]).output
    assert len(mailbox.wait_for("nieuw@example.org")) == 1


def test_a_delivered_message_arrives_exactly_as_stored(app, mailbox):
    """What the SMTP server receives decodes to the stored subject, bodies and headers
    (accents included), and stored text cannot add headers."""
    from app.mail.models import OutboxMessage
    row = OutboxMessage(
        message_id="<exact-1@werkgroepen.localhost>", kind="push", recipient="zoe@example.org",
        subject="Vergadering van Één thema — café", body_text="Beste Zoë,\nTot dan! " + "é" * 300,
        body_html="<p>Beste Zoë,</p><p>Tot dan!</p>",
        headers={"Reply-To": "Zoë de Vries <zoe.devries@example.org>",
                 "List-Unsubscribe": "<https://werkgroepen.example.org/unsubscribe/abc.def>",
                 "X-Evil": "ok\r\nBcc: everyone@example.org"})
    db.session.add(row)
    db.session.commit()
    outbox.flush(app)
    (mail,) = mailbox.wait_for("zoe@example.org")
    message = mail.message
    assert message["Subject"] == "Vergadering van Één thema — café"
    assert str(message["Reply-To"]) == "Zoë de Vries <zoe.devries@example.org>"
    assert message["List-Unsubscribe"] == "<https://werkgroepen.example.org/unsubscribe/abc.def>"
    assert message["Message-ID"] == "<exact-1@werkgroepen.localhost>"
    assert message["Bcc"] is None and message["X-Evil"] is None
    assert mail.text.replace("\r\n", "\n").strip() == row.body_text.strip()
    assert "<p>Beste Zoë,</p>" in mail.html


# ------------------------------------------------------------------ poison mails

def test_a_contact_subject_with_line_breaks_arrives_on_one_line(app, mailbox):
    from app.themes.models import Role
    from tests.factories import member
    theme = ThemeFactory(name="Buurtwerk")
    admin = member(theme, role=Role.ADMIN)
    writer = member(theme)
    client = Client(app)
    client.login(writer.email)
    resp = client.post(f"/t/{theme.slug}/contact", {
        "subject": "Vraag\r\nBcc: iedereen@example.org\nX-Extra: ja", "message": "Hoe werkt het?"})
    assert resp.status_code == 302
    (mail,) = mailbox.wait_for(admin.email)
    assert "Vraag Bcc: iedereen@example.org X-Extra: ja" in mail.subject
    assert mail.message["Bcc"] is None and mail.message["X-Extra"] is None
    assert mailbox.to("iedereen@example.org") == []
    (row,) = rows()
    assert row.status == OutboxStatus.SENT


def test_a_message_that_cannot_be_built_fails_visibly_and_does_not_block_the_rest(app, mailbox):
    owner = UserFactory(is_platform_owner=True)
    poison = OutboxMessage(message_id="<poison@werkgroepen.localhost>", kind="contact",
                           recipient="beheer@example.org", subject="Vraag\r\nBcc: x@example.org",
                           body_text="tekst", body_html="<p>tekst</p>", headers={})
    fine = OutboxMessage(message_id="<fine@werkgroepen.localhost>", kind="contact",
                         recipient="beheer@example.org", subject="Gewoon", body_text="tekst",
                         body_html="<p>tekst</p>", headers={})
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    try:
        db.session.add_all([poison, fine])
        db.session.commit()  # delivered right after the commit (sync): the first try
        (mail,) = mailbox.wait_for("beheer@example.org")
        assert mail.subject == "Gewoon"
        db.session.expire_all()
        assert poison.status == OutboxStatus.PENDING and poison.attempts == 1
        assert "HeaderParseError" in poison.last_error
        outbox.flush(app, include_not_due=True)  # the second and last try
    finally:
        app.config["MAIL_MAX_ATTEMPTS"] = 12
    db.session.expire_all()
    assert poison.status == OutboxStatus.FAILED and poison.attempts == 2
    assert [a.ok for a in poison.attempts_log] == [False, False]
    admin = Client(app)
    admin.login(owner.email)
    listing = page_text(admin.get("/platform/outbox/?status=failed"))
    assert "beheer@example.org" in listing
    assert "HeaderParseError" in page_text(admin.get(f"/platform/outbox/{poison.id}"))
    assert len(mailbox.to("beheer@example.org")) == 1


# ------------------------------------------------------------------ a sender killed mid-batch

class Killed(BaseException):
    """Stands for kill -9: nothing after it runs (not caught as an ordinary error)."""


def queue_registrations(app, count):
    app.config["MAIL_DELIVERY"] = "scheduler"  # leave the rows for the sender under test
    try:
        client = Client(app)
        for i in range(count):
            register(client, ThemeFactory(), email=f"batch{i}@example.org")
    finally:
        app.config["MAIL_DELIVERY"] = "sync"
    return [r.id for r in rows()]


def kill_after(monkeypatch, sends):
    """Let the sender hand `sends` messages to the server, then die inside the next send."""
    real = outbox._transmit
    done = []

    def transmit(connection, row, sender, data):
        if len(done) == sends:
            raise Killed
        real(connection, row, sender, data)
        done.append(row.id)

    monkeypatch.setattr(outbox, "_transmit", transmit)
    return done


def lapse_leases():
    """Time passes beyond the lease of every claim."""
    from sqlalchemy import update
    db.session.execute(update(OutboxMessage).where(OutboxMessage.status == OutboxStatus.SENDING)
                       .values(claimed_at=utcnow() - timedelta(seconds=90)))
    db.session.commit()


def test_each_message_is_marked_sent_before_the_next_one_goes(app, mailbox, monkeypatch):
    ids = queue_registrations(app, 3)
    kill_after(monkeypatch, 1)
    try:
        outbox.deliver(app, ids)
    except Killed:
        pass
    monkeypatch.undo()
    db.session.expire_all()
    assert [r.status for r in rows()] == [OutboxStatus.SENT, OutboxStatus.SENDING,
                                          OutboxStatus.SENDING]
    lapse_leases()
    assert outbox.flush(app)["sent"] == 2
    for i in range(3):
        assert len(mailbox.wait_for(f"batch{i}@example.org")) == 1
    assert len(mailbox.messages) == 3  # the first was not sent again


def test_a_dead_senders_claims_are_taken_over_once_the_lease_runs_out(app, mailbox):
    (mid,) = queue_registrations(app, 1)
    from sqlalchemy import update
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == mid).values(
        status=OutboxStatus.SENDING, claimed_at=utcnow() - timedelta(seconds=20), attempts=1))
    db.session.commit()
    assert outbox.deliver(app, [mid])["skipped"] == 1  # its lease still runs: hands off
    assert mailbox.messages == []
    lapse_leases()  # a minute and a half later: well under the old ten minutes
    assert outbox.deliver(app, [mid])["sent"] == 1  # another sender takes it over
    assert len(mailbox.wait_for("batch0@example.org")) == 1
    db.session.expire_all()
    assert rows()[0].status == OutboxStatus.SENT and rows()[0].attempts == 2


def test_a_message_sent_again_after_a_crash_keeps_its_message_id(app, mailbox, monkeypatch):
    (mid,) = queue_registrations(app, 1)
    stored = rows()[0].message_id
    real = outbox._transmit

    def sent_then_killed(connection, row, sender, data):
        real(connection, row, sender, data)
        raise Killed  # the server said 250; the process died before recording it

    monkeypatch.setattr(outbox, "_transmit", sent_then_killed)
    try:
        outbox.deliver(app, [mid])
    except Killed:
        pass
    monkeypatch.undo()
    lapse_leases()
    outbox.flush(app)
    first, second = mailbox.wait_for("batch0@example.org", count=2)
    assert first.message["Message-ID"] == second.message["Message-ID"] == stored


def test_a_message_that_keeps_killing_its_sender_ends_as_failed(app, mailbox):
    (mid,) = queue_registrations(app, 1)
    from sqlalchemy import update
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == mid).values(
        status=OutboxStatus.SENDING, claimed_at=utcnow() - timedelta(seconds=90),
        attempts=app.config["MAIL_MAX_ATTEMPTS"]))
    db.session.commit()
    outbox.flush(app)
    db.session.expire_all()
    assert rows()[0].status == OutboxStatus.FAILED and "stopped" in rows()[0].last_error
    assert mailbox.messages == []


def test_a_long_batch_renews_its_lease_and_leaves_what_another_sender_took(app, mailbox,
                                                                             monkeypatch):
    ids = queue_registrations(app, 3)
    app.config["MAIL_CLAIM_LEASE_SECONDS"] = 0.3  # renewed every 0.1 s of sending
    real = outbox._transmit
    seen_claims = []

    def slow_transmit(connection, row, sender, data):
        from sqlalchemy import update
        real(connection, row, sender, data)
        with app.app_context():
            claims = dict(db.session.execute(select(OutboxMessage.id, OutboxMessage.claimed_at)
                                             .where(OutboxMessage.id.in_(ids))).all())
            seen_claims.append(claims[ids[2]])
            if row.id == ids[0]:  # meanwhile another sender took the second one over
                db.session.execute(update(OutboxMessage).where(OutboxMessage.id == ids[1])
                                   .values(claimed_at=utcnow() + timedelta(seconds=5)))
                db.session.commit()
            db.session.remove()
        threading.Event().wait(0.2)  # a slow server

    monkeypatch.setattr(outbox, "_transmit", slow_transmit)
    try:
        counts = outbox.deliver(app, ids)
    finally:
        app.config["MAIL_CLAIM_LEASE_SECONDS"] = 60
    assert counts["sent"] == 2 and counts["skipped"] == 1
    assert seen_claims[-1] > seen_claims[0]  # the lease of what still waited was renewed
    assert len(mailbox.wait_for("batch0@example.org")) == 1
    assert len(mailbox.wait_for("batch2@example.org")) == 1
    assert mailbox.to("batch1@example.org") == []  # left to the sender that took it


def test_a_server_that_never_answers_costs_one_failed_try_not_a_stuck_claim(client, app,
                                                                             mailbox):
    """A server that takes the connection and then says nothing: the sender gives up after
    MAIL_TIMEOUT (inside the claim's lease), records the try, and the mail goes later."""
    import socket
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)
    settings = {"MAIL_PORT": silent.getsockname()[1], "MAIL_TIMEOUT": 1}
    saved = {k: app.config[k] for k in settings}
    app.config.update(settings)
    try:
        register(client, ThemeFactory())
    finally:
        app.config.update(saved)
        silent.close()
    (row,) = rows()
    assert row.status == OutboxStatus.PENDING and "timed out" in row.last_error
    assert row.attempts == 1
    outbox.flush(app, include_not_due=True)
    assert len(mailbox.wait_for("nieuw@example.org")) == 1
