"""The moderation queue: every decision path with the mails it sends (read from the real SMTP
server), reports, removing members, concurrent decisions, permissions and the audit log."""
from __future__ import annotations

import threading

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.extensions import db
from app.moderation import services as moderation
from app.moderation.models import Action, ModerationDecision, Report
from app.items.models import Part, Item, ItemState
from app.themes.models import Membership, MembershipStatus, Role, WorkgroupType
from tests.factories import (MembershipFactory, ItemFactory, CommentFactory, ThemeFactory,
                             UserFactory, member)
from tests.helpers import Client, page_text


def decisions(action=None):
    q = select(ModerationDecision).order_by(ModerationDecision.id)
    if action:
        q = q.where(ModerationDecision.action == action)
    return list(db.session.scalars(q))


@pytest.fixture
def board(app):
    theme = ThemeFactory(name="Mantelzorg", workgroup_type=WorkgroupType.HALF_OPEN)
    admin = member(theme, role=Role.ADMIN, username="Bart Beheerder")
    author = member(theme, username="Anna Auteur")
    admin_client = Client(app)
    admin_client.login(admin.email)
    return theme, admin, author, admin_client


def decide(client, theme, target, action, **reason):
    return client.post(f"/t/{theme.slug}/moderation/decide",
                       {"target": target, "action": action, **reason})


def test_queue_lists_what_waits_oldest_first_with_waiting_time(board):
    theme, admin, author, admin_client = board
    sub = ThemeFactory(name="Jonge mantelzorgers", parent=theme,
                       workgroup_type=WorkgroupType.MIXED)
    from datetime import timedelta
    from app.timeutil import utcnow
    ItemFactory(theme=theme, author=author, title="Oudste", state=ItemState.PENDING,
                created_at=utcnow() - timedelta(days=3))
    ItemFactory(theme=sub, author=author, title="In subthema", state=ItemState.PENDING,
                created_at=utcnow() - timedelta(hours=5))
    CommentFactory(item=ItemFactory(theme=theme, title="Met reactie"), author=author,
                 state=ItemState.PENDING, body="Reactie wacht")
    MembershipFactory(user=UserFactory(username="Nieuw Lid"), theme=sub,
                      status=MembershipStatus.PENDING)
    text = page_text(admin_client.get(f"/t/{theme.slug}/moderation"))
    assert text.index("Oudste") < text.index("In subthema") < text.index("Reactie wacht")
    assert "waiting 3 days" in text and "waiting 5 hours" in text
    assert "Nieuw Lid" in text and "4 items wait" in text
    only_posts = page_text(admin_client.get(f"/t/{theme.slug}/moderation?kind=posts"))
    assert "Oudste" in only_posts and "Reactie wacht" not in only_posts
    only_sub = page_text(admin_client.get(f"/t/{theme.slug}/moderation?theme={sub.id}"))
    assert "In subthema" in only_sub and "Oudste" not in only_sub
    # The badge in the navigation counts it all.
    assert "Moderation 4 waiting" in page_text(admin_client.get("/"))


def test_approve_publishes_tells_the_author_and_is_logged(board, mailbox, app):
    theme, admin, author, admin_client = board
    post = ItemFactory(theme=theme, author=author, title="Graag vrijgeven",
                       state=ItemState.PENDING)
    resp = decide(admin_client, theme, f"item:{post.id}", "approve")
    assert resp.status_code == 303
    assert "Approved: it is published." in page_text(admin_client.get(resp.headers["Location"]))
    db.session.refresh(post)
    assert post.state == ItemState.PUBLISHED and post.published_at is not None
    (mail,) = mailbox.wait_for(author.email)
    assert 'Your post "Graag vrijgeven" is published' in mail.subject
    assert mail.link(f"/posts/{post.id}")
    (entry,) = decisions(Action.APPROVE)
    assert (entry.actor_name, entry.target, entry.summary) == ("Bart Beheerder", f"item:{post.id}",
                                                               "Graag vrijgeven")
    assert "Graag vrijgeven" in page_text(Client(app).get(f"/t/{theme.slug}"))


