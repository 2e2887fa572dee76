"""Mails people receive because of others: reply notifications, push mails, contact messages,
digests, the admins' digest and overviews; unsubscribing with one click."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.digest import services as digest
from app.digest.models import DigestDelivery, DigestRun
from app.extensions import db
from app.mail.models import OutboxMessage
from app.moderation import services as moderation
from app.items.models import Part, ItemState, Comment
from app.themes.models import MembershipStatus, Role, WorkgroupType
from app.timeutil import utcnow
from tests.factories import (MembershipFactory, OrganisationFactory, ItemFactory, CommentFactory,
                             ThemeFactory, UserFactory, member)
from tests.helpers import Client, page_text


def path_of(url):
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


# ------------------------------------------------------------------ replies

def test_new_reply_notifies_the_thread_but_not_the_replier_nor_who_muted_it(app, mailbox):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    author = member(theme, username="Auteur", locale="nl")
    earlier, muter, replier = member(theme), member(theme), member(theme, username="Reageerder")
    post = ItemFactory(theme=theme, author=author, part=Part.CLOSED, title="Vergaderdata")
    CommentFactory(item=post, author=earlier)
    CommentFactory(item=post, author=muter)
    c = Client(app)
    c.login(muter.email)
    c.post(f"/posts/{post.id}/mute", {"muted": "1"})
    c = Client(app)
    c.login(replier.email)
    c.post(f"/items/{post.id}/comments", {"body": "Dinsdag past mij."})
    (mail,) = mailbox.wait_for(author.email)
    assert "Vergaderdata" in mail.subject and "Reageerder" in mail.text
    assert "Dinsdag past mij." in mail.text and "Hallo" in mail.text  # Dutch recipient
    reply = db.session.scalar(select(Comment).order_by(Comment.id.desc()))
    assert mail.link(f"/replies/{reply.id}")  # leads to the page the reply is on
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert len(mailbox.wait_for(earlier.email)) == 1
    assert mailbox.to(muter.email) == [] and mailbox.to(replier.email) == []


def test_pending_reply_notifies_only_once_approved(app, mailbox):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    author, replier = member(theme), member(theme)
    admin = member(theme, role=Role.ADMIN)
    post = ItemFactory(theme=theme, author=author)
    c = Client(app)
    c.login(replier.email)
    c.post(f"/items/{post.id}/comments", {"body": "Wacht even"})
    assert mailbox.to(author.email) == []
    from app.items.models import Comment
    moderation.approve_reply(admin, db.session.scalar(select(Comment.id)))
    db.session.commit()
    assert len(mailbox.wait_for(author.email)) == 1


def test_no_reply_mail_about_a_post_the_recipient_can_no_longer_see(app, mailbox):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    author, replier, left = member(theme), member(theme), UserFactory()
    post = ItemFactory(theme=theme, author=author, part=Part.CLOSED)
    CommentFactory(item=post, author=left)  # replied once, no longer a member
    c = Client(app)
    c.login(replier.email)
    c.post(f"/items/{post.id}/comments", {"body": "Nieuw"})
    assert len(mailbox.wait_for(author.email)) == 1
    assert mailbox.to(left.email) == []


# ------------------------------------------------------------------ unsubscribe

def test_one_click_unsubscribe_works_without_login_and_only_for_its_recipient(app, mailbox):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    author, other, replier = member(theme), member(theme), member(theme)
    post = ItemFactory(theme=theme, author=author, part=Part.CLOSED)
    CommentFactory(item=post, author=other)
    c = Client(app)
    c.login(replier.email)
    c.post(f"/items/{post.id}/comments", {"body": "Eerste"})
    (mail,) = mailbox.wait_for(author.email)
    url = re.search(r"<(.+)>", mail.message["List-Unsubscribe"]).group(1)
    visitor = Client(app)
    page = visitor.get(path_of(url))  # a link scanner's GET changes nothing
    assert page.status_code == 200 and "Yes, unsubscribe" in page_text(page)
    resp = visitor.http.post(path_of(url), data={"List-Unsubscribe": "One-Click"})  # no CSRF
    assert resp.status_code == 200 and "Done" in page_text(resp)
    mailbox.clear()
    c.post(f"/items/{post.id}/comments", {"body": "Tweede"})
    assert len(mailbox.wait_for(other.email)) == 1
    assert mailbox.to(author.email) == []  # only the link's own recipient unsubscribed
    assert visitor.http.post(path_of(url)[:-4] + "xxxx").status_code == 400


# ------------------------------------------------------------------ push and contact

def test_push_mail_reaches_chosen_participants_without_revealing_addresses(app, mailbox):
    theme = ThemeFactory(name="Klimaatplan", workgroup_type=WorkgroupType.CLOSED)
    admin = member(theme, role=Role.ADMIN, email="admin@example.org")
    a, b, c_ = member(theme), member(theme), member(theme)
    client = Client(app)
    client.login(admin.email)
    resp = client.post(f"/t/{theme.slug}/push", {"subject": "Uitnodiging", "message": "Dinsdag 10u",
                                                  "recipients": [str(a.id), str(b.id)]})
    assert resp.status_code == 302
    for person in (a, b):
        (mail,) = mailbox.wait_for(person.email)
        assert mail.envelope_to == [person.email] and mail.to == person.email
        assert "Dinsdag 10u" in mail.text and mail.message["Reply-To"] == "admin@example.org"
    assert mailbox.to(c_.email) == []
    resp = client.post(f"/t/{theme.slug}/push", {"subject": "Iedereen", "message": "x",
                                                  "everyone": "y"})
    assert len(mailbox.wait_for(c_.email)) == 1
    resp = client.post(f"/t/{theme.slug}/push", {"subject": "x", "message": "x",
                                                  "recipients": str(UserFactory().id)})
    assert resp.status_code == 422 and "member list" in page_text(resp)


def test_push_is_for_admins_unless_the_theme_allows_members_and_is_rate_limited(app, mailbox):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    plain = member(theme)
    member(theme)
    client = Client(app)
    client.login(plain.email)
    assert client.get(f"/t/{theme.slug}/push").status_code == 403
    theme.members_may_push = True
    db.session.commit()
    app.config["PUSH_RATE_LIMIT"] = "2 per hour"
    try:
        codes = [client.post(f"/t/{theme.slug}/push", {"subject": "s", "message": "m",
                                                       "everyone": "y"}).status_code
                 for _ in range(3)]
    finally:
        app.config["PUSH_RATE_LIMIT"] = "5 per hour;20 per day"
    assert codes == [302, 302, 429]


def test_contact_the_admins_and_an_organisation(app, mailbox):
    theme = ThemeFactory(name="Buurtwerk")
    admin = member(theme, role=Role.ADMIN)
    org = OrganisationFactory(theme=theme, name="Buurthuis", contact_email="info@buurthuis.example")
    writer = member(theme, email="schrijver@example.org")
    client = Client(app)
    assert client.get(f"/t/{theme.slug}/contact").status_code == 302  # log in first
    client.login(writer.email)
    assert "platform@" in page_text(client.get(f"/t/{theme.slug}/contact"))  # the escalation
    client.post(f"/t/{theme.slug}/contact", {"subject": "Vraag", "message": "Hoe werkt het?"})
    (mail,) = mailbox.wait_for(admin.email)
    assert "Hoe werkt het?" in mail.text and mail.message["Reply-To"] == "schrijver@example.org"
    client.post(f"/t/{theme.slug}/organisations/{org.id}/contact",
                {"subject": "Samenwerking", "message": "Zullen we samenwerken?"})
    (mail,) = mailbox.wait_for("info@buurthuis.example")
    assert "Buurthuis" in mail.text and "Zullen we samenwerken?" in mail.text


# ------------------------------------------------------------------ digests

@pytest.fixture
def digest_theme():
    theme = ThemeFactory(name="Zorgregio", workgroup_type=WorkgroupType.MIXED)
    admin = member(theme, role=Role.ADMIN)
    insider, plain = member(theme, username="Insider"), member(theme)
    pending = UserFactory()
    MembershipFactory(user=pending, theme=theme, status=MembershipStatus.PENDING)
    last_week = utcnow() - timedelta(days=7)
    key, start, end = digest.period_of("weekly", last_week)
    at = start + timedelta(days=2)
    ItemFactory(theme=theme, title="Openbaar idee", created_at=at, star_count=5)
    ItemFactory(theme=theme, title="Gesloten overleg", part=Part.CLOSED, created_at=at,
                star_count=4)
    ItemFactory(theme=theme, title="Alleen voor Insider", part=Part.CLOSED, created_at=at,
                star_count=3, readers=[insider])
    ItemFactory(theme=theme, title="Wacht nog", state=ItemState.PENDING, created_at=at)
    return theme, admin, insider, plain, pending


def digest_titles(mail):
    return set(re.findall(r"^- (.+?) \(", mail.text, flags=re.M))


def test_digest_shows_each_member_only_what_they_may_see(app, mailbox, digest_theme):
    theme, admin, insider, plain, pending = digest_theme
    assert digest.send_due_digests() == 3
    assert digest_titles(mailbox.wait_for(insider.email)[0]) == {
        "Openbaar idee", "Gesloten overleg", "Alleen voor Insider"}
    assert digest_titles(mailbox.wait_for(plain.email)[0]) == {"Openbaar idee", "Gesloten overleg"}
    assert digest_titles(mailbox.wait_for(admin.email)[0]) == {
        "Openbaar idee", "Gesloten overleg", "Alleen voor Insider"}
    assert mailbox.to(pending.email) == []  # not (yet) a member: no digest
    for m in mailbox.messages:
        assert "Wacht nog" not in m.text


def test_two_scheduler_runs_of_one_period_send_one_digest_each(app, mailbox, digest_theme):
    theme, admin, insider, plain, pending = digest_theme
    first = digest.send_due_digests()
    second = digest.send_due_digests()
    assert first == 3 and second == 0
    assert db.session.scalar(select(func.count(DigestRun.id))) == 1
    for person in (admin, insider, plain):
        assert len(mailbox.to(person.email)) == 1


def test_an_interrupted_run_resumes_with_only_those_not_yet_served(app, mailbox, digest_theme):
    theme, admin, insider, plain, pending = digest_theme
    key, start, end = digest.previous_period("weekly", utcnow())
    run = digest.get_run(theme, key, start, end)
    db.session.add(DigestDelivery(run_id=run.id, user_id=insider.id))  # served before a crash
    run.status = "sending"
    db.session.commit()
    assert digest.send_run(run.id) == 2
    assert mailbox.to(insider.email) == []
    assert db.session.scalar(select(func.count(DigestDelivery.id))) == 3


def test_admin_edits_the_digest_then_sends_it_now(app, mailbox, digest_theme):
    theme, admin, insider, plain, pending = digest_theme
    key, start, end = digest.period_of("weekly", utcnow())
    ItemFactory(theme=theme, title="Nieuw deze week", created_at=utcnow() - timedelta(minutes=5))
    ItemFactory(theme=theme, title="Ook nieuw", created_at=utcnow() - timedelta(minutes=4))
    client = Client(app)
    client.login(admin.email)
    page = page_text(client.get(f"/t/{theme.slug}/digest"))
    assert "Nieuw deze week" in page and "Ook nieuw" in page
    run = digest.current_run(theme)
    assert len(run.item_ids) == 2  # chosen automatically until an admin edits it
    from app.items.models import Item
    only = db.session.scalar(select(Item.id).where(Item.title == "Ook nieuw"))
    client.post(f"/t/{theme.slug}/digest", {"intro": "Fijne week!", "post": str(only),
                                            "digest_frequency": "weekly", "action": "send"})
    mail = mailbox.wait_for(plain.email)[0]
    assert "Fijne week!" in mail.text and digest_titles(mail) == {"Ook nieuw"}
    # Sent now: the scheduler does not send this period again.
    assert digest.send_run(run.id) == 0
    plain_client = Client(app)
    plain_client.login(plain.email)
    assert plain_client.get(f"/t/{theme.slug}/digest").status_code == 403


def test_admins_digest_tells_admins_what_waits(app, mailbox):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    busy = member(theme, role=Role.ADMIN)
    ItemFactory(theme=theme, state=ItemState.PENDING)
    idle = member(ThemeFactory(), role=Role.ADMIN)
    assert digest.send_admin_digests() == 1
    assert digest.send_admin_digests() == 0
    (mail,) = mailbox.wait_for(busy.email)
    assert "1 item waits" in mail.text and mail.link("/moderation")
    assert mailbox.to(idle.email) == []


def test_overview_at_the_chosen_frequency_and_only_visible_posts(app, mailbox):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    reader = member(theme)
    reader.overview_frequency = "daily"
    never = member(theme)
    never.overview_frequency = "never"
    db.session.commit()
    ItemFactory(theme=theme, title="Vandaag nieuw", part=Part.CLOSED,
                created_at=utcnow() - timedelta(hours=3))
    ItemFactory(theme=ThemeFactory(workgroup_type=WorkgroupType.CLOSED), title="Ander thema",
                part=Part.CLOSED, created_at=utcnow() - timedelta(hours=3))
    assert digest.send_overviews() == 1
    assert digest.send_overviews() == 0  # already had today's
    (mail,) = mailbox.wait_for(reader.email)
    assert "Vandaag nieuw" in mail.text and "Ander thema" not in mail.text
    assert mailbox.to(never.email) == []


def test_notification_settings_page(app, mailbox):
    theme = ThemeFactory(name="Thema Een")
    user = member(theme)
    client = Client(app)
    client.login(user.email)
    assert "Thema Een" in page_text(client.get("/account/notifications"))
    client.post("/account/notifications", {"overview_frequency": "monthly"})  # theme unticked
    db.session.refresh(user)
    assert user.overview_frequency == "monthly"
    from app.mail.notifications import theme_notifications_on
    assert not theme_notifications_on(user.id, theme)
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_no_digest_for_a_member_who_switched_the_themes_mails_off(app, mailbox, digest_theme):
    theme, admin, insider, plain, pending = digest_theme
    from app.mail.notifications import set_theme_notifications
    set_theme_notifications(plain, theme.id, False)
    db.session.commit()
    assert digest.send_due_digests() == 2
    assert mailbox.to(plain.email) == []
    assert len(mailbox.wait_for(insider.email)) == 1


def test_digest_grouped_by_kind_of_viewer_still_shows_each_only_what_they_may_see(app, mailbox):
    """Without restricted posts the digest asks the policy once per kind of viewer; members
    of a subtheme, outsiders and an author who left still each get exactly their own set."""
    root = ThemeFactory(name="Regio", workgroup_type=WorkgroupType.MIXED)
    sub = ThemeFactory(name="Werkgroep", workgroup_type=WorkgroupType.CLOSED, parent=root)
    plain, deep = member(root), member(sub)
    leaver = member(root)
    last_week = utcnow() - timedelta(days=7)
    _key, start, _end = digest.period_of("weekly", last_week)
    at = start + timedelta(days=2)
    ItemFactory(theme=root, title="Voor iedereen", created_at=at, star_count=3)
    ItemFactory(theme=sub, title="Binnen de werkgroep", part=Part.CLOSED, created_at=at,
                star_count=2)
    ItemFactory(theme=sub, title="Van wie vertrok", part=Part.CLOSED, author=leaver,
                created_at=at, star_count=1)
    assert digest.send_due_digests() == 3
    everything = {"Voor iedereen", "Binnen de werkgroep", "Van wie vertrok"}
    assert digest_titles(mailbox.wait_for(plain.email)[0]) == everything  # root opens subthemes
    assert digest_titles(mailbox.wait_for(deep.email)[0]) == everything
    assert digest_titles(mailbox.wait_for(leaver.email)[0]) == everything
    mailbox.clear()
    # A second theme where membership differs: the sub's member sees the closed part, the
    # root-only member of a closed sub's sibling does not.
    other = ThemeFactory(name="Andere regio", workgroup_type=WorkgroupType.MIXED)
    closed_sub = ThemeFactory(name="Besloten", workgroup_type=WorkgroupType.CLOSED, parent=other)
    outsider_of_sub, insider_of_sub = member(other), member(closed_sub)
    author_gone = UserFactory()
    MembershipFactory(user=author_gone, theme=other)
    ItemFactory(theme=other, title="Open bericht", created_at=at, star_count=2)
    ItemFactory(theme=other, title="Gesloten deel", part=Part.CLOSED, created_at=at, star_count=1)
    ItemFactory(theme=closed_sub, title="Eigen post elders", part=Part.CLOSED, author=author_gone,
                created_at=at, star_count=1)
    assert digest.send_due_digests() == 3
    assert digest_titles(mailbox.wait_for(outsider_of_sub.email)[0]) == {
        "Open bericht", "Gesloten deel", "Eigen post elders"}  # members of "other" see its subtree
    assert digest_titles(mailbox.wait_for(insider_of_sub.email)[0]) == {"Open bericht",
                                                                        "Eigen post elders"}
    assert digest_titles(mailbox.wait_for(author_gone.email)[0]) == {
        "Open bericht", "Gesloten deel", "Eigen post elders"}