def test_reject_needs_a_reason_which_the_author_reads_in_their_language(board, mailbox):
    theme, admin, author, admin_client = board
    author.locale = "nl"
    db.session.commit()
    post = ItemFactory(theme=theme, author=author, state=ItemState.PENDING)
    resp = decide(admin_client, theme, f"item:{post.id}", "reject")
    assert "Give a reason" in page_text(admin_client.get(resp.headers["Location"]))
    db.session.refresh(post)
    assert post.state == ItemState.PENDING and mailbox.to(author.email) == []

    decide(admin_client, theme, f"item:{post.id}", "reject", reason_code="advertising",
           reason_text="Zet het op de marktplaats.")
    db.session.refresh(post)
    with force_locale("nl"):
        expected = str(moderation.REJECT_REASONS["advertising"])
    assert post.state == ItemState.REJECTED
    assert post.moderation_note == f"{expected} Zet het op de marktplaats."
    (mail,) = mailbox.wait_for(author.email)
    assert "Zet het op de marktplaats." in mail.text and expected in mail.text
    author_client = Client(admin_client.app)
    author_client.login(author.email)
    assert "Zet het op de marktplaats." in page_text(author_client.get(f"/posts/{post.id}"))
    assert decisions(Action.REJECT)[0].reason == post.moderation_note


def test_edit_then_approve_tells_the_author_what_changed(board, mailbox):
    theme, admin, author, admin_client = board
    post = ItemFactory(theme=theme, author=author, title="Bijeenkomst", state=ItemState.PENDING,
                       body="Kom allemaal.\nBel mij op 0612345678.")
    resp = admin_client.post(f"/t/{theme.slug}/moderation/posts/{post.id}/edit",
                             {"title": "Bijeenkomst", "body": "Kom allemaal."})
    assert resp.status_code == 302
    db.session.refresh(post)
    assert post.state == ItemState.PUBLISHED and post.body == "Kom allemaal."
    assert "0612345678" not in post.body_html
    (mail,) = mailbox.wait_for(author.email)
    assert "- Bel mij op 0612345678." in mail.text
    (entry,) = decisions(Action.EDIT_APPROVE)
    assert "0612345678" in entry.before_text and "0612345678" not in entry.after_text
    # Once decided, the edit page says so instead of deciding twice.
    again = admin_client.get(f"/t/{theme.slug}/moderation/posts/{post.id}/edit")
    assert again.status_code == 302


def test_replies_are_approved_and_rejected_with_counters_and_mails(board, mailbox):
    theme, admin, author, admin_client = board
    post = ItemFactory(theme=theme)
    good = CommentFactory(item=post, author=author, state=ItemState.PENDING)
    bad = CommentFactory(item=post, author=author, state=ItemState.PENDING)
    decide(admin_client, theme, f"comment:{good.id}", "approve")
    decide(admin_client, theme, f"comment:{bad.id}", "reject", reason_code="off_topic")
    db.session.refresh(post)
    assert post.comment_count == 1
    db.session.refresh(bad)
    assert bad.state == ItemState.REJECTED and "not about this theme" in bad.moderation_note
    subjects = sorted(m.subject for m in mailbox.wait_for(author.email, count=2))
    assert f'Your reply to "{post.title}" is published' in subjects[0]
    assert f'Your reply to "{post.title}" was not approved' in subjects[1]
    assert len(decisions()) == 2


def _only_mail(mailbox, user):
    (mail,) = mailbox.wait_for(user.email)
    mailbox.clear()
    return mail


def _named(mail, title):
    """The mail names the post in its subject and in both its text and its HTML part."""
    html_title = title.replace("&", "&amp;").replace('"', "&#34;")
    return title in mail.subject and title in mail.text and html_title in mail.html


def test_every_outcome_mail_names_the_post_and_links_to_it_while_it_can_be_seen(board, mailbox,
                                                                                   app):
    theme, admin, author, admin_client = board
    reporter = member(theme)
    # Item approved, post rejected, post edited then approved: the author still sees each.
    for action, title, extra in [("approve", "Vrijgegeven & zo", {}),
                                 ("reject", "Afgewezen post", {"reason_code": "off_topic"})]:
        post = ItemFactory(theme=theme, author=author, title=title, state=ItemState.PENDING)
        decide(admin_client, theme, f"item:{post.id}", action, **extra)
        mail = _only_mail(mailbox, author)
        assert _named(mail, title) and mail.link(f"/posts/{post.id}"), mail.text
    post = ItemFactory(theme=theme, author=author, title="Bijna goed", state=ItemState.PENDING)
    admin_client.post(f"/t/{theme.slug}/moderation/posts/{post.id}/edit",
                      {"title": "Nu goed", "body": "Verbeterd."})
    mail = _only_mail(mailbox, author)
    assert _named(mail, "Nu goed") and mail.link(f"/posts/{post.id}")

    # Replies approved and rejected: named by their post, linked to the reply itself.
    post = ItemFactory(theme=theme, title="Draad met reacties")
    for action, extra in [("approve", {}), ("reject", {"reason_code": "off_topic"})]:
        reply = CommentFactory(item=post, author=author, state=ItemState.PENDING)
        decide(admin_client, theme, f"comment:{reply.id}", action, **extra)
        mail = _only_mail(mailbox, author)
        assert _named(mail, "Draad met reacties") and mail.link(f"/replies/{reply.id}")

    # Hidden after a report: the author still sees it (link), the reporter no longer does.
    post = _reported(theme, author, [reporter], app)
    mailbox.clear()
    decide(admin_client, theme, f"item:{post.id}", "hide", reason_code="offensive")
    mail = _only_mail(mailbox, author)
    assert _named(mail, "Gemeld bericht") and mail.link(f"/posts/{post.id}")
    # (the reporter's mail was cleared with the author's; report outcomes are checked below)

    # Deleted: named, but no link to what nobody can open any more.
    post = ItemFactory(theme=theme, author=author, title="Weg ermee")
    client = Client(app)
    client.login(reporter.email)
    client.post(f"/posts/{post.id}/report", {"reason": "spam"})
    mailbox.clear()
    decide(admin_client, theme, f"item:{post.id}", "delete", reason_code="advertising")
    author_mail, = mailbox.wait_for(author.email)
    assert _named(author_mail, "Weg ermee") and f"/posts/{post.id}" not in author_mail.text
    reporter_mail, = mailbox.wait_for(reporter.email)
    assert "Weg ermee" not in reporter_mail.text and "/posts/" not in reporter_mail.text
    mailbox.clear()

    # A deleted reply: named by its post, which the author may still open.
    post = ItemFactory(theme=theme, title="Blijft staan")
    reply = CommentFactory(item=post, author=author)
    client.post(f"/replies/{reply.id}/report", {"reason": "offensive"})
    mailbox.clear()
    decide(admin_client, theme, f"comment:{reply.id}", "delete", reason_code="offensive")
    mail = _only_mail(mailbox, author)
    assert _named(mail, "Blijft staan") and mail.link(f"/posts/{post.id}")
    assert f"/replies/{reply.id}" not in mail.text

    # A dismissed report: the reporter still sees the post, so it is named and linked.
    post = ItemFactory(theme=theme, author=author, title="Mag blijven")
    client.post(f"/posts/{post.id}/report", {"reason": "spam"})
    mailbox.clear()
    decide(admin_client, theme, f"item:{post.id}", "dismiss")
    mail = _only_mail(mailbox, reporter)
    assert _named(mail, "Mag blijven") and mail.link(f"/posts/{post.id}")


def test_reports_group_per_item_notify_admins_once_and_refuse_doubles(board, mailbox, app):
    theme, admin, author, admin_client = board
    post = ItemFactory(theme=theme, author=author, title="Twijfelachtig")
    first, second = member(theme, username="Melder Een"), member(theme, username="Melder Twee")
    for who, reason, text in [(first, "spam", ""), (second, "other", "Klopt niet")]:
        client = Client(app)
        client.login(who.email)
        assert client.post(f"/posts/{post.id}/report", {"reason": reason, "text": text}).status_code == 302
    again = Client(app)
    again.login(first.email)
    resp = again.post(f"/posts/{post.id}/report", {"reason": "offensive"})
    assert resp.status_code == 422 and "already reported" in page_text(resp)
    resp = again.post(f"/posts/{post.id}/report", {"reason": "other", "text": ""})
    assert resp.status_code == 422
    own = Client(app)
    own.login(author.email)
    resp = own.post(f"/posts/{post.id}/report", {"reason": "spam"})
    assert resp.status_code == 422 and "your own text" in page_text(resp)
    assert db.session.scalar(select(func.count(Report.id))) == 2
    (mail,) = mailbox.wait_for(admin.email)  # one mail for the item, not one per report
    assert "Twijfelachtig" in mail.text and mail.link("/moderation")
    queue = page_text(admin_client.get(f"/t/{theme.slug}/moderation?kind=reports"))
    assert "Reported (2 reports)" in queue and "Klopt niet" in queue and "Spam or advertising" in queue


def test_cannot_report_what_one_cannot_see(app):
    closed = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    post = ItemFactory(theme=closed, part=Part.CLOSED)
    client = Client(app)
    client.login(UserFactory().email)
    assert client.post(f"/posts/{post.id}/report", {"reason": "spam"}).status_code == 404
    assert db.session.scalar(select(func.count(Report.id))) == 0


def _reported(theme, author, reporters, app):
    post = ItemFactory(theme=theme, author=author, title="Gemeld bericht")
    for who in reporters:
        client = Client(app)
        client.login(who.email)
        client.post(f"/posts/{post.id}/report", {"reason": "offensive"})
    return post


def test_hiding_a_reported_post(board, mailbox, app):
    theme, admin, author, admin_client = board
    reporter = member(theme)
    post = _reported(theme, author, [reporter], app)
    mailbox.clear()
    decide(admin_client, theme, f"item:{post.id}", "hide", reason_code="offensive")
    db.session.refresh(post)
    assert post.state == ItemState.HIDDEN
    assert Client(app).get(f"/posts/{post.id}").status_code == 404
    author_client = Client(app)
    author_client.login(author.email)
    text = page_text(author_client.get(f"/posts/{post.id}"))
    assert "An admin hid this post" in text and "offensive" in text
    assert 'An admin hid your post "Gemeld bericht"' in mailbox.wait_for(author.email)[0].subject
    assert "The admins hid the text." in mailbox.wait_for(reporter.email)[0].text
    assert db.session.scalar(select(Report.resolution)) .value == "hidden"
    assert decisions(Action.HIDE)[0].reason


def test_deleting_a_reported_reply(board, mailbox, app):
    theme, admin, author, admin_client = board
    reporter = member(theme)
    post = ItemFactory(theme=theme)
    reply = CommentFactory(item=post, author=author, body="Grove taal")
    post.comment_count = 1
    db.session.commit()
    client = Client(app)
    client.login(reporter.email)
    client.post(f"/replies/{reply.id}/report", {"reason": "offensive"})
    mailbox.clear()
    decide(admin_client, theme, f"comment:{reply.id}", "delete", reason_text="Grof.")
    db.session.refresh(reply)
    db.session.refresh(post)
    assert reply.state == ItemState.DELETED and post.comment_count == 0
    assert "Grove taal" not in page_text(Client(app).get(f"/posts/{post.id}"))
    assert "The admins removed the text." in mailbox.wait_for(reporter.email)[0].text
    assert "Grof." in mailbox.wait_for(author.email)[0].text
    assert decisions(Action.DELETE)[0].before_text == "Grove taal"


def test_dismissing_a_report_keeps_the_post_and_tells_the_reporters(board, mailbox, app):
    theme, admin, author, admin_client = board
    reporters = [member(theme), member(theme)]
    post = _reported(theme, author, reporters, app)
    mailbox.clear()
    decide(admin_client, theme, f"item:{post.id}", "dismiss")
    db.session.refresh(post)
    assert post.state == ItemState.PUBLISHED
    for r in reporters:
        assert "leave it as it is" in mailbox.wait_for(r.email)[0].text
    assert mailbox.to(author.email) == []
    assert "Nothing waits" in page_text(admin_client.get(f"/t/{theme.slug}/moderation"))
    resp = decide(admin_client, theme, f"item:{post.id}", "dismiss")
    assert "already decided by Bart Beheerder" in page_text(admin_client.get(resp.headers["Location"]))


def test_removing_a_member(board, mailbox, app):
    theme, admin, author, admin_client = board
    closed = ThemeFactory(workgroup_type=WorkgroupType.CLOSED, parent=theme)
    mid = db.session.scalar(select(Membership.id).where(Membership.user_id == author.id))
    resp = admin_client.post(f"/t/{theme.slug}/members/{mid}/remove", {"reason": ""})
    assert resp.status_code == 422
    admin_client.post(f"/t/{theme.slug}/members/{mid}/remove", {"reason": "Herhaaldelijk grof."})
    assert db.session.get(Membership, mid) is None
    assert "Herhaaldelijk grof." in mailbox.wait_for(author.email)[0].text
    author_client = Client(app)
    author_client.login(author.email)
    assert author_client.get(f"/t/{closed.slug}/members").status_code == 403
    assert decisions(Action.REMOVE_MEMBER)[0].summary == "Anna Auteur"
    # Nobody removes the owner; an admin does not remove another admin.
    owner = member(theme, role=Role.OWNER)
    other_admin = member(theme, role=Role.ADMIN)
    for target in (owner, other_admin):
        tm = db.session.scalar(select(Membership).where(Membership.user_id == target.id))
        admin_client.post(f"/t/{theme.slug}/members/{tm.id}/remove", {"reason": "x"})
        assert db.session.get(Membership, tm.id) is not None


def test_membership_requests_are_decided_from_the_queue_and_logged(board, mailbox):
    theme, admin, author, admin_client = board
    closed = ThemeFactory(workgroup_type=WorkgroupType.CLOSED, parent=theme)
    applicant = UserFactory(username="Aanvrager")
    MembershipFactory(user=applicant, theme=closed, status=MembershipStatus.PENDING)
    m = db.session.scalar(select(Membership).where(Membership.user_id == applicant.id))
    decide(admin_client, theme, f"membership:{m.id}", "accept")
    db.session.refresh(m)
    assert m.status == MembershipStatus.ACTIVE
    assert "is accepted" in mailbox.wait_for(applicant.email)[0].text
    assert decisions(Action.ACCEPT_MEMBER)[0].summary == "Aanvrager"


def test_two_admins_deciding_the_same_post_at_once(app, mailbox):
    theme = ThemeFactory()
    admins = [member(theme, role=Role.ADMIN, username=f"Beheerder {i}") for i in range(2)]
    author = member(theme)
    post = ItemFactory(theme=theme, author=author, state=ItemState.PENDING)
    barrier = threading.Barrier(2)
    outcomes = []

    def act(admin_id, approve):
        with app.test_request_context(), force_locale("en"):
            admin = db.session.get(type(author), admin_id)
            barrier.wait()
            try:
                if approve:
                    moderation.approve_post(admin, post.id)
                    db.session.commit()
                else:
                    moderation.reject_post(admin, post.id, "off_topic", None)
                    db.session.commit()
                outcomes.append("won")
            except moderation.AlreadyDecided as exc:
                outcomes.append(exc.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=act, args=(admins[0].id, True)),
               threading.Thread(target=act, args=(admins[1].id, False))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("won") == 1
    loser = next(o for o in outcomes if o != "won")
    assert "already decided by Beheerder" in loser
    assert len(mailbox.wait_for(author.email)) == 1
    assert len(decisions()) == 1
    db.session.expire_all()
    final = db.session.get(Item, post.id).state
    assert final == (ItemState.PUBLISHED if decisions()[0].action == Action.APPROVE
                     else ItemState.REJECTED)


@pytest.mark.parametrize("who", ["visitor", "member", "admin-elsewhere", "author"])
def test_the_queue_is_closed_to_everyone_but_its_admins(app, who):
    theme = ThemeFactory()
    author = member(theme)
    post = ItemFactory(theme=theme, author=author, state=ItemState.PENDING)
    client = Client(app)
    if who == "member":
        client.login(member(theme).email)
    elif who == "admin-elsewhere":
        elsewhere = ThemeFactory()
        client.login(member(elsewhere, role=Role.ADMIN).email)
        # Through their own theme's queue, this theme's post is out of reach.
        resp = decide(client, elsewhere, f"item:{post.id}", "approve")
        assert resp.status_code == 404
    elif who == "author":
        client.login(author.email)
    queue = client.get(f"/t/{theme.slug}/moderation")
    log = client.get(f"/t/{theme.slug}/moderation/log")
    action = decide(client, theme, f"item:{post.id}", "approve")
    if who == "visitor":
        assert queue.status_code == log.status_code == action.status_code == 302
    else:
        assert queue.status_code == log.status_code == action.status_code == 403
    db.session.refresh(post)
    assert post.state == ItemState.PENDING and decisions() == []


def test_the_audit_log_shows_every_decision_and_cannot_be_changed(board, app):
    theme, admin, author, admin_client = board
    post = ItemFactory(theme=theme, author=author, title="Logboek", state=ItemState.PENDING)
    decide(admin_client, theme, f"item:{post.id}", "reject", reason_text="Te kort.")
    text = page_text(admin_client.get(f"/t/{theme.slug}/moderation/log"))
    assert "Bart Beheerder" in text and "rejected" in text and "Logboek" in text
    assert "Te kort." in text
    assert admin_client.post(f"/t/{theme.slug}/moderation/log").status_code == 405
    entry_id = decisions()[0].id
    assert admin_client.get(f"/t/{theme.slug}/moderation/log/{entry_id}/edit").status_code == 404


def test_reports_of_a_text_its_author_deleted_leave_the_queue(board, app):
    theme, admin, author, admin_client = board
    post = _reported(theme, author, [member(theme)], app)
    assert "Moderation 1 waiting" in page_text(admin_client.get("/"))
    author_client = Client(app)
    author_client.login(author.email)
    author_client.post(f"/posts/{post.id}/delete")
    assert "Nothing waits" in page_text(admin_client.get(f"/t/{theme.slug}/moderation"))
    assert "waiting" not in page_text(admin_client.get("/"))


def test_the_badge_the_overview_and_the_queue_count_the_same_past_a_hundred(app):
    first = ThemeFactory(name="Eerste", workgroup_type=WorkgroupType.HALF_OPEN)
    second = ThemeFactory(name="Tweede", workgroup_type=WorkgroupType.HALF_OPEN)
    admin = member(first, role=Role.ADMIN)
    MembershipFactory(user=admin, theme=second, role=Role.ADMIN)
    for _ in range(104):
        ItemFactory(theme=first, state=ItemState.PENDING)
    post = ItemFactory(theme=first)
    CommentFactory(item=post, state=ItemState.PENDING)
    MembershipFactory(user=UserFactory(), theme=first, status=MembershipStatus.PENDING)
    ItemFactory(theme=second, state=ItemState.PENDING)
    client = Client(app)
    client.login(admin.email)
    overview = page_text(client.get("/moderation"))
    assert "Moderation 107 waiting" in overview  # the badge in the menu
    assert "Eerste 106 items wait" in overview and "Tweede 1 item waits" in overview
    queue = page_text(client.get(f"/t/{first.slug}/moderation"))
    assert "106 items wait, oldest first." in queue
    assert "The oldest 100 are shown here" in queue
    only_posts = page_text(client.get(f"/t/{first.slug}/moderation?kind=posts"))
    assert "104 items wait, oldest first." in only_posts


def test_a_reply_author_who_left_a_closed_theme_is_not_told_its_posts_title(app, mailbox):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    admin = member(theme, role=Role.ADMIN)
    leaver = member(theme)
    post = ItemFactory(theme=theme, title="Vertrouwelijk overleg", part=Part.CLOSED)
    reply = CommentFactory(item=post, author=leaver, body="Mijn reactie")
    db.session.execute(Membership.__table__.delete().where(
        Membership.user_id == leaver.id, Membership.theme_id == theme.id))
    db.session.commit()
    admin_client = Client(app)
    admin_client.login(admin.email)
    decide(admin_client, theme, f"comment:{reply.id}", "hide", reason_text="Persoonlijk")
    (mail,) = mailbox.wait_for(leaver.email)
    assert "Vertrouwelijk overleg" not in mail.subject + mail.text
    assert "About your reply" in mail.subject and "/posts/" not in mail.text


def test_the_queue_costs_the_same_few_queries_however_much_waits(app):
    from tests.helpers import PAGE_QUERY_BUDGET, counted_queries

    root = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    sub = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN, parent=root)
    admin = member(root, role=Role.ADMIN)
    client = Client(app)
    client.login(admin.email)
    url = f"/t/{root.slug}/moderation"

    def queue():
        with counted_queries() as statements:
            text = page_text(client.get(url))
        return text, statements

    ItemFactory(theme=root, state=ItemState.PENDING, title="Wacht 0")
    text, few = queue()
    assert "Wacht 0" in text
    for i in range(1, 30):
        post = ItemFactory(theme=sub if i % 2 else root, state=ItemState.PENDING, title=f"Wacht {i}")
        CommentFactory(item=ItemFactory(theme=root), state=ItemState.PENDING, body=f"Reactie {i}")
        db.session.add(Report(theme_id=post.theme_id, target=f"item:{post.id}", item_id=post.id,
                              reporter_id=admin.id, reason="spam"))
    db.session.commit()
    text, many = queue()
    assert "Wacht 29" in text and "Reactie 29" in text
    assert len(many) == len(few) <= PAGE_QUERY_BUDGET, "\n".join(s[:90] for s in many)
